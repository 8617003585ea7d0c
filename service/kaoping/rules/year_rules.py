"""Year-end money and honours a version-2 rule file may declare beside the year-end
formula: award tables by grade and position (年度一、二、三等奖), a fixed amount per grade
and month served, a reward pool per village taken from the village's own figure, and
commendations for a streak of years. Amounts are computed by kaoping.rules.year_money."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kaoping.domain.ruleset_yaml import shown
from kaoping.rules.parse_base import ATTR, Collector, decimal, items, keys, line_of, text, unknown, whole


@dataclass(frozen=True)
class Commendation:
    id: str
    title: str
    years: int
    grade: str


@dataclass(frozen=True)
class VillagePool:
    figure: str                        # a village attribute (a village-scope kind is not summed for it)
    percent: Decimal                   # of the figure
    weights: dict[str, Decimal]        # year grade -> share weight


@dataclass(frozen=True)
class YearAwards:
    table: dict[str, dict[str, Decimal]] = field(default_factory=dict)   # grade -> position -> yuan
    position_ratio: dict[str, Decimal] = field(default_factory=dict)     # position -> × a table base
    ratio_of: str = ""                                                   # the position the ratios refer to
    per_month: dict[str, Decimal] = field(default_factory=dict)          # grade -> yuan a month served
    village_pool: VillagePool | None = None
    commendations: tuple[Commendation, ...] = ()

    def award(self, grade: str, position: str) -> Decimal | None:
        row = self.table.get(grade)
        if row is None:
            return None
        if position in row:
            return row[position]
        if position in self.position_ratio and self.ratio_of in row:
            return row[self.ratio_of] * self.position_ratio[position]
        return None


def _money_map(node: Any, where: str, line, out: Collector, grades: list[str] | None) -> dict[str, Decimal]:
    if not isinstance(node, dict) or not keys(node):
        out.add(where, line, "must map names to yuan")
        return {}
    result = {}
    for key, value in items(node):
        if grades is not None and key not in grades:
            out.add(where, line, f"{shown(key)} is not a year-end grade")
        amount = decimal(value, f"{where}.{key}", line, out, minimum=Decimal(0))
        if amount is not None and amount.as_tuple().exponent < -2:
            out.add(f"{where}.{key}", line, "yuan with at most 2 decimal places (fen)")
        result[str(key)] = amount if amount is not None else Decimal(0)
    return result


def parse_year_awards(node: dict, grades: list[str], out: Collector) -> YearAwards:
    line = line_of(node)
    table, ratios, ratio_of, per_month, pool, commendations = {}, {}, "", {}, None, []
    awards = node.get("awards")
    if awards is not None:
        if not isinstance(awards, dict) or not isinstance(awards.get("table"), dict):
            out.add("year_end.awards", line, "write {table: {grade: {position: yuan}}, position_ratio: {...}}")
        else:
            aline = line_of(awards) or line
            unknown(awards, {"table", "position_ratio", "ratio_of"}, "year_end.awards", out)
            for grade, row in items(awards["table"]):
                if grade not in grades:
                    out.add("year_end.awards.table", aline, f"{shown(grade)} is not a year-end grade")
                table[str(grade)] = _money_map(row, f"year_end.awards.table.{grade}", aline, out, None)
            if awards.get("position_ratio") is not None:
                given = awards["position_ratio"]
                if not isinstance(given, dict) or not keys(given):
                    out.add("year_end.awards.position_ratio", aline, "must map positions to ratios")
                else:
                    for position, value in items(given):
                        ratio = decimal(value, f"year_end.awards.position_ratio.{position}", aline, out,
                                        minimum=Decimal(0))
                        if ratio is not None and ratio > 1:
                            out.add(f"year_end.awards.position_ratio.{position}", aline, "at most 1")
                        ratios[str(position)] = ratio or Decimal(0)
                positions = {p for row in table.values() for p in row}
                ratio_of = str(awards.get("ratio_of") or (sorted(positions)[0] if len(positions) == 1 else ""))
                if not ratio_of or any(ratio_of not in row for row in table.values()):
                    out.add("year_end.awards.ratio_of", aline, "name the position every row gives "
                                                               "(the ratios are of its amount)")
    if node.get("per_month") is not None:
        per_month = _money_map(node["per_month"], "year_end.per_month", line, out, grades)
    given = node.get("village_pool")
    if given is not None:
        if not isinstance(given, dict):
            out.add("year_end.village_pool", line, "write {figure, percent, weights: {grade: weight}}")
        else:
            pline = line_of(given) or line
            unknown(given, {"figure", "percent", "weights"}, "year_end.village_pool", out)
            figure = text(given.get("figure"), "year_end.village_pool.figure", pline, out)
            if figure and not ATTR.fullmatch(figure):
                out.add("year_end.village_pool.figure", pline, "an attribute or kind name")
            percent = decimal(given.get("percent"), "year_end.village_pool.percent", pline, out,
                              minimum=Decimal(0)) or Decimal(0)
            if not 0 < percent <= 100:
                out.add("year_end.village_pool.percent", pline, "above 0 and at most 100")
            weights = {}
            if not isinstance(given.get("weights"), dict):
                out.add("year_end.village_pool.weights", pline, "must map year grades to share weights")
            else:
                for grade, value in items(given["weights"]):
                    if grade not in grades:
                        out.add("year_end.village_pool.weights", pline, f"{shown(grade)} is not a year-end grade")
                    weights[str(grade)] = decimal(value, f"year_end.village_pool.weights.{grade}", pline,
                                                  out, minimum=Decimal(0)) or Decimal(0)
                if weights and not any(weights.values()):
                    out.add("year_end.village_pool.weights", pline, "every weight is 0: nobody shares the pool")
            pool = VillagePool(figure, percent, weights)
    given = node.get("commendations")
    if given is not None:
        if not isinstance(given, list) or not given:
            out.add("year_end.commendations", line, "must list {id, title, years, grade}")
        else:
            for index, spec in enumerate(given):
                where = f"year_end.commendations[{index}]"
                if not isinstance(spec, dict):
                    out.add(where, line, "must be {id, title, years, grade}")
                    continue
                cline = line_of(spec) or line
                unknown(spec, {"id", "title", "years", "grade"}, where, out)
                years = whole(spec.get("years"), f"{where}.years", cline, out, 2, 10)
                if spec.get("years") is None:
                    out.add(f"{where}.years", cline, "required: how many years in a row")
                if spec.get("grade") not in grades:
                    out.add(f"{where}.grade", cline, f"{shown(spec.get('grade'))} is not a year-end grade")
                commendations.append(Commendation(str(spec.get("id") or f"c{index + 1}"),
                                                  text(spec.get("title"), f"{where}.title", cline, out),
                                                  years or 2, str(spec.get("grade"))))
    return YearAwards(table, ratios, ratio_of, per_month, pool, tuple(commendations))
