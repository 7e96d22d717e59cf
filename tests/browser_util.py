"""Helpers for the real-browser suite (tests/test_browser.py): start a Streamlit server,
watch its memory, wait for a script run to finish, take full-page screenshots.

Nothing here imports streamlit or playwright at module level, so collecting the tests
works on a machine without them.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
# Playwright cannot download a browser here: drive Debian's chromium, offline and quiet.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]

HEALTH_TIMEOUT_S = 60      # server start: import torch, pandas, altair
RUN_TIMEOUT_S = 180        # one page's script run, training 3 seeds included (2 shared cores)
QUIET_S = 0.5              # "finished" = no running indicator for this long


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------
# Memory: resident set size of a process and its descendants, from /proc (Linux only).
# ---------------------------------------------------------------------------------------
def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # field 4 of /proc/<pid>/stat is the parent; the name (field 2) may hold spaces
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def tree_rss_kb(pid: int) -> int:
    return sum(_status_kb(p, "VmRSS") for p in [pid, *_descendants(pid)])


class RssSampler(threading.Thread):
    """Polls the RSS of a process tree; `peak_kb` is the largest total seen, `hwm_kb` the
    kernel's high-water mark (VmHWM) of the root process at the last sample."""

    def __init__(self, pid: int, every_s: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.every_s = pid, every_s
        self.peak_kb = 0
        self.hwm_kb = 0
        self._halt = threading.Event()

    def sample(self) -> None:
        self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid))
        self.hwm_kb = max(self.hwm_kb, _status_kb(self.pid, "VmHWM"))

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.every_s)

    def stop(self) -> None:
        self.sample()
        self._halt.set()


# ---------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------
class StreamlitServer:
    """`python -m streamlit run streamlit_app.py` on a free local port, in its own process
    group so that stopping it also stops anything it started."""

    def __init__(self, cache_dir: Path, log_path: Path,
                 env: dict[str, str] | None = None) -> None:
        """`env`: more environment for the server (VGLAB_STORE, ...). Without it the
        server's result store is the disk default under `cache_dir`, whatever the
        caller's own VGLAB_STORE says."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = {k: v for k, v in os.environ.items() if k != "VGLAB_STORE"} | \
            dict(VGCORE_CACHE=str(cache_dir), PYTHONUNBUFFERED="1") | (env or {})
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
             "--server.headless", "true", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.rss = RssSampler(self.proc.pid)
        self.rss.start()

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def wait_healthy(self, timeout_s: float = HEALTH_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {self.proc.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise TimeoutError(f"streamlit did not answer /_stcore/health within {timeout_s:.0f} s:"
                           f"\n{self.log_tail()}")

    def stop(self) -> None:
        self.rss.stop()
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)   # our own session's group only
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        self._log.close()


# ---------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------
MAIN = '[data-testid="stMainBlockContainer"]'
# Idle = the app root says the script is not running (Streamlit's own e2e tests wait on
# it), no "running" status widget (a "File change" prompt is not a run), no progress bar.
IDLE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.dataset.testScriptState !== 'notRunning'
            || app.dataset.testConnectionState !== 'CONNECTED') return false;
    const status = document.querySelector('[data-testid="stStatusWidget"]');
    if (status && !/File change/.test(status.textContent)) return false;
    return !document.querySelector('[data-testid="stProgress"]');
}"""


def wait_until_finished(page, timeout_s: float = RUN_TIMEOUT_S) -> float:
    """Wait until the main block holds the page's title and the app has been idle (see
    IDLE_JS) for QUIET_S. Returns the seconds taken."""
    start = time.monotonic()
    deadline = start + timeout_s
    page.wait_for_selector(f"{MAIN} h1", timeout=timeout_s * 1000)
    quiet_since = None
    while True:
        now = time.monotonic()
        if not page.evaluate(IDLE_JS):
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= QUIET_S:
            return now - start
        if now > deadline:
            raise TimeoutError(f"{page.url}: script still running after {timeout_s:.0f} s")
        page.wait_for_timeout(100)


def full_page_screenshot(page, path: Path) -> None:
    """Streamlit scrolls inside its own containers, so Playwright's full_page sees one
    viewport only: grow the viewport to the content's height, shoot, restore."""
    size = page.viewport_size
    height = page.evaluate(
        """() => Math.max(...['[data-testid="stMain"]', '[data-testid="stSidebarContent"]']
                 .map(s => document.querySelector(s)).filter(Boolean)
                 .map(e => e.scrollHeight), document.documentElement.scrollHeight)""")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 16000)})
    page.wait_for_timeout(300)                     # let charts settle after the resize
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
