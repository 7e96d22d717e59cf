"""Servers the tests start themselves: on 127.0.0.1, with bounded waits, always stopped."""
from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator

from tests.needs import unavailable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def redis_server(work: Path, *, policy: str = "volatile-lru", conf: str = "",
                 auth: str = "") -> Iterator[tuple[str, subprocess.Popen]]:
    """A redis-server on 127.0.0.1 for one test or module; yields (url, process). `conf`:
    redis.conf lines to add; `auth`: "user:password" the url carries."""
    server = shutil.which("redis-server")
    if server is None:
        unavailable("Redis store tests", "redis-server not found (Debian: apt-get "
                                          "install redis-server)")
    import redis
    port = free_port()
    work.mkdir(parents=True, exist_ok=True)
    (work / "redis.conf").write_text(
        f"bind 127.0.0.1\nport {port}\nsave \"\"\nappendonly no\ndir {work}\n"
        f"maxmemory 64mb\nmaxmemory-policy {policy}\n{conf}\n")
    proc = subprocess.Popen([server, str(work / "redis.conf")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"redis://{auth + '@' if auth else ''}127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        client.close()
        yield url, proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGCONT)     # a stopped server cannot terminate
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
