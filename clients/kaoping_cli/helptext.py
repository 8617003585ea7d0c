"""An example in every command's --help, kept in one table.

`attach(app)` adds an "Example:" epilog to each command and command group whose help
text has none yet. tests/test_cli_shell.py walks the whole command tree and fails for a
command without an example, and for an example that names no existing command.
"""
from __future__ import annotations

import typer

EXIT_CODES = ("退出码（Exit codes）：0 完成；1 服务器拒绝（原因打印在标准错误），或 import、roster import "
              "有未通过的行；2 用法错误（选项有误，如 --month 不是月份；文件无法读取；没有中文字体）；"
              "3 无法连接服务器。")

EXAMPLES: dict[str, list[str]] = {
    "": ["kaoping villages", "kaoping --server 10.0.0.5:50051 scores --month 2026-10 --output json",
         "kaoping --install-completion     # 为 bash、zsh、fish 或 PowerShell 安装 Tab 补全"],
    "scores": ["kaoping scores --month 2026-10 --village v01",
               "kaoping scores --month 2026-10 --output json > scores.json",
               "kaoping scores watch --month 2026-10 --village v01     # 实时显示得分变化"],
    "ranking": ["kaoping ranking --month 2026-10"],
    "notice": ["kaoping notice --village v01 --month 2026-10",
               "kaoping print notice --village 上山村 --month 2026-10     # 可打印的 PDF"],
    "explain": ["kaoping explain --official v01-2 --month 2026-10"],
    "villages": ["kaoping villages", "kaoping villages --output json"],
    "officials": ["kaoping officials --village v01"],
    "audit": ["kaoping audit --action activate_ruleset --since 2026-10-01"],
    "fact": ["kaoping fact add", "kaoping fact list --month 2026-10 --village v01"],
    "fact add": ["kaoping fact add"],
    "fact correct": ['kaoping fact correct 1 --reason "on approved leave" --scorer main-01'],
    "fact list": ["kaoping fact list --month 2026-10 --village v01",
                  "kaoping fact list --month 2026-10 --output json"],
    "rules": ["kaoping rules test rules/township-sample.yaml", "kaoping rules list"],
    "rules validate": ["kaoping rules validate my-rules.yaml"],
    "rules upload": ['kaoping rules upload my-rules.yaml --label "2027 细则"'],
    "rules activate": ["kaoping rules activate 2"],
    "rules rollback": ["kaoping rules rollback"],
    "rules test": ["kaoping rules test rules/township-sample.yaml"],
    "rules dry-run": ["kaoping rules dry-run my-rules.yaml --month 2026-10"],
    "rules list": ["kaoping rules list", "kaoping rules list --output json"],
    "import": ["kaoping import --template 2026-10.xlsx     # 带下拉选项的空白录入表",
               "kaoping import 2026-10.xlsx",
               "kaoping import 2026-10.csv --scorer station-01 --rejects 2026-10-errors.xlsx"],
    "export": ["kaoping export pay --month 2026-10", "kaoping export scores --month 2026-10 scores.csv"],
    "export scores": ["kaoping export scores --month 2026-10",
                      "kaoping export scores --month 2026-10 --village v01 上山村-10月.xlsx",
                      "kaoping export scores --month 2026-10 --format json -"],
    "export pay": ["kaoping export pay --month 2026-10", "kaoping export pay --year 2026 pay-2026.csv"],
    "export year-end": ["kaoping export year-end --year 2026"],
    "export audit": ["kaoping export audit --since 2026-10-01 --format csv audit.csv"],
    "roster": ["kaoping roster template --out roster.xlsx",
               "kaoping roster import roster.xlsx --apply"],
    "roster import": ["kaoping roster import roster.xlsx     # 只出试导入报告，不写入",
                      "kaoping roster import roster.xlsx --apply",
                      "kaoping roster import officials.csv --kind officials --township dahedian"],
    "roster export": ["kaoping roster export --out roster.xlsx",
                      "kaoping roster export --township dahedian --kind officials --out officials.csv"],
    "roster template": ["kaoping roster template --out roster.xlsx"],
    "village": ["kaoping village put --id v18 --name 新村 --township dahedian --attr star=5"],
    "village put": ["kaoping village put --id v18 --name 新村 --township dahedian --attr star=5"],
    "official": ["kaoping official put --id v18-1 --village v18 --name 王小明 --base-pay 1500"],
    "official put": ["kaoping official put --id v18-1 --village v18 --name 王小明 --position 文书 "
                     "--base-pay 1500 --effective-on 2026-11-01"],
    "scorer": ["kaoping scorer put --id station-02 --name 便民服务站 --role station"],
    "scorer put": ["kaoping scorer put --id station-02 --name 便民服务站 --role station"],
    "print": ["kaoping print notice --village 上山村 --month 2026-10",
              "kaoping print public-notice --month 2026-10",
              "kaoping print paylist --month 2026-10"],
    "print notice": ["kaoping print notice --village 上山村 --month 2026-10",
                     "kaoping print notice --all --month 2026-10 --format both"],
    "print public-notice": ["kaoping print public-notice --month 2026-10 公示-10月.pdf"],
    "print paylist": ["kaoping print paylist --month 2026-10",
                      "kaoping print paylist --year 2026 --village 上山村 --format html"],
    "print fonts": ["kaoping print fonts"],
    "print year-report": ["kaoping print year-report --year 2026",
                          "kaoping print year-report --year 2026 --village 上山村 --format both --out 年终"],
    "print reward-decision": ["kaoping print reward-decision --year 2026 --format both"],
    "print reward-sheet": ["kaoping print reward-sheet --year 2026 --out 年终",
                           "kaoping print reward-sheet --year 2026 --village v01 --format xlsx"],
}


def _epilog(path: str, extra: str = "") -> str:
    lines = EXAMPLES.get(path, [])
    text = ""
    if lines:
        text = "示例（Example）：" + "\n\n" + "\n".join(lines)
    if extra:
        text = f"{text}\n\n{extra}" if text else extra
    return text


def _has_example(info) -> bool:
    help_text = info.help if isinstance(getattr(info, "help", None), str) else ""
    doc = (info.callback.__doc__ or "") if getattr(info, "callback", None) else ""
    return "Example" in help_text or "Example" in doc


def _command_name(info) -> str:
    if isinstance(info.name, str):
        return info.name
    return info.callback.__name__.lower().replace("_", "-")


def attach(app: typer.Typer, prefix: str = "") -> None:
    """Adds the examples to every command of `app` (and its groups) lacking one."""
    if not prefix:
        app.info.epilog = _epilog("", EXIT_CODES)
    for info in app.registered_commands:
        path = f"{prefix} {_command_name(info)}".strip()
        if not _has_example(info) and path in EXAMPLES:
            info.epilog = _epilog(path)
    for group in app.registered_groups:
        name = group.name if isinstance(group.name, str) else group.typer_instance.info.name
        path = f"{prefix} {name}".strip()
        if path in EXAMPLES:
            group.epilog = _epilog(path)
        attach(group.typer_instance, path)
