"""Memory a finished run freed goes back to the operating system (vgcore.malloc)."""
from __future__ import annotations

import ctypes
import platform
from pathlib import Path

import pytest

from vgcore.malloc import limit_arenas, release_freed_memory

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_freed_heap_pages_go_back_to_the_os():
    """160 MiB of small blocks freed under a block still in use stay resident (glibc only
    trims the heap's top by itself) until release_freed_memory hands them back."""
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(4096) for _ in range(40_000)]
    for b in blocks:
        ctypes.memset(b, 1, 4096)                   # touch: make the pages resident
    pin = libc.malloc(4096)                         # keeps the heap's top in use
    for b in blocks:
        libc.free(b)
    before = _rss_mib()
    assert release_freed_memory()
    after = _rss_mib()
    libc.free(pin)
    assert before - after > 100, (before, after)


def test_release_is_safe_to_call_any_time():
    assert release_freed_memory() in (True, False)
    assert release_freed_memory() in (True, False)


@pytest.mark.skipif(not GLIBC, reason="mallopt(M_ARENA_MAX) is glibc's")
def test_arenas_can_be_limited():
    assert limit_arenas(2) is True


def test_the_app_limits_arenas_when_it_loads():
    """The app's package sets the limit before any page's thread allocates (a subprocess:
    whether this test session already imported app does not matter)."""
    import subprocess
    import sys
    code = ("import vgcore.malloc as m\ncalls = []\n"
            "m.limit_arenas = lambda n=2: calls.append(n) or True\n"
            "import app\nassert calls == [2], calls\n")
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
