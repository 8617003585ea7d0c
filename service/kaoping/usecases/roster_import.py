"""A township's roster from a spreadsheet (RegistryService.ImportRoster): villages,
officials and scorers row by row, each added, changed, unchanged or rejected with its
reasons, and the good rows written in one transaction unless it is a dry run.

Every row goes through the same put_village / put_official / put_scorer as a single
Put (kaoping.usecases.registry), given a Batch so that they check and record instead
of storing: one set of checks. What only a file can get wrong is checked here: an id
twice in the file, a row for another township. Villages are taken first, so an official
may name a village added by an accepted villages row of the same file. A row equal to
what is stored is unchanged and writes nothing, so importing the same file again
writes nothing at all.

Reach (kaoping.domain.principal): the caller must reach the township imported into, and
every township a row names (a village's or scorer's township, an official's village, an
existing row's township); otherwise the whole call is PERMISSION_DENIED with the field
and nothing is written, dry run or not. A township the caller reaches but that is not
the one imported into only rejects that row.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kaoping.domain.attributes import decode_attributes, encode_attributes
from kaoping.domain.errors import DomainError, InvalidArgument, NotFound, PermissionDenied, Violation
from kaoping.domain.principal import INTERNAL, Principal
from kaoping.storage.models import Official, Scorer, Township, Village
from kaoping.usecases import audit
from kaoping.usecases.registry import Batch, parse_base_pay

MAX_ROWS = 5000
KINDS = ("village", "official", "scorer")
MODELS = {"village": Village, "official": Official, "scorer": Scorer}
REQUIRED = {"village": ("id", "name"), "official": ("id", "village_id", "name", "base_pay"),
            "scorer": ("id", "name", "role")}
# what a row is compared on (attributes as a dict; left_on and the personal fields only
# when the row gives them)
COMPARED = {"village": ("township_id", "name", "attributes"),
            "official": ("village_id", "name", "position", "base_pay", "attributes", "id_number",
                         "bank_account", "left_on"),
            "scorer": ("township_id", "name", "role")}


@dataclass
class RosterRow:
    """One spreadsheet row: where it is and what it says, as text."""
    sheet: str
    row: int
    kind: str                                   # village | official | scorer ("" when none)
    values: dict[str, str] = field(default_factory=dict)   # the message's fields by name
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.sheet} 第 {self.row} 行 (row {self.row})"


@dataclass
class RowOutcome:
    sheet: str
    row: int
    id: str
    action: str = ""                            # added | changed | unchanged | rejected
    changed_fields: list[str] = field(default_factory=list)
    problems: list[Violation] = field(default_factory=list)


@dataclass
class ImportReport:
    dry_run: bool
    rows: list[RowOutcome]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


class RosterImportUseCases:
    """A mixin of kaoping.usecases.app.Kaoping (uses its store, registry and put_*)."""

    def import_roster(self, township_id: str, rows: list[RosterRow], dry_run: bool,
                      caller: Principal = INTERNAL) -> ImportReport:
        if len(rows) > MAX_ROWS:
            raise InvalidArgument("too many rows", [Violation(
                "rows", f"{len(rows)} rows; at most {MAX_ROWS} in one import (split the file)")],
                                  zh=f"一次导入 {len(rows)} 行，超过上限 {MAX_ROWS} 行：请把文件拆开分批导入")
        township = self.township_for(caller, township_id)
        batch = Batch(self.store)
        self._check_reach(township, rows, caller, batch)
        outcomes = [RowOutcome(r.sheet, r.row, r.values.get("id", "")) for r in rows]
        first: dict[tuple[str, str], RosterRow] = {}
        order = sorted(range(len(rows)), key=lambda i: (KINDS.index(rows[i].kind)
                                                        if rows[i].kind in KINDS else -1, i))
        for i in order:
            self._import_row(township, rows[i], outcomes[i], batch, first, caller)
        report = ImportReport(dry_run, outcomes)
        if not dry_run and batch.objects:
            batch.audits.append(audit.entry("import_roster", township.id, after={
                action: report.count(action) for action in ("added", "changed", "unchanged", "rejected")}))
            for entry in batch.audits:
                entry.township_id = township.id   # the township admin reads its own trail
            batch.commit()
            self.registry.reload()
            self.invalidate(township.id)
        return report

    # the township and the reach ------------------------------------------------------
    def _check_reach(self, township: Township, rows: list[RosterRow], caller: Principal,
                     store: Batch) -> None:
        """PermissionDenied naming every row that names a township out of the caller's reach."""
        problems: list[Violation] = []
        townships: dict[str, Township | None] = {township.id: township}

        def out_of_reach(tid: str) -> Township | None:
            if not tid or tid == township.id:
                return None
            if tid not in townships:
                townships[tid] = store.get(Township, tid)
            t = townships[tid]
            return t if t is not None and not caller.reaches(t.id, t.county) else None

        for n, r in enumerate(rows):
            v = r.values
            named: list[tuple[str, str]] = []        # (field, township id)
            if r.kind == "village":
                named.append(("township_id", v.get("township_id", "")))
                old = store.get(Village, v.get("id", "")) if v.get("id") else None
                named.append(("id", old.township_id if old else ""))
            elif r.kind == "official":
                village = store.get(Village, v.get("village_id", "")) if v.get("village_id") else None
                named.append(("village_id", village.township_id if village else ""))
                old = store.get(Official, v.get("id", "")) if v.get("id") else None
                home = store.get(Village, old.village_id) if old else None
                named.append(("id", home.township_id if home else ""))
            elif r.kind == "scorer":
                named.append(("township_id", v.get("township_id", "")))
                old = store.get(Scorer, v.get("id", "")) if v.get("id") else None
                named.append(("id", old.township_id if old else ""))
            for name, tid in named:
                other = out_of_reach(tid)
                if other is not None:
                    problems.append(Violation(f"rows[{n}].{r.kind}.{name}", (
                        f"{r.where}: {v.get(name, '')} 属于乡镇 {other.id}，不在你的权限内 "
                        f"(township {other.id!r} is outside {caller.scope_text})")))
        if problems:
            raise PermissionDenied("the file names records of a township you do not reach",
                                   problems[:50],
                                   zh="文件中有不属于你所管乡镇的记录：请删去这些行，或请管辖该乡镇的管理员导入")

    # one row -------------------------------------------------------------------------
    def _import_row(self, township: Township, r: RosterRow, out: RowOutcome, batch: Batch,
                    first: dict[tuple[str, str], RosterRow], caller: Principal) -> None:
        problems = self._row_problems(township, r, first, batch)
        if problems:
            out.action, out.problems = "rejected", problems
            return
        model = MODELS[r.kind]
        old = batch.get(model, r.values["id"])
        row = Batch(batch)
        try:
            wanted = self._put_row(township, r, old, row, caller)
        except PermissionDenied:
            raise
        except DomainError as error:
            out.action, out.problems = "rejected", _reasons(error)
            return
        if old is None:
            out.action = "added"
        else:
            out.changed_fields = self._changed(r, old, wanted)
            out.action = "changed" if out.changed_fields else "unchanged"
        if out.action != "unchanged":
            row.commit()      # into the import's batch

    def _row_problems(self, township: Township, r: RosterRow, first: dict, batch: Batch) -> list[Violation]:
        """What only the file can get wrong: no entry, a missing field, an id twice, a row
        of another township."""
        if r.kind not in KINDS:
            return [Violation("entry", "空行：不是村、村干部或考评人 (the row holds no village, official or scorer)")]
        v = r.values
        missing = [Violation(f, "必填 (required)") for f in REQUIRED[r.kind] if not v.get(f, "").strip()]
        if missing:
            return missing
        key = (r.kind, v["id"])
        if key in first:
            return [Violation("id", f"编号 {v['id']} 重复：{first[key].where} 已有 "
                                    f"(duplicate id, first on {first[key].sheet} row {first[key].row})")]
        first[key] = r
        other = ""
        if r.kind in ("village", "scorer"):
            given = v.get("township_id", "")
            if given and given != township.id:
                return [Violation("township_id", f"属于乡镇 {given}，不是汇入的乡镇 {township.id} "
                                                 f"(another township's row)")]
            old = batch.get(MODELS[r.kind], v["id"])
            other = getattr(old, "township_id", "") if old is not None else ""
        elif r.kind == "official":
            village = batch.get(Village, v["village_id"])
            if village is not None and village.township_id != township.id:
                return [Violation("village_id", f"村 {village.id} 属于乡镇 {village.township_id}，"
                                                f"不是 {township.id} (a village of another township)")]
            old = batch.get(Official, v["id"])
            home = batch.get(Village, old.village_id) if old is not None else None
            other = home.township_id if home is not None else ""
        if other and other != township.id:
            return [Violation("id", f"{v['id']} 已登记在乡镇 {other} (already registered in another "
                                    f"township; a row cannot move it)")]
        return []

    def _put_row(self, township: Township, r: RosterRow, old, batch: Batch, caller: Principal):
        """The row through its put_* into `batch`; returns what the row asks for."""
        v = r.values
        attributes = encode_attributes(r.attributes)
        if r.kind == "village":
            wanted = Village(id=v["id"], township_id=township.id, name=v["name"], attributes=attributes)
            self.put_village(wanted, caller, batch=batch)
        elif r.kind == "scorer":
            wanted = Scorer(id=v["id"], name=v["name"], role=v["role"], township_id=township.id)
            self.put_scorer(wanted, caller, batch=batch)
        else:
            # an empty ID number or bank account keeps the stored one: a sheet without them
            # (or exported by a role that does not see them) never erases them
            personal = {f: v.get(f, "") or (getattr(old, f) if old is not None else "")
                        for f in ("id_number", "bank_account")}
            wanted = Official(id=v["id"], village_id=v["village_id"], name=v["name"],
                              position=v.get("position", ""), base_pay=parse_base_pay(v["base_pay"]),
                              attributes=attributes, **personal)
            self.put_official(wanted, v.get("village_from_month", ""), caller, effective_on=v.get("effective_on", ""),
                              left_on=v.get("left_on", ""), batch=batch)
        return wanted

    def _changed(self, r: RosterRow, old, wanted) -> list[str]:
        changed = []
        for name in COMPARED[r.kind]:
            if name == "left_on":
                if r.values.get("left_on") and r.values["left_on"] != self.left_on_of(old.id):
                    changed.append(name)
            elif name == "attributes":
                if decode_attributes(old.attributes) != decode_attributes(wanted.attributes):
                    changed.append(name)
            elif getattr(old, name) != getattr(wanted, name):
                changed.append(name)
        return changed


def _reasons(error: DomainError) -> list[Violation]:
    """A put's refusal as the row's problems: a NotFound says what was not found."""
    violations = error.violations or [Violation("", error.message)]
    if isinstance(error, NotFound):
        return [Violation(v.field, f"找不到 {v.description} ({error.message}; not in the database "
                                   f"nor an accepted row of this file)") for v in violations]
    return violations
