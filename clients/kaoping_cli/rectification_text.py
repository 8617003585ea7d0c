"""How a rectification item (整改) reads on paper and on the terminal: its state in
Chinese (逾期 marked) and the rows of the notice's 整改事项 section."""
from __future__ import annotations

STATES = {"open": "整改中", "closed": "已销号"}
ACTIONS = {"recorded": "登记", "progress": "进展", "closed": "销号"}


def state_text(r) -> str:
    """整改中 / 逾期未完成 / 已于 YYYY-MM-DD 销号."""
    if r.state == "closed":
        return f"已于 {r.closed_on} 销号" if r.closed_on else STATES["closed"]
    return "逾期未完成" if r.overdue else STATES.get(r.state, r.state)


def rectification_rows(items) -> list[list[str]]:
    return [[r.area or "—", r.problem, r.demand, r.deadline, r.responsible,
             state_text(r) + (f"\n佐证：{r.evidence}" if r.state == "closed" and r.evidence else "")]
            for r in items]
