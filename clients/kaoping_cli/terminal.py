"""What the CLI shows people, and what it asks them: the consoles (stdout for results,
stderr for errors) and the one yes/no question.

The consoles write through a ScriptStream: what kaoping prints is Simplified Chinese,
and under `kaoping --lang zh-Hant` (or KAOPING_LANG) this one place converts it to
Traditional on its way out. `--output json` is written to sys.stdout directly
(common.print_json), never through these consoles, so scripts get the stored data
exactly as stored.
"""
from __future__ import annotations

import sys

from rich.console import Console
from rich.prompt import Prompt
from rich.text import Text

from kaoping.text.ime import answer
from kaoping.text.script import HANS, script_of, to_script

try:  # the click Typer runs on: recent Typer vendors its own copy
    from typer._click.globals import get_current_context
except ImportError:  # pragma: no cover - Typer on the click package
    from click import get_current_context


def output_script() -> str:
    """The script people read, from the root command's --lang (KAOPING_LANG); Simplified
    when not given or not valid (an invalid --lang is reported by common.chosen_script,
    a writer must never fail)."""
    ctx = get_current_context(silent=True)
    given = (ctx.find_root().params.get("lang") if ctx is not None else "") or ""
    try:
        return script_of(given)
    except ValueError:
        return HANS


class ScriptStream:
    """A text stream that forwards to the current sys.stdout or sys.stderr (looked up at
    each write, so a test runner's or a pager's replacement is honoured), converting
    the text to the reader's script. The conversion is character for character (OpenCC
    s2tw), so the columns of a table stay aligned."""

    def __init__(self, name: str):
        self.name = name

    def _target(self):
        return sys.stderr if self.name == "stderr" else sys.stdout

    def write(self, text: str) -> int:
        self._target().write(to_script(text, output_script()))
        return len(text)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        try:
            return self._target().isatty()
        except (AttributeError, ValueError):
            return False

    def fileno(self) -> int:
        return self._target().fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._target(), "encoding", None) or "utf-8"


console = Console(file=ScriptStream("stdout"))       # results
err_console = Console(file=ScriptStream("stderr"))   # errors and warnings: stdout stays clean


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def yes_no(question: str, default: bool | None = None) -> bool:
    """Ask until the answer is yes or no: 是/否 as well as y/n (kaoping.text.ime.answer),
    full-width letters from an input method too. EOF (no one to answer) raises EOFError."""
    hint = {True: "[是/否]（默认 是）", False: "[是/否]（默认 否）", None: "[是/否]"}[default]
    while True:
        text = Prompt.ask(Text(f"{question} {hint}"), default="", show_default=False, console=console)
        if not text.strip() and default is not None:
            return default
        value = answer(text)
        if value is not None:
            return value
        print_error(f"请回答 是 或 否（也可输入 y 或 n），而不是 {text!r}")


def print_error(text: str) -> None:
    """One error line on stderr, in red, never markup, never hard-wrapped (a terminal
    wraps it, and a log keeps the sentence whole)."""
    err_console.print(text, style="red", markup=False, highlight=False, soft_wrap=True)
