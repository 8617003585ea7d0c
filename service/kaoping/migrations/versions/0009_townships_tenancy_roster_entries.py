"""townships as tenants, and the roster's history by date

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

- township: county and the settings documents need (script, issuer, contact,
  document-number prefix); existing townships get zh-Hans and empty settings.
- scorer.township_id, api_token.township_id / county, audit_log.township_id: who
  belongs where. In a database with exactly one township, existing scorers belong
  to it; otherwise they keep "" (any township) until an administrator assigns them.
  Existing tokens keep "" (deployment-wide), which is what they were.
- activation.township_id: each township's own activation log. Existing rows keep ""
  (the deployment default), which every township without a log of its own serves, so
  every township serves exactly what it served before.
- township_ruleset: which township uploaded which version. Existing versions are
  linked to every existing township (each could activate any of them before).
- official.id_number / bank_account for the pay list.
- roster_entry: an official's village, position and base pay from a date on, and
  leaving. Each official_assignment row is copied (from its month's first day, with
  the official's present position and base pay: the only ones known); officials
  without one get one entry from 2000-01. official_assignment is kept, unread.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _text(name: str, length: int, default: str = "") -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=False, server_default=default)


def upgrade() -> None:
    for name, length in (("county", 200), ("issuer", 200), ("contact", 200), ("doc_prefix", 32)):
        op.add_column('township', _text(name, length))
    op.add_column('township', _text('script', 8, 'zh-Hans'))
    op.add_column('scorer', _text('township_id', 64))
    op.add_column('api_token', _text('township_id', 64))
    op.add_column('api_token', _text('county', 200))
    op.add_column('audit_log', _text('township_id', 64))
    op.add_column('activation', _text('township_id', 264))
    op.add_column('official', _text('id_number', 32))
    op.add_column('official', _text('bank_account', 64))
    op.execute("UPDATE scorer SET township_id = (SELECT id FROM township) "
               "WHERE (SELECT count(*) FROM township) = 1")
    op.create_table('township_ruleset',
    sa.Column('township_id', sqlmodel.sql.sqltypes.AutoString(length=264), nullable=False),
    sa.Column('ruleset_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ruleset_id'], ['ruleset_version.id'], ),
    sa.PrimaryKeyConstraint('township_id', 'ruleset_id')
    )
    op.execute("INSERT INTO township_ruleset (township_id, ruleset_id, uploaded_by, uploaded_at) "
               "SELECT t.id, r.id, r.uploaded_by, r.uploaded_at FROM township t, ruleset_version r")
    op.create_table('roster_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('official_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('effective_on', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('from_month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('on_roster', sa.Boolean(), nullable=False),
    sa.Column('village_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('position', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('base_pay', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['official_id'], ['official.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['village.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_roster_entry_official_id'), 'roster_entry', ['official_id'], unique=False)
    op.execute(
        "INSERT INTO roster_entry (official_id, effective_on, from_month, on_roster, village_id, position, "
        "base_pay, note, recorded_by, recorded_at) "
        "SELECT a.official_id, a.from_month || '-01', a.from_month, true, a.village_id, o.position, "
        "o.base_pay, '', 'migration 0009', a.recorded_at "
        "FROM official_assignment a JOIN official o ON o.id = a.official_id ORDER BY a.official_id, a.from_month")
    op.execute(
        "INSERT INTO roster_entry (official_id, effective_on, from_month, on_roster, village_id, position, "
        "base_pay, note, recorded_by, recorded_at) "
        "SELECT o.id, '2000-01-01', '2000-01', true, o.village_id, o.position, o.base_pay, '', "
        "'migration 0009', CURRENT_TIMESTAMP FROM official o "
        "WHERE NOT EXISTS (SELECT 1 FROM official_assignment a WHERE a.official_id = o.id)")


def downgrade() -> None:
    op.drop_index(op.f('ix_roster_entry_official_id'), table_name='roster_entry')
    op.drop_table('roster_entry')
    op.drop_table('township_ruleset')
    for table, columns in (('township', ('county', 'issuer', 'contact', 'doc_prefix', 'script')),
                           ('scorer', ('township_id',)), ('api_token', ('township_id', 'county')),
                           ('audit_log', ('township_id',)), ('activation', ('township_id',)),
                           ('official', ('id_number', 'bank_account'))):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_column(column)
