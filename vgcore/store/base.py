"""What every result store is: the interface, its timings and bounds, and the one
exception for an entry that cannot be trusted."""
from __future__ import annotations

import json
import logging
import time
from typing import Any

log = logging.getLogger("vgcore.store")

LOCK_TTL_S = 30.0           # a trainer that stops refreshing its lock frees it after this
PROGRESS_TTL_S = 60.0       # a trainer's shared progress note expires after this
WAIT_POLL_S = 0.5           # how often a process waiting for another one's run looks
# One stored result at most (the biggest default one is ~4.4 MB): a bigger one is returned
# but not kept, so one visitor's huge run cannot push a room's results out.
MAX_RESULT_BYTES = 12 * 2**20
# After a failed write (disk full, read-only, Redis down) the store stops trying for a
# while: one logged warning, not one per request, and no request pays for the failure.
RETRY_AFTER_S = 30.0


# A room's seeds: how many (seed, repeats) runs of one experiment the store lists for a
# room view (30 learners with 3 repeats each are 30 runs, 90 seeds), the latest kept.
MAX_ROOM_RUNS = 200


def room_of(config: Any) -> Any | None:
    """The experiment `config` runs, whatever its seed and repeats: the config with seed 0
    and one repeat (None for a kind without seeds). Every run of a room's link shares it."""
    fields = getattr(config, "__dataclass_fields__", {})
    if "seed" not in fields or "n_seeds" not in fields:
        return None
    return config.replace(seed=0, n_seeds=1)


def seed_runs(values: Any) -> list[tuple[int, int]]:
    """A stored list of (seed, repeats) pairs as data: pairs of ints ≥ 0 / ≥ 1, at most
    MAX_ROOM_RUNS of them, the latest; anything else is left out."""
    out: list[tuple[int, int]] = []
    for item in values if isinstance(values, list) else []:
        if (isinstance(item, (list, tuple)) and len(item) == 2
                and all(type(v) is int for v in item) and item[0] >= 0 and item[1] >= 1):
            pair = (item[0], item[1])
            if pair in out:
                out.remove(pair)
            out.append(pair)
    return out[-MAX_ROOM_RUNS:]


class DamagedEntry(Exception):
    """A stored value that cannot be trusted (damaged, forged, another format, too big):
    treated as a miss and recomputed, never shown."""


class TrainLock:
    """"I am training this config": held by at most one process (or thread) at a time;
    lapses LOCK_TTL_S after the last acquire/refresh."""

    def acquire(self) -> bool:
        """Take it without waiting; True if taken."""
        raise NotImplementedError

    def refresh(self) -> bool:
        """Extend it by LOCK_TTL_S; False if it was lost (lapsed and taken by another)."""
        raise NotImplementedError

    def release(self) -> None:
        """Free it, if still ours."""
        raise NotImplementedError


class Store:
    """get/put results by config; a train-once lock, a shared progress note and a
    trainings counter per config. A result put with `pinned=True` (`vgcore warm`'s) lives
    in an area that visitors' results never evict. No method raises for a damaged entry
    or an unusable backend: it logs a warning and answers as if the result were absent."""

    where: str = ""             # for people: what and where the store is

    def get(self, config: Any) -> Any | None:
        raise NotImplementedError

    def put(self, config: Any, value: Any, *, pinned: bool = False) -> None:
        raise NotImplementedError

    def pinned(self, config: Any) -> bool:
        """Whether `config`'s result is in the pinned area."""
        raise NotImplementedError

    def runs_of_room(self, config: Any) -> list[tuple[int, int]]:
        """(seed, repeats) of every stored run of `config`'s experiment (`room_of`),
        whatever its seed: what a room view pools. At most MAX_ROOM_RUNS, the latest."""
        return []

    def lock(self, config: Any) -> TrainLock:
        raise NotImplementedError

    def set_progress(self, config: Any, note: dict) -> None:
        """Share how far this process's training of `config` is (JSON-able dict)."""

    def progress(self, config: Any) -> dict | None:
        """The note another process shared with `set_progress`, if any (and recent)."""
        return None

    def count_training(self, config: Any) -> int:
        """Count one training of `config` (called when a run starts); the new count."""
        raise NotImplementedError

    def trainings(self, config: Any) -> int:
        """How often `config` has been trained into this store (as counted)."""
        raise NotImplementedError

    def clear(self) -> None:
        """Forget every result (pinned ones too) and counter of this store."""
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def __contains__(self, config: Any) -> bool:
        return self.get(config) is not None


class Backoff:
    """Remembers a failure for RETRY_AFTER_S: while it lasts, `paused()` is True and the
    caller skips the backend; the first failure of a spell is logged, the rest are not."""

    def __init__(self, what: str) -> None:
        self.what, self.until = what, 0.0

    def paused(self) -> bool:
        return time.monotonic() < self.until

    def failed(self, action: str, err: BaseException) -> None:
        if not self.paused():
            log.warning("vgcore.store: %s %s failed (%s: %s); not trying again for %.0f s",
                        self.what, action, type(err).__name__, err, RETRY_AFTER_S)
        self.until = time.monotonic() + RETRY_AFTER_S

    def succeeded(self) -> None:
        self.until = 0.0


def note_of(text: Any) -> dict | None:
    """A stored progress note (JSON text or bytes) as a dict; None if absent or garbled."""
    try:
        note = json.loads(text) if text else None
    except (TypeError, ValueError):
        return None
    return note if isinstance(note, dict) else None
