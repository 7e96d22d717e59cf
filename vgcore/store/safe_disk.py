"""A diskcache `Disk` that keeps data and nothing else.

diskcache's own `Disk` unpickles a row whose mode says "pickle" and a key stored as a
pickle (CVE-2025-69872, no fixed release), and reads or deletes whatever file name a row
holds. Whoever can write the store's folder writes its rows, so this one:
- stores bytes, text and numbers only (never pickles), and refuses pickled rows and keys;
- reads and deletes value files only inside the store's folder, regular files no bigger
  than a stored result may be;
- remembers the value files it wrote in this thread, so a write that fails half-way
  (a full disk) can remove them instead of leaving orphans.
"""
from __future__ import annotations

import os
import stat
import threading
from typing import Any

import diskcache
from diskcache.core import MODE_BINARY, MODE_RAW, MODE_TEXT

from . import base
from .base import DamagedEntry


class SafeDisk(diskcache.Disk):
    def __init__(self, directory: str, **kwargs: Any) -> None:
        super().__init__(directory, **kwargs)
        self._root = os.path.realpath(directory)
        self._written = threading.local()

    # -- keys ----------------------------------------------------------------------------
    def put(self, key: Any) -> tuple[Any, bool]:
        if type(key) not in (str, bytes):
            raise TypeError(f"store keys are text or bytes, not {type(key).__name__}")
        return super().put(key)

    def get(self, key: Any, raw: bool) -> Any:
        if not raw:
            raise DamagedEntry("a pickled key in the store: refused")
        return super().get(key, raw)

    # -- values --------------------------------------------------------------------------
    def store(self, value: Any, read: bool, key: Any = diskcache.core.UNKNOWN
              ) -> tuple[Any, ...]:
        if read or type(value) not in (bytes, str, int, float):
            raise TypeError(f"the store keeps bytes, text and numbers, not "
                            f"{type(value).__name__}")
        return super().store(value, read, key=key)

    def filename(self, key: Any = diskcache.core.UNKNOWN,
                 value: Any = diskcache.core.UNKNOWN) -> tuple[str, str]:
        name, full = super().filename(key, value)
        self.written().append(name)
        return name, full

    def written(self) -> list[str]:
        """Value files this thread wrote since the last `forget_written()`."""
        if not hasattr(self._written, "names"):
            self._written.names = []
        return self._written.names

    def forget_written(self) -> None:
        self.written().clear()

    def _inside(self, filename: Any) -> str:
        """The full path of a row's value file; DamagedEntry unless it is a plain relative
        name of a regular file inside the folder, within the size cap."""
        if not isinstance(filename, str) or os.path.isabs(filename) or "\0" in filename:
            raise DamagedEntry(f"bad value file name {filename!r:.80}")
        full = os.path.realpath(os.path.join(self._root, filename))
        if os.path.commonpath([full, self._root]) != self._root:
            raise DamagedEntry(f"value file outside the store: {filename!r:.80}")
        return full

    def fetch(self, mode: int, filename: Any, value: Any, read: bool) -> Any:
        if read:
            raise DamagedEntry("file handles are not handed out")
        if mode == MODE_RAW:
            return super().fetch(mode, filename, value, read)
        if mode not in (MODE_BINARY, MODE_TEXT):
            raise DamagedEntry(f"a row in mode {mode!r} (pickled or unknown): refused")
        full = self._inside(filename)
        # O_NONBLOCK: a FIFO planted in the folder must not hang the reader.
        fd = os.open(full, os.O_RDONLY | os.O_NONBLOCK)   # OSError: gone -> a miss
        with os.fdopen(fd, "rb") as reader:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > base.MAX_RESULT_BYTES:
                raise DamagedEntry(f"value file of {info.st_size:,} bytes or not a file")
            data = reader.read(base.MAX_RESULT_BYTES + 1)
        return data if mode == MODE_BINARY else data.decode("utf-8")

    def remove(self, file_path: Any) -> None:
        try:
            self._inside(file_path)
        except DamagedEntry:
            return                                # never delete outside the folder
        super().remove(file_path)
