"""Names or ids: what a person types for a township, village, official, scorer, category
or kind, resolved to the id the server is called with (issue 15.2, 15.3).

A township office types names, not ids, and types them as its input method writes
them: Simplified or Traditional (张海燕 / 張海燕, 硬湾村 / 硬灣村), full-width letters and
digits (ｖ０１). So a given text is looked up in this order:

1. an id exactly as stored;
2. an id, "id name" (as the import template writes a choice) or a name, compared by
   `kaoping.text.script.fold` (script, width, case and spaces ignored).

One match is the answer. None is an error naming the closest choices (difflib on the
folded text, plus names that contain it or that it contains; a handful at most); more
than one (two officials called 张伟) is an error listing each with its id and what
tells them apart. Never a silent pick, and never an id passed on that the server would
answer with an empty table. In a command both errors exit with 2 (usage).

The lists come from the server (RegistryService, RuleSetService.GetActiveRuleSet),
each at most once per command run, and are shared with the guided entry and the
importer (`common.load_catalog`).
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional, Sequence

import grpc
import typer

from kaoping.text.script import fold
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import registry_pb2_grpc as rg_grpc
from kaoping.v1 import rulesets_pb2 as rs
from kaoping.v1 import rulesets_pb2_grpc as rs_grpc
from kaoping_cli.common import (ROLE_NAMES, call, call_pages, complete_village, get_current_context, stub,
                                usage_error)

ID_SHAPE = re.compile(r"[A-Za-z0-9_.:-]+")   # what ids look like (never a name in Chinese)
SUGGESTIONS = 5          # at most this many "did you mean" choices
CUTOFF = 0.5             # difflib ratio below which a name is not offered as close

# What each thing is called in messages, and the command that lists them all.
NOUNS = {"township": "乡镇", "village": "村", "official": "村干部", "scorer": "考评人",
         "category": "考评类别", "kind": "考评事项"}
LISTING = {"township": "kaoping township list", "village": "kaoping villages",
           "official": "kaoping officials"}


# matching (no server) ------------------------------------------------------------------
@dataclass(frozen=True)
class Choice:
    id: str
    name: str
    detail: str = ""       # what tells two of one name apart: village, township, category, role
    item: Any = None       # the message or catalog entry it stands for

    @property
    def label(self) -> str:
        return f"{self.id} {self.name}".strip() + (f"（{self.detail}）" if self.detail else "")


class NameProblem(ValueError):
    """A text that names no choice, or more than one; the message says which to type."""

    def __init__(self, message: str, candidates: Sequence[Choice]):
        super().__init__(message)
        self.message = message
        self.candidates = list(candidates)


class UnknownName(NameProblem):
    pass


class AmbiguousName(NameProblem):
    pass


def find(text: str, choices: Sequence[Choice], what: str = "", hint: str = "") -> Choice:
    """The one choice the text names (see the module's order); UnknownName or
    AmbiguousName otherwise. `what` is a key of NOUNS (or a noun), `hint` the scope
    searched, for the message ("（在上山村）")."""
    given = (text or "").strip()
    noun = NOUNS.get(what, what)
    if not given:
        raise UnknownName(f"{noun}：不能为空", [])
    exact = [c for c in choices if c.id == given]
    if len(exact) == 1:
        return exact[0]
    key = fold(given)
    first = fold(given.split()[0])
    stages: tuple[Callable[[Choice], bool], ...] = (
        lambda c: c.id == given,
        lambda c: fold(c.id) == key,
        lambda c: fold(c.id + c.name) == key,
        lambda c: fold(c.name) == key,
        # "v01-1 徐永福" after the official was renamed: the id written first still counts
        lambda c: " " in given and fold(c.id) == first)
    for stage in stages:
        hits = [c for c in choices if stage(c)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise AmbiguousName(f"{noun}“{given}”{hint}不止一个（{len(hits)} 个），请改用编号："
                                + "；".join(c.label for c in hits), hits)
    close = suggestions(given, choices)
    message = f"没有找到{noun}“{given}”{hint}"
    if close:
        message += "。是不是：" + "；".join(c.label for c in close) + "？"
    elif what in LISTING:
        message += f"（{LISTING[what]} 可列出全部）"
    raise UnknownName(message, close)


def suggestions(text: str, choices: Sequence[Choice], limit: int = SUGGESTIONS) -> list[Choice]:
    """The choices closest to the text: close by difflib on the folded name or id, then
    names containing the text or contained in it; at most `limit`, no repeats."""
    key = fold(text)
    if not key:
        return []
    by_key: dict[str, list[Choice]] = {}
    for c in choices:
        for k in {fold(c.name), fold(c.id)} - {""}:
            by_key.setdefault(k, []).append(c)
    ranked = difflib.get_close_matches(key, list(by_key), n=limit, cutoff=CUTOFF)
    ranked += [k for k in by_key if k not in ranked and (key in k or (len(k) > 1 and k in key))]
    found: list[Choice] = []
    for k in ranked:
        for c in by_key[k]:
            if c not in found:
                found.append(c)
    return found[:limit]


# the lists, once per command run ---------------------------------------------------------
class Names:
    """The server's lists for one command run, fetched when first needed, and the
    resolvers over them. Commands get theirs from `names()`."""

    def __init__(self):
        self._cache: dict[Any, Any] = {}

    def _once(self, key, fetch: Callable[[], Any]):
        if key not in self._cache:
            self._cache[key] = fetch()
        return self._cache[key]

    def _registry(self):
        return stub(rg_grpc.RegistryServiceStub)

    # lists
    def township_list(self) -> list:
        return self._once("townships", lambda: list(call(
            self._registry().ListTownships, rg.ListTownshipsRequest()).townships))

    def village_list(self) -> list:
        return self._once("villages", lambda: list(call_pages(
            self._registry().ListVillages, rg.ListVillagesRequest(), "villages").villages))

    def official_list(self) -> list:
        return self._once("officials", lambda: list(call_pages(
            self._registry().ListOfficials, rg.ListOfficialsRequest(), "officials").officials))

    def scorer_list(self) -> list:
        return self._once("scorers", lambda: list(call_pages(
            self._registry().ListScorers, rg.ListScorersRequest(), "scorers").scorers))

    def ruleset(self, township: str = ""):
        """The active rule set's summary (categories and kinds) of the township (or the
        caller's)."""
        return self._once(("ruleset", township), lambda: call(
            stub(rs_grpc.RuleSetServiceStub).GetActiveRuleSet,
            rs.GetActiveRuleSetRequest(township_id=township)))

    # choices
    def townships(self) -> list[Choice]:
        return [Choice(t.id, t.name, t.county, t) for t in self.township_list()]

    def villages(self, township: str = "") -> list[Choice]:
        listed = self.village_list()
        several = len({v.township_id for v in listed}) > 1   # the township tells them apart
        return [Choice(v.id, v.name, v.township_id if several else "", v) for v in listed
                if not township or v.township_id == township]

    def officials(self, village: str = "") -> list[Choice]:
        names = {v.id: v.name for v in self.village_list()}
        return [Choice(o.id, o.name, "，".join(x for x in (names.get(o.village_id, o.village_id), o.position) if x),
                       o)
                for o in self.official_list() if not village or o.village_id == village]

    def scorers(self, township: str = "") -> list[Choice]:
        return [Choice(s.id, s.name, ROLE_NAMES.get(s.role, s.role), s) for s in self.scorer_list()
                if not township or s.township_id in ("", township)]

    def categories(self, township: str = "") -> list[Choice]:
        return [Choice(c.id, c.name, "", c) for c in self.ruleset(township).categories]

    def kinds(self, category: str = "", township: str = "") -> list[Choice]:
        return [Choice(k.id, k.name, c.name, k) for c in self.ruleset(township).categories
                if not category or c.id == category for k in c.kinds]

    # resolvers: the id for a text; usage error (exit 2) when it names none or several
    def township(self, text: str) -> str:
        return _id(text, lambda: self.townships(), "township", self)

    def village(self, text: str, township: str = "") -> str:
        return _id(text, lambda: self.villages(township), "village", self)

    def official(self, text: str, village: str = "") -> str:
        return _id(text, lambda: self.officials(village), "official", self)

    def scorer(self, text: str, township: str = "") -> str:
        return _id(text, lambda: self.scorers(township), "scorer", self)

    def category(self, text: str, township: str = "") -> str:
        return _id(text, lambda: self.categories(township), "category", self)

    def kind(self, text: str, category: str = "", township: str = "") -> str:
        if text and any(k.id == text.strip() for k in self.kinds("", township)):
            return text.strip()   # an id: the server checks that it belongs to the category
        return _id(text, lambda: self.kinds(category, township), "kind", self)

    def beyond_reach(self, what: str, text: str) -> bool:
        """Whether an id that is not in the caller's lists names something the caller may
        not read (the server answers PERMISSION_DENIED), rather than nothing at all. The
        lists hold only what the caller may read: a township admin typing another
        township's id is to hear the server's refusal, not "no such township"."""
        if not ID_SHAPE.fullmatch(text):
            return False
        registry = self._registry()
        asks = {"township": lambda: registry.GetTownship(rg.GetTownshipRequest(id=text), timeout=30),
                "village": lambda: registry.ListOfficials(rg.ListOfficialsRequest(village_id=text, page_size=1),
                                                          timeout=30),
                "official": lambda: registry.ListRosterEntries(rg.ListRosterEntriesRequest(official_id=text),
                                                               timeout=30)}
        if what not in asks:
            return False
        try:
            asks[what]()
        except grpc.RpcError as error:
            return error.code() == grpc.StatusCode.PERMISSION_DENIED
        return False

    def chosen_villages(self, given: Iterable[str], everyone: bool = False, township: str = "") -> list:
        """Village messages for repeated --village options (or every one with --all)."""
        choices = self.villages(township)
        if everyone:
            return [c.item for c in choices]
        return [next((c.item for c in choices if c.id == ident), None) or rg.Village(id=ident, name=ident)
                for ident in (_id(text, lambda: choices, "village", self) for text in given)]

    def actor(self, text: str) -> str:
        """An audit actor is a token holder's name: typed in either script it is found
        among the tokens the caller manages; anything else (local:root, internal) is
        passed on as typed, since the log also holds actors that are no token."""
        from kaoping.v1 import tokens_pb2 as tk
        from kaoping.v1 import tokens_pb2_grpc as tk_grpc
        if not text or not text.strip():
            return text

        def fetch():
            try:
                return list(stub(tk_grpc.TokenServiceStub).ListTokens(
                    tk.ListTokensRequest(include_revoked=True), timeout=30).tokens)
            except grpc.RpcError:
                return []
        holders = {t.name for t in self._once("tokens", fetch)}
        if text in holders:
            return text
        folded = [n for n in holders if fold(n) == fold(text)]
        return folded[0] if len(set(folded)) == 1 else text


def _id(text: Optional[str], choices: Callable[[], Sequence[Choice]], what: str,
        names_: Optional["Names"] = None) -> Any:
    if text is None or not str(text).strip():
        return text
    try:
        return find(str(text), choices(), what).id
    except UnknownName as problem:
        given = unicodedata.normalize("NFKC", str(text)).strip()
        if names_ is not None and names_.beyond_reach(what, given):
            return given     # an id the caller may not read: the server refuses it in its own words
        raise usage_error(problem.message)
    except NameProblem as problem:
        raise usage_error(problem.message)


def names(ctx=None) -> Names:
    """This command run's Names (kept on the root click context, like the channel)."""
    ctx = ctx if ctx is not None else get_current_context(silent=True)
    if ctx is None:
        return Names()
    meta = ctx.find_root().meta
    if "kaoping.names" not in meta:
        meta["kaoping.names"] = Names()
    return meta["kaoping.names"]


# options: declared once, resolved while the command line is read ---------------------------
def _resolver(what: str):
    def callback(ctx: typer.Context, value: Optional[str]):
        if ctx.resilient_parsing or value is None or not str(value).strip():
            return value        # shell completion, or not given
        n = names(ctx)
        township = ctx.params.get("township") or ""    # when given before, it narrows the choices
        if what == "township":
            return n.township(value)
        if what == "village":
            return n.village(value, township)
        if what == "official":
            return n.official(value)
        if what == "scorer":
            return n.scorer(value, township)
        if what == "category":
            return n.category(value, township)
        if what == "kind":
            return n.kind(value, ctx.params.get("category") or "", township)
        if what == "actor":
            return n.actor(value)
        raise AssertionError(what)
    return callback


HELP = {"township": "乡镇的编号或名称，如 dahedian 或 大河店镇（示例）",
        "village": "村的编号或名称，如 v01 或 上山村",
        "official": "村干部的编号或姓名，如 v01-5 或 张海燕",
        "scorer": "考评人的编号或名称，如 main-01 或 镇党委主要领导（示例）",
        "category": "考评类别的编号或名称，如 attendance 或 出勤履职",
        "kind": "考评事项的编号或名称，如 meeting_absent 或 无故缺席镇会议",
        "actor": "操作人（令牌持有人的名称，简体或繁体均可）"}


def option(what: str, default: Any = "", more: str = "", **kwargs):
    """The --township/--village/--official/--scorer/--category/--kind/--actor option:
    a name or an id, resolved to the id (usage error, exit 2, for a name that names
    none or several). `more` is added to the help ("；默认：你的乡镇")."""
    if what == "village":
        kwargs.setdefault("autocompletion", complete_village)
    if what == "township":
        # read before the other options, wherever it stands, so that it narrows their names
        kwargs.setdefault("is_eager", True)
    return typer.Option(default, f"--{what}", help=HELP[what] + (f"；{more}" if more else ""),
                        callback=_resolver(what), **kwargs)


def argument(what: str, default: Any = ..., more: str = "", **kwargs):
    """A positional township (`kaoping township show 大河店镇`), resolved like option()."""
    return typer.Argument(default, help=HELP[what] + (f"；{more}" if more else ""), callback=_resolver(what),
                          **kwargs)
