"""`kaoping scores watch`：实时显示得分变化（WatchScores）。

先打印当前得分表（快照），之后每当有村干部得分变化（录入或更正事实、启用新规则集、
花名册变动），打印一行：时间、村干部、总分、等次、绩效报酬。读得太慢被服务器告知
“跟不上”时，自动重新订阅并重新打印快照。Ctrl-C 结束（退出码 0）；--updates N 收到
N 次更新后结束（供脚本使用）。--output json 时每次更新打印一行 JSON。
"""
from __future__ import annotations

import json
import time

import grpc

from kaoping.v1 import evaluation_pb2 as ev
from kaoping.v1 import evaluation_pb2_grpc as ev_grpc
from kaoping_cli.common import console, fail, message_dict, stub

WATCH_TIMEOUT = 24 * 3600.0   # a watch is long-lived; a day bounds a forgotten one


def update_lines(update: ev.ScoreUpdate) -> list[str]:
    at = time.strftime("%H:%M:%S")
    lines = [f"{at} {s.official_id} {s.official_name}（{s.village_name}）总分 {s.total} {s.grade}"
             f" 报酬 {s.pay}" + ("（否决）" if s.vetoed else "") for s in update.scores]
    lines += [f"{at} {o} 不再在本月考评范围内（花名册变动）" for o in update.removed_official_ids]
    if not lines:   # a new rule-set version that moved no score
        lines.append(f"{at} 规则集已改为 {update.ruleset.label or update.ruleset.content_hash[:12]}，得分未变")
    return lines


def watch(request: ev.WatchScoresRequest, json_output: bool, updates: int, wide: bool) -> None:
    seen = 0
    method = stub(ev_grpc.EvaluationServiceStub).WatchScores
    while True:
        stream = method(request, timeout=WATCH_TIMEOUT)
        try:
            for update in stream:
                if json_output:
                    print(json.dumps(message_dict(update), ensure_ascii=False), flush=True)
                elif update.fell_behind:
                    console.print(f"读取太慢，服务器已丢弃未读的更新（{update.fell_behind_reason}）：重新订阅",
                                  highlight=False)
                elif update.snapshot:
                    from kaoping_cli.score_tables import print_scores
                    print_scores(ev.MonthlyScores(month=update.month, ruleset=update.ruleset,
                                                  scores=update.scores, township_id=update.township_id),
                                 console, wide)
                    console.print(f"正在实时显示 {update.month} 的得分变化（Ctrl-C 结束）", highlight=False)
                else:
                    for line in update_lines(update):
                        console.print(line, highlight=False)
                if not update.snapshot and not update.fell_behind:
                    seen += 1
                    if updates and seen >= updates:
                        return
            # the stream ended OK: fell behind, or the server is shutting down — watch again
        except grpc.RpcError as error:
            raise fail(error)
        except KeyboardInterrupt:
            return
        finally:
            stream.cancel()
