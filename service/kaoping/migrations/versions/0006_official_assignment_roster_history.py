"""official_assignment: which village an official belongs to from which month

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Every existing official gets one assignment to its current village from 2000-01
(kaoping.domain.facts.EARLIEST_MONTH), so every month resolves as before; moves
recorded from now on add rows.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('official_assignment',
    sa.Column('official_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('from_month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('village_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['official_id'], ['official.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['village.id'], ),
    sa.PrimaryKeyConstraint('official_id', 'from_month')
    )
    op.execute("INSERT INTO official_assignment (official_id, from_month, village_id, recorded_at) "
               "SELECT id, '2000-01', village_id, CURRENT_TIMESTAMP FROM official")


def downgrade() -> None:
    op.drop_table('official_assignment')
