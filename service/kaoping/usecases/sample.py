"""The shipped sample township: 17 villages, six officials each, and one scorer per
scorer role. The source names 上山村, 火石村 and 硬灣村; the other village names and
every person here are made up for the sample."""
from __future__ import annotations

from decimal import Decimal

from kaoping.storage.models import Official, Scorer, Township, Village

TOWNSHIP = Township(id="dahedian", name="大河店鎮（示例）", county="徽縣")
VILLAGE_NAMES = ["上山村", "火石村", "硬灣村", "河口村", "柳林村", "楊莊村", "石門村", "新華村",
                 "東溝村", "西坪村", "南灣村", "北嶺村", "王家村", "李家壩村", "青泥村",
                 "黃崖村", "白水村"]
POSITIONS = [("黨支部書記", "1800"), ("村委會主任", "1600"), ("村委會副主任", "1300"),
             ("文書", "1200"), ("村監委會主任", "1100"), ("婦聯主席", "1000")]
SURNAMES = "王李張劉陳楊趙黃周吳徐孫胡朱高林何郭馬羅"
GIVEN = ["建國", "秀英", "志強", "桂蘭", "文明", "春花", "永福", "麗娟", "國慶", "海燕", "德勝",
         "玉梅", "學軍", "紅霞", "保平", "小燕", "有才"]
SCORERS = [Scorer(id="main-01", name="鎮黨委主要領導（示例）", role="main_leader", township_id="dahedian"),
           Scorer(id="contact-01", name="包村領導（示例）", role="contact_leader", township_id="dahedian"),
           Scorer(id="station-01", name="便民服務站（示例）", role="station", township_id="dahedian"),
           Scorer(id="resident-01", name="駐村幹部（示例）", role="resident_cadre", township_id="dahedian")]


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
