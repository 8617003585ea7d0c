"""The two scripts of written Chinese, through OpenCC (a maintained converter with
phrase tables, not a hand-made character list).

kaoping's own text is Simplified Chinese (zh-Hans), as the source township writes it.
A township may ask for Traditional (zh-Hant, its `script` setting, or `--lang` in the
CLI): `to_script` converts what kaoping prints at the moment it is printed; what is
stored stays as it was typed. `fold` is for matching names: a name typed in either
script, with full-width letters or digits from an input method, folds to the same key
as the stored name.
"""
from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache

HANS, HANT = "zh-Hans", "zh-Hant"
SCRIPTS = (HANS, HANT)
# What a person may write for a script (a township setting, --lang, KAOPING_LANG).
ALIASES = {"zh-hans": HANS, "zh-cn": HANS, "hans": HANS, "简体": HANS, "简": HANS, "簡體": HANS,
           "zh-hant": HANT, "zh-tw": HANT, "zh-hk": HANT, "hant": HANT, "繁体": HANT, "繁體": HANT, "繁": HANT}

# OpenCC's converters are not documented as thread-safe; one per thread.
_local = threading.local()
# Traditional output uses OpenCC's Taiwan character standard (為, 裡) without phrase
# replacement: the same words in the other script, never other words.
_CONFIGS = {HANT: "s2tw", "fold": "t2s"}


def _converter(name: str):
    cache = getattr(_local, "converters", None)
    if cache is None:
        cache = _local.converters = {}
    if name not in cache:
        import opencc
        cache[name] = opencc.OpenCC(_CONFIGS[name])
    return cache[name]


def script_of(text: str, default: str = HANS) -> str:
    """A script name from a setting or a flag ("zh-Hant", "繁体", "zh-TW" ...); ValueError
    for anything else, empty text gives the default."""
    text = (text or "").strip()
    if not text:
        return default
    found = ALIASES.get(text.lower()) or ALIASES.get(text)
    if found is None:
        raise ValueError(f"unknown script {text!r}: zh-Hans (简体) or zh-Hant (繁体)")
    return found


def to_script(text: str, script: str = HANS) -> str:
    """kaoping's (Simplified) text as the reader's script."""
    if script == HANS or not text or text.isascii():
        return text
    return _converter(HANT).convert(text)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The key two spellings of one name share: compatibility forms (full-width digits,
    letters and spaces from an input method) made plain, Traditional made Simplified,
    case and surrounding or inner whitespace ignored."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(text.split()).casefold()
    return text if text.isascii() else _converter("fold").convert(text)
