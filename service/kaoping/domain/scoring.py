"""Moved to kaoping.rules (results, score, pay); kept importable from here while callers move."""
from kaoping.rules.pay import CENT, grade_for, pay_for  # noqa: F401
from kaoping.rules.results import LineItem, OfficialResult, ScoredFact  # noqa: F401
