"""The year-end of language 2 in the service (GetYearEnd's use case): a monthly fact's
year effects are frozen with its approved month and act on the year — a grade cap and
yuan off the payout (R11) — and the award table pays by year grade and position (R32)."""
from decimal import Decimal
from pathlib import Path

import pytest

from kaoping.domain.errors import InvalidArgument
from kaoping.domain.quota import QuotaDecision
from tests.support.apps import make_app
from tests.support.workflow import ADMIN, add, after_month, to_state, workflow

SHIPPED = Path(__file__).resolve().parents[1] / "rules" / "township-sample.yaml"
MONTHS = ["2026-01", "2026-02"]


def year_rules() -> str:
    text = SHIPPED.read_text(encoding="utf-8").replace('label: "sample 2026-2"', 'label: "year money"')
    text = text.replace('''      party_warning: {name: 受到党内警告处分, unit: 次, max_quantity: 3}
''', '''      party_warning: {name: 受到党内警告处分, unit: 次, max_quantity: 3}
      drunk_driving: {name: 酒驾, unit: 次, max_quantity: 1}
''')
    text = text.replace("  - id: team.warning\n", '''  - id: team.drunk
    category: team_building
    kind: drunk_driving
    year_deduct_yuan: 400
    year_grade_at_most: 良好
    reason: 酒驾，扣当年绩效报酬400元，当年不得评为优秀
  - id: team.warning
''')
    text = text.replace("\ncategories:\n", "\nroster: {positions: [党支部书记, 村委会主任]}\ncategories:\n", 1)
    return text.replace('''    grades: [优秀]
''', '''    grades: [优秀]
  awards:
    table:
      优秀: {党支部书记: 3000}
      良好: {党支部书记: 1000}
    position_ratio: {村委会主任: 0.8}
    ratio_of: 党支部书记
''')


def test_year_effects_and_awards_reach_the_service_year_end(db_url):
    app = make_app(db_url)
    try:
        row = app.rulesets.upload(year_rules(), "year.yaml", "year money", "test")
        app.rulesets.activate(row.id, row.content_hash, "test")
        flow, clock = workflow(app, after_month(MONTHS[0]))
        for month in MONTHS:
            clock.set(after_month(month))
            if month == "2026-02":
                add(app, "v02-1", month, category="team_building", kind="drunk_driving")
            to_state(flow, clock, month, "approved")
        clock.set(after_month("2026-12"))
        year = flow.year_end(ADMIN, 2026)
        lines = {o.line.official_id: o.line for o in year.officials}
        drunk, clean, director = lines["v02-1"], lines["v01-1"], lines["v01-2"]
        # every month is 100 points: the year score is 0.7 x 100 + 0.3 x 100 = 100
        assert clean.score == drunk.score == Decimal("100.00")
        # v02-1's month froze its effects: capped at 良好, 400 off a 1000 award
        assert drunk.grade == "良好" and drunk.award == Decimal("1000.00")
        assert drunk.deducted == Decimal("400.00") and drunk.year_payout == drunk.reward + 600
        # 101 officials tie at 100 for 20 优秀 places (20 % of 102): the tie is open for the
        # meeting (kaoping.domain.quota), and until it decides the tied are shown at 良好
        assert year.quota.open and len(year.tied) == 101 and year.places_left == 20
        assert clean.tied and director.tied and not drunk.tied
        assert clean.grade == director.grade == "良好"
        # the meeting's decision, as ApproveYear will pass it: checked, then applied
        with pytest.raises(InvalidArgument) as bad:
            flow.year_end(ADMIN, 2026, decision=QuotaDecision(tuple(year.tied[:19]) + ("v02-1",), ""))
        assert {v.field for v in bad.value.violations} == {"quota_decision.granted_official_ids",
                                                           "quota_decision.minutes"}
        decided = flow.year_end(ADMIN, 2026, decision=QuotaDecision(tuple(year.tied[:20]), "纪要1号"))
        assert not decided.quota.open and decided.tied == [] and decided.quota.granted == 20
        assert sorted(o.line.official_id for o in decided.officials if o.line.grade == "优秀") == sorted(year.tied[:20])
        assert clean.award == Decimal("1000.00") and director.award == Decimal("800.00")
        assert lines["v01-4"].award == 0          # 文书: no row, no ratio
    finally:
        app.rulesets.close()
        app.store.close()
