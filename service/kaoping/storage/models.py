"""Tables. Facts and rule-set versions are append-only: no code path updates or
deletes them. Money and points are stored as exact decimals (NUMERIC)."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Optional

from sqlalchemy import Column, DateTime, Numeric, Text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _stamp() -> Column:
    return Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Township(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)


class Village(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    township_id: str = Field(foreign_key="township.id", index=True, max_length=64)
    name: str = Field(max_length=200)


class Official(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    village_id: str = Field(foreign_key="village.id", index=True, max_length=64)
    name: str = Field(max_length=200)
    position: str = Field(default="", max_length=100)
    base_pay: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))


class Scorer(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    role: str = Field(max_length=32)


class FactRow(SQLModel, table=True):
    __tablename__ = "fact"
    id: Optional[int] = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=200, unique=True)
    payload_hash: str = Field(max_length=64)
    official_id: str = Field(foreign_key="official.id", index=True, max_length=64)
    village_id: str = Field(index=True, max_length=64)
    month: str = Field(index=True, max_length=7)
    date: str = Field(default="", max_length=10)
    category: str = Field(max_length=64)
    kind: str = Field(max_length=64)
    quantity: Decimal = Field(sa_column=Column(Numeric(14, 3), nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    scorer_id: str = Field(max_length=64)
    scorer_role: str = Field(max_length=32)
    source: str = Field(default="", max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_stamp())
    voids_fact_id: Optional[int] = Field(default=None, foreign_key="fact.id", index=True)
    void_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class RuleSetRow(SQLModel, table=True):
    __tablename__ = "ruleset_version"
    id: Optional[int] = Field(default=None, primary_key=True)
    content_hash: str = Field(max_length=64, unique=True)
    label: str = Field(max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    uploaded_by: str = Field(max_length=200)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_column=_stamp())


class Activation(SQLModel, table=True):
    """Each activation or rollback appends a row; the newest row names the active set."""
    id: Optional[int] = Field(default=None, primary_key=True)
    ruleset_id: int = Field(foreign_key="ruleset_version.id")
    activated_by: str = Field(max_length=200)
    activated_at: datetime = Field(default_factory=utcnow, sa_column=_stamp())
    action: str = Field(max_length=16)  # activate | rollback



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
    before: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    after: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
