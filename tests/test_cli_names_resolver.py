"""kaoping_cli.names without a server: the order a typed text is matched in (id exactly,
then id, "id name" or name by fold), unknown names with their closest choices, and
ambiguous names with every candidate."""
from __future__ import annotations

import pytest

from kaoping_cli.names import AmbiguousName, Choice, UnknownName, find, suggestions

VILLAGES = [Choice("v01", "上山村"), Choice("v02", "火石村"), Choice("v03", "硬湾村"), Choice("v06", "杨庄村"),
            Choice("v14", "李家坝村")]
OFFICIALS = [Choice("v01-5", "张海燕", "上山村"), Choice("v04-1", "孙海燕", "河口村"),
             Choice("v01-1", "张伟", "上山村"), Choice("v05-2", "张伟", "柳林村")]


@pytest.mark.parametrize("typed, expected", [
    ("v03", "v03"),                 # the id
    ("硬湾村", "v03"),              # the name
    ("硬灣村", "v03"),              # Traditional
    ("  硬湾村 ", "v03"),           # spaces around
    ("ｖ０３", "v03"),              # full-width id from an input method
    ("V03", "v03"),                 # case
    ("v03 硬湾村", "v03"),          # as the import template writes a choice
    ("v03 硬灣村", "v03"),
    ("楊莊村", "v06"),
    ("李家壩村", "v14"),
])
def test_a_typed_text_finds_its_village(typed, expected):
    assert find(typed, VILLAGES, "village").id == expected


def test_an_exact_id_wins_over_a_name_that_folds_the_same():
    # a village whose *name* is another's id: typing the id means the id
    tricky = [Choice("x1", "v01"), Choice("v01", "上山村")]
    assert find("v01", tricky).id == "v01"
    assert find("x1", tricky).id == "x1"


def test_an_id_written_first_still_counts_after_a_rename():
    assert find("v01 上山村（旧名）", VILLAGES).id == "v01"


def test_an_unknown_name_names_the_closest_choices():
    with pytest.raises(UnknownName) as raised:
        find("硬湾子村", VILLAGES, "village")
    problem = raised.value
    assert [c.id for c in problem.candidates][:1] == ["v03"]
    assert "没有找到村“硬湾子村”" in problem.message and "v03 硬湾村" in problem.message
    # a part of a name is not a pick, but the whole name is offered
    with pytest.raises(UnknownName) as raised:
        find("上山", VILLAGES, "village")
    assert raised.value.candidates[0].id == "v01"


def test_an_unknown_name_with_nothing_close_says_how_to_list_them():
    with pytest.raises(UnknownName) as raised:
        find("zzz", VILLAGES, "village")
    assert raised.value.candidates == [] and "kaoping villages" in raised.value.message


def test_suggestions_are_a_handful_at_most_and_without_repeats():
    many = [Choice(f"o{i:02d}", f"王建国{i}") for i in range(30)]
    close = suggestions("王建国", many)
    assert 0 < len(close) <= 5 and len({c.id for c in close}) == len(close)
    assert all("王建国" in c.name for c in close)


def test_an_ambiguous_name_lists_every_candidate_with_what_tells_them_apart():
    with pytest.raises(AmbiguousName) as raised:
        find("张伟", OFFICIALS, "official")
    problem = raised.value
    assert {c.id for c in problem.candidates} == {"v01-1", "v05-2"}
    assert "v01-1 张伟（上山村）" in problem.message and "v05-2 张伟（柳林村）" in problem.message
    assert "请改用编号" in problem.message
    assert find("張偉", OFFICIALS[:3], "official").id == "v01-1"      # one of them only: found
    assert find("v05-2", OFFICIALS).id == "v05-2"                     # the id picks one


def test_empty_text_is_no_choice():
    with pytest.raises(UnknownName):
        find("  ", VILLAGES, "village")
    with pytest.raises(UnknownName):
        find("", VILLAGES)
