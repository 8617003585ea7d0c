"""The real `kaoping-server` as a child process (same interpreter, so PYTHONPATH picks
this checkout) on a free loopback port, output to a file, every wait bounded."""
from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time


class RealServer:
    """The real `kaoping-server` process on a loopback port (output to a file, never a
    full pipe), with an admin token issued through `kaoping-server tokens`."""

    START_TIMEOUT = 60

    def __init__(self, db_url: str, workdir, *extra: str):
        import subprocess
        import sys
        self.db_url, self.workdir, self.extra = db_url, workdir, extra
        issued = subprocess.run([sys.executable, "-m", "kaoping.ops.server", "tokens", "--db", db_url,
                                 "create", "--name", "测试", "--role", "admin", "--quiet"],
                                capture_output=True, text=True, timeout=120)
        assert issued.returncode == 0, issued.stderr
        self.token = issued.stdout.strip()
        self.log = workdir / "server.log"
        self.proc = None
        self.address = ""

    def __enter__(self) -> "RealServer":
        import re
        import subprocess
        import sys
        import time
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "kaoping.ops.server", "--listen", "127.0.0.1:0", "--db", self.db_url,
                 "--load-sample", *self.extra], stdout=out, stderr=subprocess.STDOUT, cwd=self.workdir)
        deadline = time.monotonic() + self.START_TIMEOUT
        while time.monotonic() < deadline:
            match = re.search(r"listening on port (\d+)", self.output())
            if match:
                self.address = f"127.0.0.1:{match.group(1)}"
                return self
            assert self.proc.poll() is None, "server exited:\n" + self.output()
            time.sleep(0.05)
        self.__exit__()
        raise AssertionError("server did not start:\n" + self.output())

    def __exit__(self, *_exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except Exception:
                self.proc.kill()
                self.proc.wait(timeout=20)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def memory_kib(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) of the server process in KiB, from /proc."""
        fields = dict(line.split(":", 1) for line in open(f"/proc/{self.proc.pid}/status"))
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])

    @property
    def metadata(self) -> tuple:
        return (("authorization", f"Bearer {self.token}"),)


@contextlib.contextmanager
def server_process(workdir, *args: str, start_timeout: float = 60.0):
    """The real `kaoping-server` (same interpreter, so PYTHONPATH picks this checkout)
    on a free loopback port, output to a file; yields (process, port). SIGTERM at exit,
    SIGKILL if it has not stopped 30 s later."""
    import re
    import subprocess
    import sys
    import time
    from pathlib import Path
    log = Path(workdir) / "kaoping-server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "kaoping.ops.server", "--listen", "127.0.0.1:0", *args],
                                stdout=out, stderr=subprocess.STDOUT, text=True, cwd=workdir)
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            found = re.search(r"listening on port (\d+)", log.read_text(errors="replace"))
            if found:
                break
            assert proc.poll() is None and time.monotonic() < deadline, \
                "kaoping-server did not start:\n" + log.read_text(errors="replace")
            time.sleep(0.05)
        yield proc, int(found.group(1))
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(30)


class ServerRun:
    """A real `kaoping-server` process on a loopback port; its output goes to a file
    (never a pipe that could fill), and every wait is bounded."""

    def __init__(self, log_path, *args: str):
        self.log_path = log_path
        with open(log_path, "w") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "kaoping.ops.server", "--listen",
                                          "127.0.0.1:0", *args], stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.port = None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_listening(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            found = re.search(r"listening on port (\d+)", self.output())
            if found:
                self.port = int(found.group(1))
                return True
            time.sleep(0.1)
        return False

    def terminate(self, timeout: float) -> int | None:
        """SIGTERM, then the exit code, or None (and SIGKILL) if it did not stop in time."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its probe child too
            self.proc.wait(30)
