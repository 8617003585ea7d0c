"""Writes the worked example's files for the township 新庄镇 (README "A township of its
own"): its roster workbook and its own rule set (the sample's, with absence from a
township meeting costing 2 points). Run from the checkout: python docs/examples/make_xinzhuang.py
tests/test_worked_example_township.py checks that the committed files hold what this writes."""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VILLAGES = [("xz01", "河坝村", "4"), ("xz02", "柳树湾村", "3"), ("xz03", "石岭村", "5")]
POSITIONS = [("党支部书记", "1600"), ("村委会主任", "1500"), ("文书", "1100")]
NAMES = ["李文华", "张秀兰", "王志强", "赵春梅", "刘德胜", "陈玉兰", "杨建平", "周海燕", "吴国庆"]
SCORERS = [("xz-main", "新庄镇主要领导", "main_leader"), ("xz-contact", "新庄镇包村领导", "contact_leader"),
           ("xz-station", "新庄镇便民服务站", "station"), ("xz-resident", "新庄镇驻村干部", "resident_cadre")]


def roster_bytes() -> bytes:
    book = Workbook()
    villages = book.active
    villages.title = "村 villages"
    villages.append(["编号 id", "名称 name", "attr.star"])
    for vid, name, star in VILLAGES:
        villages.append([vid, name, star])
    officials = book.create_sheet("村干部 officials")
    officials.append(["编号 id", "村 village", "姓名 name", "职务 position", "基本报酬 base_pay",
                      "生效日期 effective_on"])
    n = 0
    for vid, _name, _star in VILLAGES:
        for p, (position, pay) in enumerate(POSITIONS, start=1):
            officials.append([f"{vid}-{p}", vid, NAMES[n], position, pay, "2026-01-01"])
            n += 1
    scorers = book.create_sheet("考评人 scorers")
    scorers.append(["编号 id", "姓名 name", "角色 role"])
    for row in SCORERS:
        scorers.append(list(row))
    for sheet in book.worksheets:
        sheet.column_dimensions["A"].width = 14
        sheet.column_dimensions["B"].width = 18
    out = io.BytesIO()
    book.properties.created = book.properties.modified = datetime(2026, 12, 1)
    book.save(out)
    return out.getvalue()


def rules_text() -> str:
    text = (ROOT / "rules" / "township-sample.yaml").read_text(encoding="utf-8")
    return text.replace("    deduct: 1\n    reason: 无故缺席镇会议，每次扣1分",
                        "    deduct: 2\n    reason: 无故缺席镇会议，每次扣2分") \
               .replace('label: "sample 2026-2"', 'label: "新庄镇细则 2026"')


if __name__ == "__main__":
    (HERE / "xinzhuang-roster.xlsx").write_bytes(roster_bytes())
    (HERE / "xinzhuang-rules.yaml").write_text(rules_text(), encoding="utf-8")
    print("wrote", HERE / "xinzhuang-roster.xlsx", HERE / "xinzhuang-rules.yaml")
