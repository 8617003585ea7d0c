"""The files `kaoping import` writes: the empty template (dropdowns filled from the
server, a guide sheet) and the rejected rows with their reasons. Split from
kaoping_cli.importer."""
from __future__ import annotations

import csv
from pathlib import Path

from kaoping_cli.common import ROLE_NAMES, Catalog, choice_label, display_width
from kaoping_cli.fact_sheet import (BY_KEY, COLUMNS, GUIDE_SHEET, LISTS_SHEET, TEMPLATE_ROWS,
                                    TEMPLATE_SHEET)


def write_rejects(report, path: Path) -> None:
    headers = [c.label for c in COLUMNS] + ["原行 row", "原因 reason"]
    rows = [[r.values.get(c.key, "") for c in COLUMNS] + [r.number, "; ".join(r.problems)]
            for r in report.rejected]
    if path.suffix.lower() == ".csv":
        with open(path, "w", newline="", encoding="utf-8-sig") as out:
            writer = csv.writer(out)
            writer.writerow(headers)
            writer.writerows(rows)
        return
    from openpyxl import Workbook
    from openpyxl.styles import Font
    book = Workbook()
    ws = book.active
    ws.title = TEMPLATE_SHEET
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    _set_widths(ws, [c.width for c in COLUMNS] + [8, 60])
    ws.freeze_panes = "A2"
    book.save(path)


# the template ------------------------------------------------------------------------------
def _set_widths(ws, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def write_template(path: Path, catalog: Catalog) -> None:
    if path.suffix.lower() == ".csv":
        with open(path, "w", newline="", encoding="utf-8-sig") as out:
            csv.writer(out).writerow([c.label for c in COLUMNS])
        return
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    ws = book.active
    ws.title = TEMPLATE_SHEET
    ws.append([c.label for c in COLUMNS])
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    for column, cell in zip(COLUMNS, ws[1]):
        cell.font = Font(bold=True)
        cell.fill = head_fill
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(column.help, "kaoping")
    _set_widths(ws, [c.width for c in COLUMNS])
    ws.freeze_panes = "A2"
    for key in ("month", "date", "official", "village", "scorer"):   # keep "2026-10" as typed text
        ws.column_dimensions[get_column_letter(list(BY_KEY).index(key) + 1)].number_format = "@"

    lists = book.create_sheet(LISTS_SHEET)
    sources = {
        "village": [choice_label(v.id, v.name) for v in catalog.villages],
        "official": [choice_label(o.id, o.name) for o in catalog.officials],
        "category": [choice_label(c.id, c.name) for c in catalog.categories.values()],
        "kind": [choice_label(k.id, k.name) for c in catalog.categories.values() for k in c.kinds.values()],
        "scorer": [choice_label(s.id, s.name) for s in catalog.scorers],
    }
    for n, (key, values) in enumerate(sources.items(), start=1):
        letter = get_column_letter(n)
        lists[f"{letter}1"] = BY_KEY[key].label
        lists[f"{letter}1"].font = Font(bold=True)
        for i, value in enumerate(values, start=2):
            lists[f"{letter}{i}"] = value
        lists.column_dimensions[letter].width = max([display_width(x) for x in values] + [12]) + 2
        target = get_column_letter(list(BY_KEY).index(key) + 1)
        if values:
            dv = DataValidation(type="list", formula1=f"='{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
                                allow_blank=True, showErrorMessage=True, errorStyle="warning",
                                errorTitle="不在清单中 not in the list",
                                error="请从清单选择，或写编号/名称 (choose from the list, or write an id or name)",
                                showInputMessage=True, promptTitle=BY_KEY[key].label, prompt=BY_KEY[key].help)
            dv.add(f"{target}2:{target}{TEMPLATE_ROWS + 1}")
            ws.add_data_validation(dv)
    month_dv = DataValidation(allow_blank=True, showInputMessage=True,
                              promptTitle=BY_KEY["month"].label, prompt=BY_KEY["month"].help)
    month_dv.add(f"A2:A{TEMPLATE_ROWS + 1}")
    ws.add_data_validation(month_dv)
    quantity = get_column_letter(list(BY_KEY).index("quantity") + 1)
    qty_dv = DataValidation(type="decimal", operator="greaterThan", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorTitle="数量 quantity", error="数量须大于 0 (above zero)")
    qty_dv.add(f"{quantity}2:{quantity}{TEMPLATE_ROWS + 1}")
    ws.add_data_validation(qty_dv)

    guide = book.create_sheet(GUIDE_SHEET)
    guide.append(["如何填写 How to fill in"])
    guide["A1"].font = Font(bold=True, size=14)
    for line in (
            f"在「{TEMPLATE_SHEET}」表中每行填一条事实；第 1 行是表头，不要改动。",
            "One fact per row in the first sheet; keep the header row as it is.",
            "村、村干部、类别、事项、考评人可从下拉清单选择，也可只写编号（v01-1）或名称（写姓名时请同时填村）。",
            "汇入：kaoping import 本文件.xlsx — 有错的行会列出行号和原因，其余行照常汇入。",
            "改正错行后再次汇入同一文件即可：已汇入的行不会重复汇入。",
            "Fix the rejected rows and import the same file again: rows already imported are skipped.",
            f"规则集 rule set: {catalog.ruleset_label}"):
        guide.append([line])
    guide.append([])
    guide.append(["考评类别 category", "事项 kind", "单位 unit", "上限 max", "谁评 scored by"])
    for cell in guide[guide.max_row]:
        cell.font = Font(bold=True)
    for c in catalog.categories.values():
        for k in c.kinds.values():
            guide.append([choice_label(c.id, c.name), choice_label(k.id, k.name), k.unit, k.max_quantity,
                          "、".join(ROLE_NAMES.get(r, r) for r in c.scored_by)])
    guide.append([])
    guide.append(["村 village", "村干部 official", "职务 position"])
    for cell in guide[guide.max_row]:
        cell.font = Font(bold=True)
    villages = catalog.village_by_id
    for o in catalog.officials:
        v = villages.get(o.village_id)
        guide.append([choice_label(o.village_id, v.name if v else ""), choice_label(o.id, o.name), o.position])
    _set_widths(guide, [30, 40, 10, 10, 30])
    book.save(path)
