"""year_record, year_event, year_result, year_payment: the year-end workflow

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

The year-end was computed on demand only: nothing froze it and paying the reward was not
recorded. A year now moves provisional → aggregated → approved → published → paid →
closed (kaoping.domain.yearflow); its frozen figures, trail and payments get their own
tables. Existing databases have no year row: every year reads as provisional, which is
what it was.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'year_record',
        sa.Column('township_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('ruleset_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('aggregated_on', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('approved_on', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('published_on', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('notice_ends', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('paid_on', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('payout_reference', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('closed_on', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('pool', sa.Numeric(12, 2), nullable=False),
        sa.Column('paid_out', sa.Numeric(12, 2), nullable=False),
        sa.Column('quota_decision', sa.Text(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('township_id', 'year'),
    )
    op.create_table(
        'year_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('township_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('from_state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('to_state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_year_event_township_id'), 'year_event', ['township_id'], unique=False)
    op.create_index(op.f('ix_year_event_year'), 'year_event', ['year'], unique=False)
    op.create_table(
        'year_result',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('township_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('official_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('village_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('payout', sa.Numeric(12, 2), nullable=False),
        sa.Column('line', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('township_id', 'year', 'revision', 'official_id'),
    )
    op.create_index(op.f('ix_year_result_township_id'), 'year_result', ['township_id'], unique=False)
    op.create_index(op.f('ix_year_result_year'), 'year_result', ['year'], unique=False)
    op.create_table(
        'year_payment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('township_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('official_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('village_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('amount', sa.Numeric(12, 2), nullable=False),
        sa.Column('paid_on', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('township_id', 'year', 'official_id'),
    )
    op.create_index(op.f('ix_year_payment_township_id'), 'year_payment', ['township_id'], unique=False)
    op.create_index(op.f('ix_year_payment_year'), 'year_payment', ['year'], unique=False)


def downgrade() -> None:
    for table in ('year_payment', 'year_result', 'year_event'):
        for column in ('year', 'township_id'):
            op.drop_index(op.f(f'ix_{table}_{column}'), table_name=table)
        op.drop_table(table)
    op.drop_table('year_record')
