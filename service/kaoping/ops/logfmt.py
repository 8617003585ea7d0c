"""Values for `key=value` text log fields that cannot forge another field or line."""
from __future__ import annotations

import json
import re

_BARE = re.compile(r'[^\s="\\\x00-\x1f\x7f]+\Z')
_SEPARATORS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def logfmt(value) -> str:
    """A value for a `key=value` text log field: bare if it has no space, `=`, quote,
    backslash or control character, else JSON-quoted (line breaks escaped), so that a
    token name or any other text can never forge a field or a line."""
    text = str(value)
    if text and _BARE.match(text):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return "".join(_SEPARATORS.get(c, c) for c in quoted)
