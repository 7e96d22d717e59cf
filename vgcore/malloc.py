"""Hand memory freed by a finished run back to the operating system.

glibc's malloc keeps freed heap pages in its arenas (one per training thread) for reuse,
so a server's resident set stays at its last run's peak; `malloc_trim(0)` returns the
free pages of every arena. Measured on lesson 3's run in one process: 544 -> 493 MiB.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _libc_trim():
    """glibc's malloc_trim, or None (macOS, Windows, musl)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> bool:
    """Return free heap pages to the OS; False where the C library cannot."""
    trim = _libc_trim()
    if trim is None:
        return False
    trim(0)
    return True


__all__ = ["release_freed_memory"]
