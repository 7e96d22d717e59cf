"""The `memory` store: this process only, a bounded LRU of the result objects themselves."""
from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from typing import Any

from . import base
from .base import Store, TrainLock
from .keys import key_of

MEMORY_ENTRIES = 48         # results kept, for all sessions together (pinned ones apart)


class _LocalLock(TrainLock):
    """A lapsing lock in a dict shared by one process's threads."""

    def __init__(self, table: dict, guard: threading.Lock, name: str) -> None:
        self.table, self.guard, self.name = table, guard, name
        self.token = uuid.uuid4().hex

    def _hold(self, may_take: bool) -> bool:
        """(Re)start our lease if the lock is ours, or, when `may_take`, free or lapsed."""
        with self.guard:
            held = self.table.get(self.name)
            ours = held is not None and held[0] == self.token
            free = held is None or held[1] <= time.monotonic()
            if not (ours or (may_take and free)):
                return False
            self.table[self.name] = (self.token, time.monotonic() + base.LOCK_TTL_S)
            return True

    def acquire(self) -> bool:
        return self._hold(may_take=True)

    def refresh(self) -> bool:
        return self._hold(may_take=False)

    def release(self) -> None:
        with self.guard:
            held = self.table.get(self.name)
            if held is not None and held[0] == self.token:
                del self.table[self.name]


class MemoryStore(Store):
    """Thread-safe LRU of results in this process (no copy, no encoding): nothing from
    outside the process is ever read, so nothing needs signing."""

    def __init__(self, max_entries: int = MEMORY_ENTRIES) -> None:
        self.max_entries = max_entries
        self.where = f"memory: this process, the {max_entries} most recently used results"
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._pinned: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._locks: dict[str, tuple[str, float]] = {}
        self._notes: dict[str, tuple[dict, float]] = {}
        self._counts: dict[str, int] = {}
        self._rooms: dict[str, list[tuple[int, int]]] = {}

    def get(self, config: Any) -> Any | None:
        key = key_of(config)
        with self._lock:
            if key in self._pinned:
                return self._pinned[key]
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def put(self, config: Any, value: Any, *, pinned: bool = False) -> None:
        key = key_of(config)
        room = base.room_of(config)
        with self._lock:
            if room is not None:
                runs = self._rooms.setdefault(key_of(room), [])
                self._rooms[key_of(room)] = base.seed_runs(
                    [*runs, (config.seed, config.n_seeds)])
            if pinned:
                self._pinned[key] = value
                self._data.pop(key, None)
                return
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def pinned(self, config: Any) -> bool:
        with self._lock:
            return key_of(config) in self._pinned

    def runs_of_room(self, config: Any) -> list[tuple[int, int]]:
        room = base.room_of(config)
        with self._lock:
            return list(self._rooms.get(key_of(room), [])) if room is not None else []

    def lock(self, config: Any) -> TrainLock:
        return _LocalLock(self._locks, self._lock, key_of(config))

    def set_progress(self, config: Any, note: dict) -> None:
        with self._lock:
            self._notes[key_of(config)] = (dict(note),
                                           time.monotonic() + base.PROGRESS_TTL_S)

    def progress(self, config: Any) -> dict | None:
        with self._lock:
            note = self._notes.get(key_of(config))
        return note[0] if note and note[1] > time.monotonic() else None

    def count_training(self, config: Any) -> int:
        key = key_of(config)
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1
            return self._counts[key]

    def trainings(self, config: Any) -> int:
        with self._lock:
            return self._counts.get(key_of(config), 0)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._pinned.clear()
            self._counts.clear()
            self._notes.clear()
            self._rooms.clear()

    def __len__(self) -> int:
        return len(self._data) + len(self._pinned)
