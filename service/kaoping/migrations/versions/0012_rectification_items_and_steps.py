"""rectification and rectification_step: 整改 items tracked to done

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

New tables only (kaoping.usecases.rectifications); nothing existing changes. The year
workflow's 0011 (year_record …) comes before it.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rectification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('township_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('village_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('area', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('demand', sa.Text(), nullable=False),
    sa.Column('deadline', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('responsible', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('recorded_on', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('closed_on', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_township_id'), ['township_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_village_id'), ['village_id'], unique=False)

    op.create_table('rectification_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rectification_id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['rectification_id'], ['rectification.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rectification_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_step_rectification_id'), ['rectification_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rectification_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_step_rectification_id'))
    op.drop_table('rectification_step')
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_village_id'))
        batch_op.drop_index(batch_op.f('ix_rectification_township_id'))
    op.drop_table('rectification')
