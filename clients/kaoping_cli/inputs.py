"""What an input method sends, read as meant, for every command at once.

`attach(app)` wraps each command that takes a `month`, `date` or `quantity` option so
that "２０２６－１０", "2026年10月" or "2026/10" arrive as 2026-10, "2026年10月8日" as
2026-10-08 and "３" as 3 (kaoping.text.ime), and so that a month or date that still
does not read as one is a usage error (exit 2) naming the expected form — before
anything is asked or sent. One place for every command, present and future, instead
of a check in each.
"""
from __future__ import annotations

import functools
import re
from datetime import date as _date

import typer

from kaoping.text.ime import date_text, month_text, plain

MONTH_FORM = "YYYY-MM（如 2026-10，也可写 2026年10月）"
DATE_FORM = "YYYY-MM-DD（如 2026-10-08，也可写 2026年10月8日）"


def usage(message: str) -> typer.Exit:
    from kaoping_cli.terminal import print_error
    print_error(message)
    return typer.Exit(2)


def month_value(text: str, option: str = "--month") -> str:
    """A month as YYYY-MM, "" for nothing given; a usage error for anything else."""
    if not (text or "").strip():
        return ""
    value = month_text(text)
    m = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise usage(f"{option} {text!r} 不是月份：应为 {MONTH_FORM}")
    return value


def date_value(text: str, option: str = "--date") -> str:
    """A date as YYYY-MM-DD, "" for nothing given; a usage error for anything else."""
    if not (text or "").strip():
        return ""
    value = date_text(text)
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        _date.fromisoformat(value)
    except ValueError:
        raise usage(f"{option} {text!r} 不是日期：应为 {DATE_FORM}")
    return value


# the parameters that hold a date, and the option each is typed as
DATES = {"date": "--date", "effective_on": "--effective-on", "left_on": "--left-on", "paid_on": "--paid-on"}


def _normalised(kwargs: dict) -> dict:
    if isinstance(kwargs.get("month"), str):
        kwargs["month"] = month_value(kwargs["month"])
    for name, option in DATES.items():
        if isinstance(kwargs.get(name), str):
            kwargs[name] = date_value(kwargs[name], option)
    if isinstance(kwargs.get("quantity"), str):
        kwargs["quantity"] = plain(kwargs["quantity"])
    return kwargs


def _wrap(callback):
    if getattr(callback, "_kaoping_inputs", False):
        return callback

    @functools.wraps(callback)   # typer reads the options from the wrapped signature
    def wrapper(*args, **kwargs):
        return callback(*args, **_normalised(kwargs))
    wrapper._kaoping_inputs = True
    return wrapper


def attach(app: typer.Typer) -> None:
    """Wraps every command of `app` and its groups (see the module docstring)."""
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = _wrap(info.callback)
    for group in app.registered_groups:
        attach(group.typer_instance)
