"""month_snapshot.year_effects: what a frozen month's facts do to the year

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

Rule language 2 lets a monthly fact act on the year-end (year_veto,
year_grade_at_most, year_deduct_yuan). The year-end reads approved months from their
frozen snapshots, never live data, so the snapshot keeps those effects too (JSON;
"" for none). Months frozen before this revision were scored by version-1 rule sets,
which have no year effects: "" is exactly right for them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('month_snapshot', sa.Column('year_effects', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('month_snapshot', schema=None) as batch_op:
        batch_op.drop_column('year_effects')
