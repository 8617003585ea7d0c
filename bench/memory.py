"""Runs a command and samples the resident memory of its whole process tree (the
command and every process it starts, e.g. recompute workers) every few ms."""
from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Sampled:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss: int          # bytes, the largest sum over the tree at one sample
    samples: int


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: ppid follows the last ')'
        ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
        tree.setdefault(ppid, []).append(int(name))
    return tree


def tree_rss(pid: int) -> int:
    tree, total, todo = _children(), 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm", "rb") as f:
                total += int(f.read().split()[1]) * PAGE
        except OSError:
            pass
        todo.extend(tree.get(p, []))
    return total


def run(cmd: list[str], env: dict | None = None, cwd=None, interval: float = 0.02,
        timeout: float = 1800.0) -> Sampled:
    started = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env, cwd=cwd)
    peak, samples, done = 0, 0, threading.Event()
    out: dict[str, str] = {}

    def read() -> None:
        out["stdout"], out["stderr"] = process.communicate(timeout=timeout)
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    while not done.wait(interval):
        peak = max(peak, tree_rss(process.pid))
        samples += 1
    reader.join()
    return Sampled(process.returncode, out.get("stdout", ""), out.get("stderr", ""),
                   time.perf_counter() - started, peak, samples)
