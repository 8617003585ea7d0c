"""Hardening point 11, the rollback's bound: a rollback re-checks its target under the
database lock; when other activations move it ROLLBACK_ATTEMPTS times in a row it gives
up with UNAVAILABLE and writes nothing, one move fewer and it lands."""
from __future__ import annotations

import pytest

from kaoping.domain.errors import Unavailable
from kaoping.usecases.rulesets import ROLLBACK_ATTEMPTS, RuleSets
from kaoping.storage.store import Store

from tests.support.apps import SHIPPED, make_app, new_database_url
from tests.support.databases import assert_audit_matches_log
from tests.support.rules import rule_variant


class _Interfering(Store):
    """Before each rollback lands, another app on the same database activates a version
    (a real write through its own pool), so the rollback's target keeps moving."""
    other = None
    versions: list[int] = []
    moves = 0

    def append_activation(self, choose, by, action, audit=None, log=""):
        if action == "rollback" and self.moves:
            self.moves -= 1
            self.other.activate(self.versions[self.moves % 3], "", "interferer")
        return super().append_activation(choose, by, action, audit, log)


@pytest.mark.parametrize("moves, gives_up", [(ROLLBACK_ATTEMPTS - 1, False), (ROLLBACK_ATTEMPTS, True)])
def test_a_rollback_whose_target_keeps_moving_gives_up_cleanly(tmp_path, moves, gives_up):
    url = new_database_url(tmp_path)
    other = make_app(url)
    store = _Interfering(url)
    mine = RuleSets(store)
    try:
        text = SHIPPED.read_text(encoding="utf-8")
        versions = [other.rulesets.upload(rule_variant(text, n), "v.yaml", "", "test").id for n in range(3)]
        for v in versions:
            other.rulesets.activate(v, "", "test")
        mine.bootstrap(text, SHIPPED.name)
        store.other, store.versions, store.moves = other.rulesets, versions, moves
        before = len(store.activations())
        if gives_up:
            with pytest.raises(Unavailable):
                mine.rollback("test")
            assert [a.action for a in store.activations()[before:]] == ["activate"] * moves
        else:
            row = mine.rollback("test")
            log = store.activations()
            assert log[-1].action == "rollback" and log[-1].ruleset_id == row.id
        mine.refresh()
        assert mine.active_row.id == store.activations()[-1].ruleset_id
        assert_audit_matches_log(store)
    finally:
        mine.close()
        store.close()
        other.rulesets.close()
        other.store.close()
