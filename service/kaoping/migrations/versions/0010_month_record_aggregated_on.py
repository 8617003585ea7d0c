"""month_record.aggregated_on: the day the totals were frozen

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

The feedback notice (《反馈通知单》) is dated the day its figures were frozen. Months
aggregated before this revision get the day of their last aggregate event (the
server's clock then), which is when they were frozen.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('month_record', sa.Column('aggregated_on', sa.String(length=10), nullable=False,
                                            server_default=''))
    op.execute(
        "UPDATE month_record SET aggregated_on = COALESCE((SELECT substr(CAST(max(e.at) AS TEXT), 1, 10) "
        "FROM month_event e WHERE e.township_id = month_record.township_id "
        "AND e.month = month_record.month AND e.action = 'aggregate'), '') "
        "WHERE state <> 'scoring'")


def downgrade() -> None:
    with op.batch_alter_table('month_record', schema=None) as batch_op:
        batch_op.drop_column('aggregated_on')
