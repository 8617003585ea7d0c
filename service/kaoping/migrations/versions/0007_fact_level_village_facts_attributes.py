"""fact.level, village-level facts (fact.official_id nullable), roster attributes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

What the rule language reads from facts and the roster:

- fact.level: a fact's level or severity, "" for every existing fact (whose payload
  hash does not change: an empty level is left out of the hash).
- fact.official_id becomes nullable: a village-level fact names no official, only its
  village (fact.village_id, already there). The foreign key to official stays.
- official.attributes and village.attributes: a JSON object of text values, "{}" for
  every existing row.

On SQLite a column's NOT NULL can only be dropped by recreating the table. Alembic's
batch mode recreates it as copy, drop, rename; with foreign keys enforced (kaoping
turns them on for every connection, kaoping.storage.store) the drop of `fact` counts
each appeal and correction that references a fact as a violation, and the rename does
not undo the count, so the commit would fail on any database holding either. Here the
rows are copied aside, `fact` is dropped and created again under its own name with the
same columns, keys and indexes (reflected), and the rows are copied back: each row put
back resolves the references to it, so the deferred count is zero at commit (one
savepoint holds it all). Nothing
is deleted or changed; ids stay as they were.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_ASIDE = "_fact_0007"


def upgrade() -> None:
    with op.batch_alter_table('fact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=32),
                                      nullable=False, server_default=''))
    for table in ('official', 'village'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('attributes', sa.Text(), nullable=False,
                                          server_default='{}'))
    _official_id_nullable(True)


def downgrade() -> None:
    bind = op.get_bind()
    village_level = bind.execute(sa.text("SELECT COUNT(*) FROM fact WHERE official_id IS NULL")).scalar()
    if village_level:
        # facts are append-only: refuse rather than delete them
        raise RuntimeError(f"{village_level} village-level facts need revision 0007; "
                           "cannot downgrade without deleting them")
    _official_id_nullable(False)
    for table in ('official', 'village'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('attributes')
    with op.batch_alter_table('fact', schema=None) as batch_op:
        batch_op.drop_column('level')


def _official_id_nullable(nullable: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table('fact', schema=None) as batch_op:
            batch_op.alter_column('official_id', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
                                  nullable=nullable)
        return
    # as it is on disk (its referenced tables come along, so the keys resolve)
    fact = sa.Table('fact', sa.MetaData(), autoload_with=bind)
    fact.c.official_id.nullable = nullable
    columns = ", ".join(f'"{c.name}"' for c in fact.columns)
    # Deferred: the drop below leaves references to facts dangling until the rows are
    # back. The savepoint makes this one transaction whether or not the driver has begun
    # one yet (pysqlite begins only before DML), so the pragma holds until it ends; PRAGMA
    # foreign_keys itself cannot change inside a transaction.
    bind.exec_driver_sql("SAVEPOINT fact_0007")
    bind.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    bind.exec_driver_sql(f'CREATE TABLE "{_ASIDE}" AS SELECT {columns} FROM fact')
    bind.exec_driver_sql("DROP TABLE fact")
    fact.create(bind)
    bind.exec_driver_sql(f'INSERT INTO fact ({columns}) SELECT {columns} FROM "{_ASIDE}" ORDER BY id')
    bind.exec_driver_sql(f'DROP TABLE "{_ASIDE}"')
    bind.exec_driver_sql("RELEASE SAVEPOINT fact_0007")
