"""The shipped sample township: 17 villages, six officials each, and one scorer per
scorer role. The source names 上山村, 火石村 and 硬湾村; the other village names and
every person here are made up for the sample."""
from __future__ import annotations

from decimal import Decimal

from kaoping.storage.models import Official, Scorer, Township, Village

# The documents' letterhead: a sample's, marked as such, never a real office's number.
TOWNSHIP = Township(id="dahedian", name="大河店镇（示例）", county="徽县",
                    issuer="大河店镇村干部绩效考评工作领导小组（示例）", contact="镇党政办（示例）",
                    doc_prefix="大河店考评")
VILLAGE_NAMES = ["上山村", "火石村", "硬湾村", "河口村", "柳林村", "杨庄村", "石门村", "新华村",
                 "东沟村", "西坪村", "南湾村", "北岭村", "王家村", "李家坝村", "青泥村",
                 "黄崖村", "白水村"]
POSITIONS = [("党支部书记", "1800"), ("村委会主任", "1600"), ("村委会副主任", "1300"),
             ("文书", "1200"), ("村监委会主任", "1100"), ("妇联主席", "1000")]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "志强", "桂兰", "文明", "春花", "永福", "丽娟", "国庆", "海燕", "德胜",
         "玉梅", "学军", "红霞", "保平", "小燕", "有才"]
SCORERS = [Scorer(id="main-01", name="镇党委主要领导（示例）", role="main_leader", township_id="dahedian"),
           Scorer(id="contact-01", name="包村领导（示例）", role="contact_leader", township_id="dahedian"),
           Scorer(id="station-01", name="便民服务站（示例）", role="station", township_id="dahedian"),
           Scorer(id="resident-01", name="驻村干部（示例）", role="resident_cadre", township_id="dahedian")]


def sample_registry() -> list:
    rows: list = [TOWNSHIP]
    for v, vname in enumerate(VILLAGE_NAMES, start=1):
        village = Village(id=f"v{v:02d}", township_id=TOWNSHIP.id, name=vname)
        rows.append(village)
        for p, (position, pay) in enumerate(POSITIONS, start=1):
            name = SURNAMES[(v * 7 + p * 3) % len(SURNAMES)] + GIVEN[(v + p * 5) % len(GIVEN)]
            rows.append(Official(id=f"v{v:02d}-{p}", village_id=village.id, name=name,
                                 position=position, base_pay=Decimal(pay)))
    return rows + SCORERS


def load_sample(store) -> int:
    """Adds (or refreshes) the sample registry; safe to run again."""
    rows = sample_registry()
    store.put(*rows)
    return len(rows)
