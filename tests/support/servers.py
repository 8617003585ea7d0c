"""A real kaoping Server in this process on a loopback port, and the logs it writes."""
from __future__ import annotations

import contextlib
import io
import logging

import grpc


class LocalServer:
    """A real kaoping Server (all services, the production interceptors) on a loopback
    port in this process; `stub(cls)` makes stubs on one shared channel."""

    def __init__(self, app, **options):
        from kaoping.ops.server import Server
        options.setdefault("insecure_dev", True)
        options.setdefault("access_log", False)
        self.server = Server(app, "127.0.0.1:0", workers=4, **options)
        self.server.start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.server.port}")

    def stub(self, cls):
        return cls(self.channel)

    def stop(self) -> None:
        """Stops the server and closes its app (store and compiled rule sets)."""
        self.channel.close()
        self.server.stop(grace=1)


@contextlib.contextmanager
def captured_logs(fmt: str = "text"):
    """Root logging through kaoping's formatter (`text` or `json`) into a string for
    the block; yields a function returning what was written so far."""
    from kaoping.ops import logs
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    logs.setup_logging(fmt, "INFO", stream)
    try:
        yield stream.getvalue
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])


@contextlib.contextmanager
def running_server(app, **options):
    """A real kaoping Server on a free loopback port; yields (server, channel)."""
    from kaoping.ops.server import Server
    server = Server(app, "127.0.0.1:0", **options)
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    try:
        yield server, channel
    finally:
        channel.close()
        server.stop(grace=1)
