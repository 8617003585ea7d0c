"""PostgreSQL only: NOTIFY kaoping_changes when facts or activations commit (WatchScores)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

A statement-level trigger on fact sends one notice per village and month of the
statement's new rows ('<village>|<month>'), one on activation sends 'activation'.
No fact id in the payload: identical notices of one transaction are delivered once, so
a batch that psycopg sends as one INSERT per row still notifies once per village. NOTIFY inside the inserting transaction is delivered only when it
commits, to every server listening (kaoping.usecases.watch_sources), whichever replica
inserted — and no ingest code had to change. SQLite has no NOTIFY: its servers poll.
"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
CREATE OR REPLACE FUNCTION kaoping_notify_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('kaoping_changes', village_id || '|' || month)
    FROM (SELECT DISTINCT village_id, month FROM new_rows) AS changed;
  RETURN NULL;
END $$""")
    op.execute("""
CREATE TRIGGER kaoping_fact_notify AFTER INSERT ON fact
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kaoping_notify_facts()""")
    op.execute("""
CREATE OR REPLACE FUNCTION kaoping_notify_activation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('kaoping_changes', 'activation');
  RETURN NULL;
END $$""")
    op.execute("""
CREATE TRIGGER kaoping_activation_notify AFTER INSERT ON activation
  FOR EACH STATEMENT EXECUTE FUNCTION kaoping_notify_activation()""")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS kaoping_activation_notify ON activation")
    op.execute("DROP TRIGGER IF EXISTS kaoping_fact_notify ON fact")
    op.execute("DROP FUNCTION IF EXISTS kaoping_notify_activation()")
    op.execute("DROP FUNCTION IF EXISTS kaoping_notify_facts()")
