"""Corpus part 10: rule sets and the registry."""
from __future__ import annotations

import os

from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import registry_pb2 as rg
from kaoping.v1 import rulesets_pb2 as rs
from tests.support.corpus.base import _fail, C, case, MONTH


# 10. rule sets and registry ------------------------------------------------------------------------
PWNED = f"/tmp/kaoping-corpus-pwned-{os.getpid()}"

case("ruleset/UploadRuleSet/empty-text",
     lambda w: w.stubs().rulesets.UploadRuleSet(rs.RuleSetSource(text=" \n\t")), C.INVALID_ARGUMENT, ["text"])

case("ruleset/UploadRuleSet/python-object-tag",
     lambda w: w.stubs().rulesets.UploadRuleSet(rs.RuleSetSource(
         text=f"!!python/object/apply:os.system ['touch {PWNED}']\n")), C.INVALID_ARGUMENT,
     check=lambda w, e: not os.path.exists(PWNED) or _fail("the YAML ran a command"))



def _alias_bomb() -> str:
    """billion laughs: ten aliases deep, each level nine times the one below"""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(9):
        name, below = chr(98 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{below}"] * 9) + "]")
    return "\n".join(lines) + "\n"



case("ruleset/UploadRuleSet/alias-bomb",
     lambda w: w.stubs().rulesets.UploadRuleSet(rs.RuleSetSource(text=_alias_bomb())), C.INVALID_ARGUMENT)

case("ruleset/UploadRuleSet/deeply-nested-yaml",
     lambda w: w.stubs().rulesets.UploadRuleSet(rs.RuleSetSource(text="[" * 20000 + "]" * 20000)),
     C.INVALID_ARGUMENT)

case("ruleset/ValidateRuleSet/deeply-nested-yaml",
     lambda w: w.stubs().rulesets.ValidateRuleSet(rs.RuleSetSource(text="{a: " * 20000 + "}" * 20000)),
     C.OK, check=lambda w, r: (not r.valid and r.problems) or _fail(r))

case("ruleset/UploadRuleSet/yaml-scalar",
     lambda w: w.stubs().rulesets.UploadRuleSet(rs.RuleSetSource(text="42")), C.INVALID_ARGUMENT)

case("ruleset/UploadRuleSet/control-characters",
     lambda w: w.stubs().rulesets.UploadRuleSet(rs.RuleSetSource(text="name: \x00\x01\x02")),
     C.INVALID_ARGUMENT)

case("ruleset/ActivateRuleSet/neither-id-nor-hash",
     lambda w: w.stubs().rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest()), C.INVALID_ARGUMENT, ["id"])

case("ruleset/ActivateRuleSet/unknown-id",
     lambda w: w.stubs().rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(id=999999)), C.NOT_FOUND, ["id"])

case("ruleset/ActivateRuleSet/negative-id",
     lambda w: w.stubs().rulesets.ActivateRuleSet(rs.ActivateRuleSetRequest(id=-1)), C.NOT_FOUND, ["id"])

case("ruleset/RollbackRuleSet/nothing-to-roll-back-to",
     lambda w: w.stubs().rulesets.RollbackRuleSet(rs.RollbackRuleSetRequest()), C.FAILED_PRECONDITION)

case("ruleset/DryRunRuleSet/no-candidate",
     lambda w: w.stubs().rulesets.DryRunRuleSet(rs.DryRunRequest(month=MONTH)), C.INVALID_ARGUMENT, ["text"])

case("registry/PutVillage/missing-fields",
     lambda w: w.stubs().registry.PutVillage(rg.Village()), C.INVALID_ARGUMENT, ["id", "name"])  # township: the only one

case("registry/PutOfficial/base_pay-NaN",
     lambda w: w.stubs().registry.PutOfficial(rg.Official(id="v01-9", village_id="v01", name="x",
                                                          base_pay="NaN")), C.INVALID_ARGUMENT, ["base_pay"])

case("registry/PutOfficial/base_pay-negative",
     lambda w: w.stubs().registry.PutOfficial(rg.Official(id="v01-9", village_id="v01", name="x",
                                                          base_pay="-0.01")), C.INVALID_ARGUMENT, ["base_pay"])

case("registry/PutOfficial/base_pay-1e400",
     lambda w: w.stubs().registry.PutOfficial(rg.Official(id="v01-9", village_id="v01", name="x",
                                                          base_pay="1e400")), C.INVALID_ARGUMENT, ["base_pay"])

case("registry/PutOfficial/unknown-village",
     lambda w: w.stubs().registry.PutOfficial(rg.Official(id="v99-1", village_id="v99", name="x",
                                                          base_pay="1000")), C.NOT_FOUND, ["village_id"])

case("registry/PutScorer/role-admin-is-not-a-scorer-role",
     lambda w: w.stubs().registry.PutScorer(rg.Scorer(id="s-admin", name="x", role="admin")),
     C.INVALID_ARGUMENT, ["role"])

case("evaluation/ExplainScore/no-official",
     lambda w: w.stubs().evaluation.ExplainScore(ev.ExplainScoreRequest(month=MONTH)),
     C.INVALID_ARGUMENT, ["official_id"])

case("evaluation/GetFeedbackNotice/no-village",
     lambda w: w.stubs().evaluation.GetFeedbackNotice(ev.GetFeedbackNoticeRequest(month=MONTH)),
     C.INVALID_ARGUMENT, ["village_id"])
