"""fact.void_claim: at most one correction per fact

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Concurrent CorrectFact calls could each pass the "already voided" read and all be
stored. The unique index on void_claim makes the database pick one winner.

Databases from before this revision may already hold several corrections of one
fact. Facts are append-only, so none is deleted or changed: the earliest correction
(lowest id) of each fact gets the claim, the later ones keep voids_fact_id without a
claim. Scores do not change by this migration (every correction still voids its
fact, as before); the count of such facts is logged so that an admin can review
their replacements (`kaoping facts list`), which were all stored too.
"""
import logging

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    with op.batch_alter_table('fact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('void_claim', sa.Integer(), nullable=True))
    bind = op.get_bind()
    bind.execute(sa.text(
        "UPDATE fact SET void_claim = voids_fact_id WHERE voids_fact_id IS NOT NULL AND id = "
        "(SELECT MIN(f2.id) FROM fact f2 WHERE f2.voids_fact_id = fact.voids_fact_id)"))
    doubled = bind.execute(sa.text(
        "SELECT COUNT(*) FROM (SELECT voids_fact_id FROM fact WHERE voids_fact_id IS NOT NULL "
        "GROUP BY voids_fact_id HAVING COUNT(*) > 1) AS d")).scalar()
    if doubled:
        log.warning("%d facts were corrected more than once before 0005; the earliest correction "
                    "of each holds the void, the others are kept unchanged: review their replacements",
                    doubled)
    with op.batch_alter_table('fact', schema=None) as batch_op:
        batch_op.create_index('ux_fact_void_claim', ['void_claim'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('fact', schema=None) as batch_op:
        batch_op.drop_index('ux_fact_void_claim')
        batch_op.drop_column('void_claim')
