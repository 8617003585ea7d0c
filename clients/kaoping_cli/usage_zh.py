"""Command-line usage errors (a missing option, an unknown option, a bad value) in
Chinese, on stderr through the script-converting console, with exit code 2 as before.

Typer prints click's usage errors itself, in English, through its own console;
`install()` replaces that printer (typer.rich_utils.rich_format_error, looked up by
Typer at the moment of the error) with one that says the same in Chinese. What click
itself explains about a value (e.g. "'x' is not a valid integer.") is kept after the
Chinese sentence: it names the value and what was expected.
"""
from __future__ import annotations

import re

from kaoping_cli.terminal import err_console, print_error

_SIMPLE = [   # click's own sentences that are not a parameter error
    (re.compile(r"No such command '([^']+)'\.(?: Did you mean (.+)\?)?"), "没有命令 '{0}'"),
    (re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)"), "多余的参数：{0}"),
]


def _hint(error) -> str:
    hint = getattr(error, "param_hint", None)
    if hint is None and getattr(error, "param", None) is not None:
        try:    # click's Parameter takes the context; Typer's own parameters do not
            hint = error.param.get_error_hint(error.ctx)
        except TypeError:
            hint = error.param.get_error_hint()
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(f"'{h}'" for h in hint)
    return hint or ""


def message(error) -> str:
    """The Chinese sentence for one click usage error."""
    kind = type(error).__name__
    if kind == "MissingParameter":
        kind_of = getattr(error, "param_type", None) or getattr(getattr(error, "param", None), "param_type_name", "")
        what = {"option": "选项", "argument": "参数"}.get(kind_of, "参数")
        return f"缺少{what} {_hint(error)}"
    if kind == "NoSuchOption":
        text = f"没有选项 {error.option_name}"
        if error.possibilities:
            text += f"；是不是想用 {'、'.join(sorted(error.possibilities))}？"
        return text
    if kind == "BadOptionUsage":
        return f"选项 {error.option_name} 用法有误：{error.message}"
    if kind == "BadParameter" or kind == "BadArgumentUsage":
        hint = _hint(error)
        return f"{hint} 的值无效：{error.message}" if hint else f"值无效：{error.message}"
    text = error.format_message()
    for pattern, chinese in _SIMPLE:
        m = pattern.fullmatch(text.strip())
        if m:
            said = chinese.format(*m.groups())
            suggestion = m.groups()[1] if len(m.groups()) > 1 else None
            return said + (f"；是不是想用 {suggestion}？" if suggestion else "")
    return text


def show(error) -> None:
    if type(error).__name__ == "NoArgsIsHelpError":   # the help was shown instead
        return
    ctx = getattr(error, "ctx", None)
    if ctx is None:
        _show(error, None)
        return
    with ctx.scope(cleanup=False):   # current again, so the consoles see the root's --lang
        _show(error, ctx)


def _show(error, ctx) -> None:
    if ctx is not None:
        usage = ctx.get_usage().replace("Usage: ", "用法：", 1)
        err_console.print(usage, markup=False, highlight=False, soft_wrap=True)
        if ctx.command.get_help_option(ctx) is not None:
            err_console.print(f"用 '{ctx.command_path} {ctx.help_option_names[0]}' 查看帮助。",
                              markup=False, highlight=False, soft_wrap=True)
    text = message(error).rstrip()
    print_error(f"错误：{text}" + ("" if text.endswith(("。", "？", ".")) else "。"))


def install() -> None:
    try:
        from typer import rich_utils
    except ImportError:  # pragma: no cover - Typer without rich: click's own English stays
        return
    rich_utils.rich_format_error = show
    # the headings of --help (module globals Typer reads when it formats the help)
    for name, text in (("ABORTED_TEXT", "已中止。"), ("ARGUMENTS_PANEL_TITLE", "参数"),
                       ("COMMANDS_PANEL_TITLE", "命令"), ("OPTIONS_PANEL_TITLE", "选项"),
                       ("DEFAULT_STRING", "[默认：{}]"), ("ENVVAR_STRING", "[环境变量：{}]"),
                       ("REQUIRED_LONG_STRING", "[必填]"), ("DEPRECATED_STRING", "（已弃用）")):
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, text)
    _chinese_help_option()
    _chinese_completion_options()


HELP_TEXT = "显示本帮助并退出"


def _chinese_help_option() -> None:
    """click makes the --help option itself, with its English help text: give the one it
    makes the Chinese text (Typer's vendored click, and the click package if Typer uses it)."""
    cores = []
    try:
        from typer._click import core as vendored
        cores.append(vendored)
    except ImportError:  # pragma: no cover - Typer on the click package
        pass
    try:
        from click import core as package
        cores.append(package)
    except ImportError:  # pragma: no cover
        pass
    for core in cores:
        original = core.Command.get_help_option
        if getattr(original, "kaoping_zh", False):
            continue

        def get_help_option(self, ctx, _original=original):
            option = _original(self, ctx)
            if option is not None:
                option.help = HELP_TEXT
            return option
        get_help_option.kaoping_zh = True
        core.Command.get_help_option = get_help_option


COMPLETION_TEXT = {"Install completion for the current shell.": "为当前 shell 安装命令补全（Tab 键）",
                   "Install completion for the specified shell.": "为指定的 shell 安装命令补全（Tab 键）"}


def _chinese_completion_options() -> None:
    """Typer declares --install-completion and --show-completion on placeholder functions
    (typer.completion, not public API): their help in Chinese where they are found."""
    try:
        from typer import completion
    except ImportError:  # pragma: no cover
        return
    for name in ("_install_completion_placeholder_function", "_install_completion_no_auto_placeholder_function"):
        for info in getattr(getattr(completion, name, None), "__defaults__", None) or ():
            text = getattr(info, "help", None) or ""
            if text in COMPLETION_TEXT:
                info.help = COMPLETION_TEXT[text]
            elif text.startswith("Show completion for the"):
                info.help = "显示 shell 的补全脚本（可复制或自行安装）"
