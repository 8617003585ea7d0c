"""Moved to the rule language's own package, kaoping.rules; these names stay importable
from here while callers move (kaoping.rules.model, kaoping.rules.parse)."""
from kaoping.domain.ruleset_yaml import shown  # noqa: F401
from kaoping.rules.model import (SCORER_ROLES, V1_CATEGORIES as CATEGORIES, Case, Category,  # noqa: F401
                                 GradeBand, Kind, Pay, Problem, Rule, RuleSet, RuleSetInvalid,
                                 content_hash)
from kaoping.rules.parse import MAX_TEXT_BYTES, parse  # noqa: F401
