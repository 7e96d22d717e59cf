"""Finished results that outlive the process and are shared by every process using them:
the app's server processes (one laptop, a Community Cloud app that wakes from sleep, N
replicas behind a load balancer) and `python -m vgcore warm`.

    store = open_store()                 # $VGLAB_STORE: a folder, `memory`, or redis://…
    result, trained = compute_once(store, cfg, lambda: run_config(cfg))

`VGLAB_STORE` chooses the backend:

- unset, empty or `disk`: a disk store (`disk.py`) in `<vgcore cache>/results`; any other
  text is a folder for one. Several processes on one machine may share it.
- `memory`: this process only (`memory.py`).
- `redis://host:port/db` (or `rediss://`, `unix://`): one Redis for several machines
  (`redis_store.py`); needs `VGLAB_STORE_KEY`.

A key (`keys.py`) is the config's type and canonical JSON plus the engine's version: an
upgrade never serves numbers that older code computed. A value (`codec.py`) is data only
— Arrow frames and JSON behind a format version — signed with an HMAC: reading an entry
never runs code, and a damaged, forged or old-format entry is a miss, recomputed.

Train once: `compute_once` takes the store's lock for a config before training it, so
that among all processes sharing the store at most one trains it; the others wait for
its result (reading the trainer's progress from the store); `compute_many_once` does the
same for several configs trained together. The lock lapses after
`LOCK_TTL_S` unless its holder's heartbeat refreshes it. A result cut short by a time
cap (`result.stopped_at`) is returned but never stored: it depends on the machine.

No streamlit here; backends are imported only when chosen.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Any, Callable, Sequence

from . import base
from .base import (LOCK_TTL_S, MAX_RESULT_BYTES, DamagedEntry, Store, TrainLock, log)
from .codec import KEY_ENV, MissingKey, decode, encode
from .disk import DiskStore, default_folder
from .keys import engine_version, key_of, key_text, storable
from .memory import MemoryStore

ENV = "VGLAB_STORE"


def open_store(spec: str | None = None) -> Store:
    """The store `spec` (default: $VGLAB_STORE) names. A disk store whose folder cannot be
    made falls back to memory with a warning; a Redis store without VGLAB_STORE_KEY raises
    MissingKey (a ValueError): refusing is safer than serving what anyone could write."""
    spec = (os.environ.get(ENV, "") if spec is None else spec).strip()
    if spec == "memory":
        return MemoryStore()
    if spec.startswith(("redis://", "rediss://", "unix://")):
        from .redis_store import RedisStore
        return RedisStore(spec)
    folder = None if spec in ("", "disk") else spec
    try:
        return DiskStore(folder)
    except ValueError:
        raise                       # a bad VGLAB_STORE_KEY: the operator must fix it
    except Exception as err:  # noqa: BLE001 -- e.g. PermissionError, a file in the way
        log.warning("vgcore.store: cannot use a disk store in %s (%s: %s); keeping "
                    "results in memory instead", folder or default_folder(),
                    type(err).__name__, err)
        return MemoryStore()


class _Heartbeat(threading.Thread):
    """Refreshes a held lock every LOCK_TTL_S / 3 until stopped, so a long run keeps it
    and a crashed process (whose heartbeat died with it) loses it within LOCK_TTL_S."""

    def __init__(self, lock: TrainLock) -> None:
        super().__init__(daemon=True, name="vgcore-store-heartbeat")
        self.lock, self._halt = lock, threading.Event()

    def run(self) -> None:
        while not self._halt.wait(base.LOCK_TTL_S / 3):
            if not self.lock.refresh():
                log.warning("vgcore.store: lost the training lock (it lapsed)")
                return

    def stop(self) -> None:
        self._halt.set()


def compute_once(store: Store, config: Any, train: Callable[[], Any], *,
                 on_wait: Callable[[dict | None], None] | None = None,
                 wait_s: float | None = None, count: bool = True,
                 pinned: bool = False) -> tuple[Any, bool]:
    """(result, trained): the stored result of `config`, or `train()`'s, trained by at
    most one process sharing `store` at a time. While another process holds the lock,
    wait for its result (or for its lock to lapse, then try to take it), calling
    `on_wait(that process's progress note)` every WAIT_POLL_S; `on_wait` may raise to
    stop waiting, and after `wait_s` seconds this raises TimeoutError. The result is
    stored (in the pinned area with `pinned`) unless it was cut short (`storable`). With
    `count`, the training is counted (`store.count_training`) just before `train()`
    starts; a caller whose `train` first waits for something (the app's training slots)
    passes False and counts it itself when the run really starts."""
    return compute_many_once(store, [config], lambda configs: [train()], on_wait=on_wait,
                             wait_s=wait_s, count=count, pinned=pinned)[0]


def compute_many_once(store: Store, configs: Sequence[Any],
                      train: Callable[[list[Any]], list[Any]], *,
                      on_wait: Callable[[dict | None], None] | None = None,
                      wait_s: float | None = None, count: bool = True,
                      pinned: bool = False) -> list[tuple[Any, bool]]:
    """`compute_once` for several configs trained together: (result, trained) for each
    config. `train(some of configs)` returns their results in order; it is called with
    every config whose lock this process took (those stored meanwhile are read), and
    again for the ones another process held, should its lock lapse before their result
    is stored. Waiting, `wait_s`, counting and storing are compute_once's."""
    deadline = None if wait_s is None else time.monotonic() + wait_s
    done: dict[Any, tuple[Any, bool]] = {}
    while True:
        mine: list[tuple[Any, TrainLock]] = []
        waiting: list[Any] = []
        for config in dict.fromkeys(configs):
            if config in done:
                continue
            found = store.get(config)
            if found is None:
                lock = store.lock(config)
                if not lock.acquire():
                    waiting.append(config)
                    continue
                found = store.get(config)           # stored just before we took the lock
                if found is None:
                    mine.append((config, lock))
                    continue
                lock.release()
            done[config] = (found, False)
        if mine:
            beats = [_Heartbeat(lock) for _, lock in mine]
            for beat in beats:
                beat.start()
            try:
                if count:
                    for config, _ in mine:
                        store.count_training(config)
                results = train([config for config, _ in mine])
                for (config, _), result in zip(mine, results, strict=True):
                    if storable(result):
                        store.put(config, result, pinned=pinned)   # before the lock is freed
                    done[config] = (result, True)
            finally:
                for beat, (_, lock) in zip(beats, mine):
                    beat.stop()
                    lock.release()
            continue
        if not waiting:
            return [done[config] for config in configs]
        if on_wait is not None:
            on_wait(store.progress(waiting[0]))
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"another process has been training this config for over "
                               f"{wait_s:.0f} s")
        time.sleep(base.WAIT_POLL_S)


def __getattr__(name: str) -> Any:
    if name == "RedisStore":            # imported only when asked for (needs redis)
        from .redis_store import RedisStore
        return RedisStore
    raise AttributeError(name)


__all__ = ["Store", "TrainLock", "MemoryStore", "DiskStore", "RedisStore", "open_store",
           "compute_once", "compute_many_once", "engine_version", "key_of", "key_text", "storable", "encode",
           "decode", "DamagedEntry", "MissingKey", "default_folder", "ENV", "KEY_ENV",
           "LOCK_TTL_S", "MAX_RESULT_BYTES"]
