"""What the workflow tests share: callers, a clock the tests move, and month drivers."""
from __future__ import annotations

from datetime import date, timedelta

from kaoping.usecases.app import Kaoping
from kaoping.domain.principal import Principal
from kaoping.usecases.workflow import Workflow
from tests.support.facts import fact_input

ADMIN = Principal("镇党政办", "admin")
READER = Principal("审计", "reader")
MAIN = Principal("主要领导", "main_leader", scorer_id="main-01")


def village(village_id: str) -> Principal:
    return Principal(f"{village_id} 党支部", "village", village_id=village_id)


class Clock:
    def __init__(self, day: date):
        self.day = day

    def __call__(self) -> date:
        return self.day

    def set(self, day: date) -> date:
        self.day = day
        return day

    def advance(self, days: int) -> date:
        self.day += timedelta(days=days)
        return self.day


def workflow(app: Kaoping, start: date) -> tuple[Workflow, Clock]:
    clock = Clock(start)
    app.today = clock
    return Workflow(app), clock


def after_month(month: str, day: int = 3) -> date:
    year, m = int(month[:4]), int(month[5:])
    return date(year + (m == 12), 1 if m == 12 else m + 1, day)


def add(app: Kaoping, official: str, month: str, category: str = "attendance", kind: str = "meeting_absent",
        quantity: str = "1", scorer: str = "main-01", key: str | None = None) -> int:
    return app.submit_fact(fact_input(official=official, month=month, category=category, kind=kind,
                                      quantity=quantity, scorer=scorer, key=key)).fact_id


def to_state(flow: Workflow, clock: Clock, month: str, target: str) -> None:
    """Moves a month with no open appeals along the happy path up to `target`."""
    order = ["scoring", "aggregated", "approved", "published", "paid"]
    state = flow.state(ADMIN, month).state
    while order.index(state) < order.index(target):
        if state == "scoring":
            flow.aggregate(ADMIN, month)
        elif state == "aggregated":
            flow.approve(ADMIN, month)
        elif state == "approved":
            clock.set(date.fromisoformat(flow.state(ADMIN, month).record.appeal_deadline) + timedelta(days=1))
            flow.publish(ADMIN, month)
        elif state == "published":
            clock.set(date.fromisoformat(flow.state(ADMIN, month).record.notice_ends) + timedelta(days=1))
            flow.mark_paid(ADMIN, month, reference="test")
        state = flow.state(ADMIN, month).state
