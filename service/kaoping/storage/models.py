"""Tables. Facts and rule-set versions are append-only: no code path updates or
deletes them. Money and points are stored as exact decimals (NUMERIC)."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Optional

from sqlalchemy import Column, DateTime, Index, Numeric, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from kaoping.domain.attributes import attributes_of


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _stamp() -> Column:
    return Column(DateTime(timezone=True), nullable=False, default=utcnow)


def _attributes() -> Column:
    """Attributes the rule language reads (kaoping.domain.attributes), a JSON object."""
    return Column(Text, nullable=False, default="{}", server_default="{}")


class _HasAttributes:
    def attrs(self) -> dict[str, str]:
        """The attributes as a dict (kaoping.domain.attributes.attributes_of)."""
        return attributes_of(self)


def _setting(length: int, default: str = "") -> Column:
    return Column(String(length), nullable=False, default=default, server_default=default)


class Township(SQLModel, table=True):
    """A township (乡镇) and the settings its documents need (kaoping.domain.townships)."""
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    # the county (县) it belongs to: county admins and readers span its townships
    county: str = Field(default="", sa_column=_setting(200))
    script: str = Field(default="zh-Hans", sa_column=_setting(8, "zh-Hans"))  # zh-Hans | zh-Hant
    issuer: str = Field(default="", sa_column=_setting(200))       # the body that issues notices
    contact: str = Field(default="", sa_column=_setting(200))      # person and telephone on documents
    doc_prefix: str = Field(default="", sa_column=_setting(32))    # document numbers: <prefix>〔2026〕10号


class Village(_HasAttributes, SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    township_id: str = Field(foreign_key="township.id", index=True, max_length=64)
    name: str = Field(max_length=200)
    attributes: str = Field(default="{}", sa_column=_attributes())


class Official(_HasAttributes, SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    village_id: str = Field(foreign_key="village.id", index=True, max_length=64)
    name: str = Field(max_length=200)
    position: str = Field(default="", max_length=100)
    base_pay: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    attributes: str = Field(default="{}", sa_column=_attributes())
    # for the pay list only; shown to the roles that pay (kaoping.domain.roster.sees_personal)
    id_number: str = Field(default="", sa_column=_setting(32))
    bank_account: str = Field(default="", sa_column=_setting(64))


class RosterEntry(SQLModel, table=True):
    """An official's place on the roster from a date on (kaoping.domain.roster): joining,
    moving village, changing position or base pay, or leaving each add a row; rows are
    never changed, so every past month keeps the roster as it stood then."""
    __tablename__ = "roster_entry"
    id: Optional[int] = Field(default=None, primary_key=True)
    official_id: str = Field(foreign_key="official.id", index=True, max_length=64)
    effective_on: str = Field(max_length=10)     # the day of the change, YYYY-MM-DD
    from_month: str = Field(max_length=7)        # the first month scored this way
    on_roster: bool = True                       # False: left (from from_month on)
    village_id: str = Field(foreign_key="village.id", max_length=64)
    position: str = Field(default="", max_length=100)
    base_pay: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    recorded_by: str = Field(default="", max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_stamp())


class OfficialAssignment(SQLModel, table=True):
    """An official's village from a month on, as recorded before migration 0009: kept
    as history, copied into roster_entry, no longer read or written."""
    __tablename__ = "official_assignment"
    official_id: str = Field(foreign_key="official.id", primary_key=True, max_length=64)
    from_month: str = Field(primary_key=True, max_length=7)
    village_id: str = Field(foreign_key="village.id", max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_stamp())


class Scorer(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    role: str = Field(max_length=32)
    # the township it scores in; "" only for scorers stored before migration 0009 in a
    # database of several townships (they may score in any)
    township_id: str = Field(default="", sa_column=_setting(64))


class FactRow(SQLModel, table=True):
    __tablename__ = "fact"
    # A township's month is read by (month, village): the composite index serves that
    # and month-only queries alike (docs/benchmarks.md, P6).
    # void_claim is unique: of concurrent corrections of one fact exactly one commits, on
    # every backend and across replicas (the "already voided" read alone cannot ensure it).
    __table_args__ = (Index("ix_fact_month_village", "month", "village_id"),
                      Index("ux_fact_void_claim", "void_claim", unique=True))
    id: Optional[int] = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=200, unique=True)
    payload_hash: str = Field(max_length=64)
    # None for a village-level fact (about the village in village_id, not one official;
    # its category's scope is "village"): village_id is then the fact's subject.
    official_id: Optional[str] = Field(default=None, foreign_key="official.id", index=True,
                                       max_length=64, nullable=True)
    village_id: str = Field(index=True, max_length=64)
    month: str = Field(max_length=7)
    date: str = Field(default="", max_length=10)
    category: str = Field(max_length=64)
    kind: str = Field(max_length=64)
    quantity: Decimal = Field(sa_column=Column(Numeric(14, 3), nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    scorer_id: str = Field(max_length=64)
    scorer_role: str = Field(max_length=32)
    source: str = Field(default="", max_length=64)
    # a level or severity (镇级/市级, 警告/严重警告) when the fact's kind declares levels
    level: str = Field(default="", max_length=32, sa_column_kwargs={"server_default": ""})
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_stamp())
    voids_fact_id: Optional[int] = Field(default=None, foreign_key="fact.id", index=True)
    void_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # The voided fact's id again, on the one correction that holds the void. Kept apart
    # from voids_fact_id because databases from before migration 0005 may already hold
    # several corrections of one fact: those extra ones keep voids_fact_id (history is
    # never rewritten) and have no claim.
    void_claim: Optional[int] = Field(default=None)


class RuleSetRow(SQLModel, table=True):
    __tablename__ = "ruleset_version"
    id: Optional[int] = Field(default=None, primary_key=True)
    content_hash: str = Field(max_length=64, unique=True)
    label: str = Field(max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    uploaded_by: str = Field(max_length=200)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_column=_stamp())


class TownshipRuleSet(SQLModel, table=True):
    """A version uploaded into a township (or published as its county's template,
    township_id "county:<county>"): the versions a township may list and activate.
    Versions are stored once by content; this says whose they are."""
    __tablename__ = "township_ruleset"
    township_id: str = Field(primary_key=True, max_length=264)
    ruleset_id: int = Field(foreign_key="ruleset_version.id", primary_key=True)
    uploaded_by: str = Field(max_length=200)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_column=_stamp())


class Activation(SQLModel, table=True):
    """Each activation or rollback appends a row; the newest row names the active set."""
    id: Optional[int] = Field(default=None, primary_key=True)
    ruleset_id: int = Field(foreign_key="ruleset_version.id")
    activated_by: str = Field(max_length=200)
    activated_at: datetime = Field(default_factory=utcnow, sa_column=_stamp())
    action: str = Field(max_length=16)  # activate | rollback | fallback (start-up) | inherit (a township's log begins)
    # whose log: a township id, "county:<county>" for a county's template, or "" for the
    # deployment default that townships without an activation of their own serve
    township_id: str = Field(default="", sa_column=_setting(264))



class ApiToken(SQLModel, table=True):
    """A bearer token, stored only as its SHA-256; the plaintext is shown once."""
    __tablename__ = "api_token"
    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=32)
    scorer_id: str = Field(default="", max_length=64)
    village_id: str = Field(default="", max_length=64)
    categories: str = Field(default="", max_length=500)  # comma-separated, system role
    # the token's reach (kaoping.domain.principal): one township, or every township of a
    # county (county_admin, county_reader); both "" for a deployment-wide token
    township_id: str = Field(default="", sa_column=_setting(64))
    county: str = Field(default="", sa_column=_setting(200))
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_stamp())
    expires_at: Optional[datetime] = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    revoked_at: Optional[datetime] = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class AuditEntry(SQLModel, table=True):
    """Append-only record of every write: who, when, what, request id, before/after."""
    __tablename__ = "audit_log"
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_stamp())
    actor: str = Field(max_length=200, index=True)
    role: str = Field(max_length=32)
    request_id: str = Field(default="", max_length=64, index=True)
    action: str = Field(max_length=64, index=True)
    target: str = Field(default="", max_length=200)
    # the township the write was in ("" for deployment-wide writes), so a township admin
    # reads its own trail
    township_id: str = Field(default="", sa_column=_setting(64))
    before: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    after: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


# Monthly workflow (kaoping.domain.workflow, kaoping.usecases.workflow) -------------------------
# Calendar days (approved_on, deadlines) are the township's dates as YYYY-MM-DD text;
# instants are UTC timestamps. Snapshots, events, appeals and payments are append-only
# except the fields that record an appeal's resolution.
def _points() -> Column:
    return Column(Numeric(14, 4), nullable=False)


def _money() -> Column:
    return Column(Numeric(12, 2), nullable=False)


class MonthRecord(SQLModel, table=True):
    """One township's month in the workflow; no row means `scoring`. State changes are
    compare-and-set on (state, revision) so two callers cannot both move it."""
    __tablename__ = "month_record"
    township_id: str = Field(primary_key=True, max_length=64)
    month: str = Field(primary_key=True, max_length=7)
    state: str = Field(max_length=16)
    ruleset_hash: str = Field(default="", max_length=64)  # frozen totals' version; bound on approval
    revision: int = 0                    # the current snapshot revision
    fact_count: int = 0                  # the month's facts when aggregated (watermark)
    fact_max_id: int = 0
    pending_appeals: int = 0
    # the app's day the totals were frozen: the issue date of the month's feedback notices
    aggregated_on: str = Field(default="", sa_column=_setting(10))
    approved_on: str = Field(default="", max_length=10)
    appeal_deadline: str = Field(default="", max_length=10)
    published_on: str = Field(default="", max_length=10)
    notice_ends: str = Field(default="", max_length=10)
    paid_on: str = Field(default="", max_length=10)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_stamp())


class MonthEvent(SQLModel, table=True):
    """The month's trail: every transition, confirmation, appeal and resolution."""
    __tablename__ = "month_event"
    id: Optional[int] = Field(default=None, primary_key=True)
    township_id: str = Field(max_length=64, index=True)
    month: str = Field(max_length=7, index=True)
    action: str = Field(max_length=32)
    from_state: str = Field(max_length=16)
    to_state: str = Field(max_length=16)
    actor: str = Field(max_length=200)
    role: str = Field(max_length=32)
    revision: int = 0
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    at: datetime = Field(default_factory=utcnow, sa_column=_stamp())


class SnapshotLine(SQLModel, table=True):
    """One official's frozen month at one snapshot revision (aggregation, then each
    appeal overturn). Names are frozen too: the public notice shows what was approved."""
    __tablename__ = "month_snapshot"
    __table_args__ = (UniqueConstraint("township_id", "month", "revision", "official_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    township_id: str = Field(max_length=64, index=True)
    month: str = Field(max_length=7, index=True)
    revision: int
    official_id: str = Field(max_length=64)
    official_name: str = Field(max_length=200)
    village_id: str = Field(max_length=64)
    village_name: str = Field(max_length=200)
    base_pay: Decimal = Field(sa_column=_money())
    total: Decimal = Field(sa_column=_points())
    grade: str = Field(max_length=32)
    vetoed: bool = False
    veto_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    pay: Decimal = Field(sa_column=_money())
    categories: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    # the month's effects on the year (language 2): JSON {vetoes, grade_caps, deduct_yuan}, or ""
    year_effects: str = Field(default="", sa_column=Column(Text, nullable=False, default="",
                                                           server_default=""))


class VillageConfirmation(SQLModel, table=True):
    """A village's confirmation (反馈确认) of its month's feedback notice."""
    __tablename__ = "village_confirmation"
    township_id: str = Field(primary_key=True, max_length=64)
    month: str = Field(primary_key=True, max_length=7)
    village_id: str = Field(primary_key=True, max_length=64)
    confirmed_by: str = Field(max_length=200)
    deemed: bool = False                 # no answer by the appeal deadline: 逾期视为确认
    revision: int = 0
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    at: datetime = Field(default_factory=utcnow, sa_column=_stamp())


class AppealRow(SQLModel, table=True):
    """An appeal (申诉) against one deduction, and how it was resolved."""
    __tablename__ = "appeal"
    id: Optional[int] = Field(default=None, primary_key=True)
    township_id: str = Field(max_length=64, index=True)
    month: str = Field(max_length=7, index=True)
    village_id: str = Field(max_length=64, index=True)
    official_id: str = Field(max_length=64)
    fact_id: int = Field(foreign_key="fact.id", index=True)
    rule_id: str = Field(max_length=100)
    points: Decimal = Field(sa_column=_points())
    deduction_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    appellant: str = Field(max_length=16)             # village | official (through the village)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    submitted_by: str = Field(max_length=200)
    submitted_at: datetime = Field(default_factory=utcnow, sa_column=_stamp())
    state: str = Field(max_length=16)                 # pending | upheld | overturned
    decision_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    resolved_by: str = Field(default="", max_length=200)
    resolved_at: Optional[datetime] = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    correction_fact_id: Optional[int] = Field(default=None)
    before_total: Optional[Decimal] = Field(default=None, sa_column=Column(Numeric(14, 4)))
    before_grade: str = Field(default="", max_length=32)
    before_pay: Optional[Decimal] = Field(default=None, sa_column=Column(Numeric(12, 2)))
    after_total: Optional[Decimal] = Field(default=None, sa_column=Column(Numeric(14, 4)))
    after_grade: str = Field(default="", max_length=32)
    after_pay: Optional[Decimal] = Field(default=None, sa_column=Column(Numeric(12, 2)))
    revision_after: int = 0


class PaymentRow(SQLModel, table=True):
    """An amount paid (兑现) to one official for one month, from the final snapshot."""
    __tablename__ = "payment"
    __table_args__ = (UniqueConstraint("township_id", "month", "official_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    township_id: str = Field(max_length=64, index=True)
    month: str = Field(max_length=7, index=True)
    revision: int
    official_id: str = Field(max_length=64)
    village_id: str = Field(max_length=64)
    amount: Decimal = Field(sa_column=_money())
    paid_on: str = Field(max_length=10)
    reference: str = Field(default="", max_length=200)
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_stamp())


class YearRecord(SQLModel, table=True):
    """One township's year in the year-end workflow (kaoping.domain.yearflow); no row
    means `provisional`. Moves are compare-and-set on (state, revision) like the month's."""
    __tablename__ = "year_record"
    township_id: str = Field(primary_key=True, max_length=64)
    year: int = Field(primary_key=True)
    state: str = Field(max_length=16)
    ruleset_hash: str = Field(default="", max_length=64)  # the frozen figures' version; bound on approval
    revision: int = 0                    # the current freeze: 1 at the first aggregation, +1 each
    aggregated_on: str = Field(default="", max_length=10)
    approved_on: str = Field(default="", max_length=10)
    published_on: str = Field(default="", max_length=10)
    notice_ends: str = Field(default="", max_length=10)
    paid_on: str = Field(default="", max_length=10)
    payout_reference: str = Field(default="", max_length=200)
    closed_on: str = Field(default="", max_length=10)
    pool: Decimal = Field(default=Decimal(0), sa_column=_money())   # fixed at approval
    paid_out: Decimal = Field(default=Decimal(0), sa_column=_money())
    # the meeting's decision on a tie at the excellent quota: JSON {granted, minutes}, or ""
    quota_decision: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # the frozen year's figures beside the officials' lines: JSON (kaoping.usecases.workflow.year_freeze)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_stamp())


class YearEvent(SQLModel, table=True):
    """The year's trail: every move of the year-end workflow."""
    __tablename__ = "year_event"
    id: Optional[int] = Field(default=None, primary_key=True)
    township_id: str = Field(max_length=64, index=True)
    year: int = Field(index=True)
    action: str = Field(max_length=32)
    from_state: str = Field(max_length=16)
    to_state: str = Field(max_length=16)
    actor: str = Field(max_length=200)
    role: str = Field(max_length=32)
    revision: int = 0
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    at: datetime = Field(default_factory=utcnow, sa_column=_stamp())


class YearLine(SQLModel, table=True):
    """One official's frozen year result at one freeze revision: the whole line as the
    year-end computed it (JSON: months, inspection, score, grade, quota, money, names),
    so the approved year reads back exactly as the meeting saw it."""
    __tablename__ = "year_result"
    __table_args__ = (UniqueConstraint("township_id", "year", "revision", "official_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    township_id: str = Field(max_length=64, index=True)
    year: int = Field(index=True)
    revision: int
    official_id: str = Field(max_length=64)
    village_id: str = Field(max_length=64)
    payout: Decimal = Field(sa_column=_money())           # the year-end money: what the payout records
    line: str = Field(sa_column=Column(Text, nullable=False))


class YearPayment(SQLModel, table=True):
    """The year-end money (reward, award, pool share less deductions) paid to one official."""
    __tablename__ = "year_payment"
    __table_args__ = (UniqueConstraint("township_id", "year", "official_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    township_id: str = Field(max_length=64, index=True)
    year: int = Field(index=True)
    revision: int
    official_id: str = Field(max_length=64)
    village_id: str = Field(max_length=64)
    amount: Decimal = Field(sa_column=_money())
    paid_on: str = Field(max_length=10)
    reference: str = Field(max_length=200)
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_stamp())
# Rectification (整改, kaoping.usecases.rectifications) ----------------------------------------
# An item is never deleted and its finding never edited: progress and closing append a
# step; closing also sets state, closed_on and evidence on the item (compare-and-set on
# state, so it closes once).
class RectificationRow(SQLModel, table=True):
    """One finding of the year-end inspection (or a meeting) about a village: the problem,
    the demand (整改要求), the deadline and who answers for it (责任人)."""
    __tablename__ = "rectification"
    id: Optional[int] = Field(default=None, primary_key=True)
    township_id: str = Field(max_length=64, index=True)
    village_id: str = Field(max_length=64, index=True)
    year: int
    area: str = Field(default="", max_length=40)
    problem: str = Field(sa_column=Column(Text, nullable=False))
    demand: str = Field(sa_column=Column(Text, nullable=False))
    deadline: str = Field(max_length=10)            # YYYY-MM-DD
    responsible: str = Field(max_length=60)
    state: str = Field(max_length=8)                # open | closed
    recorded_on: str = Field(max_length=10)         # the app's day it was recorded
    closed_on: str = Field(default="", max_length=10)
    evidence: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_stamp())


class RectificationStep(SQLModel, table=True):
    """An item's trail: recorded, each progress report, closed."""
    __tablename__ = "rectification_step"
    id: Optional[int] = Field(default=None, primary_key=True)
    rectification_id: int = Field(foreign_key="rectification.id", index=True)
    action: str = Field(max_length=16)              # recorded | progress | closed
    actor: str = Field(max_length=200)
    role: str = Field(max_length=32)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    evidence: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    at: datetime = Field(default_factory=utcnow, sa_column=_stamp())
