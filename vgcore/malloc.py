"""Hand memory freed by a finished run back to the operating system, and keep a threaded
server from spreading its heap over many malloc arenas.

glibc's malloc keeps freed heap pages in its arenas (one per training thread) for reuse,
so a server's resident set stays at its last run's peak; `malloc_trim(0)` returns the
free pages of every arena (bench/README.md, memory_pages.py, has the figures).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools


M_ARENA_MAX = -8           # glibc's <malloc.h> mallopt parameter


@functools.cache
def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def _libc_trim():
    """glibc's malloc_trim, or None (macOS, Windows, musl)."""
    return getattr(_libc(), "malloc_trim", None)


def limit_arenas(n: int = 2) -> bool:
    """Let glibc create at most `n` malloc arenas from now on (its default: 8 per core,
    one per thread that allocates at once). A server's session and training threads
    then share freed pages instead of each arena keeping its own (bench/memory_pages.py).
    False where the C library has no mallopt."""
    mallopt = getattr(_libc(), "mallopt", None) if _libc_trim() is not None else None
    return bool(mallopt is not None and mallopt(M_ARENA_MAX, n) == 1)


def release_freed_memory() -> bool:
    """Return free heap pages to the OS; False where the C library cannot."""
    trim = _libc_trim()
    if trim is None:
        return False
    trim(0)
    return True


__all__ = ["release_freed_memory", "limit_arenas"]
