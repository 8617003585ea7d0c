"""Moved to kaoping.rules.sections; kept importable from here while callers move."""
from kaoping.rules.model import INSPECTION  # noqa: F401
from kaoping.rules.sections import (DEFAULT_APPEALS, AppealRules, YearEndRules,  # noqa: F401
                                    parse_appeals, parse_year_end)
