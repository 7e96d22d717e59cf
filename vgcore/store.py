"""Finished results that outlive the process and are shared by every process using them:
the app's server processes (one laptop, a Community Cloud app that wakes from sleep, N
replicas behind a load balancer) and `python -m vgcore warm`.

    store = open_store()                 # $VGLAB_STORE: a folder, `memory`, or redis://…
    result, trained = compute_once(store, cfg, lambda: run_config(cfg))

`VGLAB_STORE` chooses the backend:

- unset, empty or `disk`: `diskcache` (SQLite + files) in `<vgcore cache>/results`
  (`$VGCORE_CACHE/results`, else `~/.cache/vgcore/results`), at most
  `$VGLAB_STORE_MB` (default 512) MB, least recently used evicted first; safe for
  several processes on one machine. Any other text is a folder for such a store.
- `memory`: this process only, the `MEMORY_ENTRIES` most recently used results.
- `redis://host:port/db` (or `rediss://`, `unix://`): one Redis for several machines.
  Its bound is Redis's own `maxmemory` with `maxmemory-policy allkeys-lru` (README,
  *Scaling out*); nothing here deletes results.

A key is the config's type and canonical JSON plus `engine_version()`, a hash of the
engine's source files and of torch's and numpy's versions: an upgrade never serves
numbers that older code computed. A value is the pickled result behind a magic tag and
its SHA-256: an entry that is damaged, half-written or from another program is a miss
(logged, deleted, recomputed), never shown; a damaged store file (a truncated or
overwritten SQLite database) is moved aside and the store rebuilt, with a warning.
Pickle runs code when loading, so a store must only be writable by the app (a folder of
its own, a Redis on a private network): the checksum catches damage, not an attacker.

Train once: `compute_once` takes the store's lock for a config before training it, so
that among all processes sharing the store at most one trains it; the others wait for
its result (reading the trainer's progress from the store). The lock lapses after
`LOCK_TTL_S` unless its holder's heartbeat refreshes it, so a crashed trainer cannot
block a config for longer than that. A result cut short by a time cap
(`result.stopped_at`) is returned but never stored: it depends on the machine's speed.

No streamlit here; backends are imported only when chosen.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import shutil
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger(__name__)

ENV = "VGLAB_STORE"
SIZE_ENV = "VGLAB_STORE_MB"
DISK_SIZE_MB = 512          # ~120 results of ~4 MB (most of a result: edges, histograms, units)
MEMORY_ENTRIES = 48         # the `memory` store: results kept, for all sessions together
LOCK_TTL_S = 30.0           # a trainer that stops refreshing its lock frees it after this
HEARTBEAT_S = LOCK_TTL_S / 3
PROGRESS_TTL_S = 60.0       # a trainer's shared progress note expires after this
WAIT_POLL_S = 0.5           # how often a process waiting for another one's run looks
REDIS_PREFIX = "vglab:"
MAGIC = b"VGLAB-RESULT-1\n"
_DIGEST = 32                # bytes of SHA-256
# vgcore files whose code cannot change a result: left out of the engine version.
_NOT_ENGINE = ("cli.py", "charts.py", "__main__.py")


# ---------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------
@cache
def engine_version() -> str:
    """12 hex digits that change whenever code that computes results changes: the engine's
    source files (vgcore/*.py but the CLI and the charts) and torch's and numpy's
    versions. Computed once per process."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        if path.name in _NOT_ENGINE:
            continue
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for package in ("torch", "numpy"):
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{package}={version}\0".encode())
    return h.hexdigest()[:12]


def key_text(config: Any) -> str:
    """What a key stands for: engine version, the config's type, its canonical JSON."""
    kind = f"{type(config).__module__}.{type(config).__qualname__}"
    body = json.dumps(config.to_dict(), sort_keys=True, separators=(",", ":"))
    return f"{engine_version()}|{kind}|{body}"


def key_of(config: Any) -> str:
    """The store key of a config: SHA-256 of `key_text`, hex."""
    return hashlib.sha256(key_text(config).encode()).hexdigest()


def storable(result: Any) -> bool:
    """A run cut short by a time cap depends on the machine's speed: never stored."""
    return result is not None and getattr(result, "stopped_at", None) is None


# ---------------------------------------------------------------------------------------
# Values: pickle behind a tag and a checksum
# ---------------------------------------------------------------------------------------
class DamagedEntry(Exception):
    """A stored value that cannot be trusted: treated as a miss."""


def encode(value: Any) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return MAGIC + hashlib.sha256(payload).digest() + payload


def decode(blob: Any, config: Any) -> Any:
    """The value `encode` wrote for `config`, or DamagedEntry (never another exception)."""
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise DamagedEntry(f"not bytes but {type(blob).__name__}")
    blob = bytes(blob)
    head = len(MAGIC) + _DIGEST
    if len(blob) < head or not blob.startswith(MAGIC):
        raise DamagedEntry(f"no header ({len(blob)} bytes)")
    payload = blob[head:]
    if hashlib.sha256(payload).digest() != blob[len(MAGIC):head]:
        raise DamagedEntry(f"checksum mismatch ({len(blob)} bytes)")
    try:
        value = pickle.loads(payload)
    except Exception as err:  # noqa: BLE001 -- anything unpickling raises is damage
        raise DamagedEntry(f"unpickling failed: {type(err).__name__}: {err}") from None
    if getattr(value, "config", config) != config:
        raise DamagedEntry("holds another config's result")
    return value


def _decoded(blob: Any, config: Any, where: str, drop: Callable[[], Any]) -> Any | None:
    """A backend's stored value for `config`: None when absent; when damaged, logged,
    deleted with `drop()` and None, so the caller recomputes it."""
    if blob is None:
        return None
    try:
        return decode(blob, config)
    except DamagedEntry as err:
        log.warning("vgcore.store: damaged entry %s ignored and deleted (%s); recomputing",
                    where, err)
        drop()
        return None


def _note(text: Any) -> dict | None:
    """A stored progress note (JSON text or bytes) as a dict; None if absent or garbled."""
    try:
        return json.loads(text) if text else None
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------
# The interface
# ---------------------------------------------------------------------------------------
class TrainLock:
    """"I am training this config": held by at most one process (or thread) at a time;
    lapses `LOCK_TTL_S` after the last acquire/refresh."""

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
    trainings counter per config. No method raises for a damaged entry or an unreachable
    backend: it logs a warning and answers as if the result were absent."""

    where: str = ""             # for people: what and where the store is

    def get(self, config: Any) -> Any | None:
        raise NotImplementedError

    def put(self, config: Any, value: Any) -> None:
        raise NotImplementedError

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
        """Forget every result (and counter) of this store."""
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def __contains__(self, config: Any) -> bool:
        return self.get(config) is not None


# ---------------------------------------------------------------------------------------
# memory: one process, bounded LRU of the objects themselves
# ---------------------------------------------------------------------------------------
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
            self.table[self.name] = (self.token, time.monotonic() + LOCK_TTL_S)
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
    """Thread-safe LRU of results in this process (no copy, no pickling)."""

    def __init__(self, max_entries: int = MEMORY_ENTRIES) -> None:
        self.max_entries = max_entries
        self.where = f"memory: this process, the {max_entries} most recently used results"
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._locks: dict[str, tuple[str, float]] = {}
        self._notes: dict[str, tuple[dict, float]] = {}
        self._counts: dict[str, int] = {}

    def get(self, config: Any) -> Any | None:
        key = key_of(config)
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def put(self, config: Any, value: Any) -> None:
        key = key_of(config)
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def lock(self, config: Any) -> TrainLock:
        return _LocalLock(self._locks, self._lock, key_of(config))

    def set_progress(self, config: Any, note: dict) -> None:
        with self._lock:
            self._notes[key_of(config)] = (dict(note), time.monotonic() + PROGRESS_TTL_S)

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
            self._counts.clear()
            self._notes.clear()

    def __len__(self) -> int:
        return len(self._data)


# ---------------------------------------------------------------------------------------
# disk: diskcache (SQLite + files), several processes on one machine
# ---------------------------------------------------------------------------------------
def default_folder() -> Path:
    """`<vgcore cache>/results`: $VGCORE_CACHE/results, else ~/.cache/vgcore/results."""
    from .data import cache_dir
    return cache_dir() / "results"


def _is_damage(err: BaseException) -> bool:
    """A damaged database file, as opposed to a busy one (which passes)."""
    if not isinstance(err, sqlite3.DatabaseError):
        return False
    text = str(err).lower()
    return not any(word in text for word in ("locked", "busy"))


class _DiskLock(TrainLock):
    def __init__(self, store: "DiskStore", name: str) -> None:
        self.store, self.name = store, name
        self.token = uuid.uuid4().hex

    def acquire(self) -> bool:
        def take(meta):
            return bool(meta.add(self.name, self.token, expire=LOCK_TTL_S, retry=True))
        return self.store._meta_op(take, default=True)   # store unusable: train anyway

    def refresh(self) -> bool:
        def extend(meta):
            with meta.transact(retry=True):
                if meta.get(self.name) != self.token:
                    return False
                meta.set(self.name, self.token, expire=LOCK_TTL_S)
                return True
        return self.store._meta_op(extend, default=False)

    def release(self) -> None:
        def free(meta):
            with meta.transact(retry=True):
                if meta.get(self.name) == self.token:
                    meta.delete(self.name)
        self.store._meta_op(free, default=None)


class DiskStore(Store):
    """Results in a `diskcache.Cache` (bounded, least recently used evicted first); locks,
    progress notes and counters in a second, unbounded one beside it (`meta/`), so that
    eviction never drops a lock."""

    def __init__(self, folder: str | Path | None = None, size_mb: float | None = None
                 ) -> None:
        self.folder = Path(folder).expanduser() if folder else default_folder()
        if size_mb is None:
            size_mb = float(os.environ.get(SIZE_ENV) or DISK_SIZE_MB)
        self.size_limit = int(size_mb * 2**20)
        self.where = f"disk: {self.folder} (at most {size_mb:g} MB)"
        self._guard = threading.RLock()
        self._results = self._meta = None
        self._open()

    # -- opening, and rebuilding a damaged store ----------------------------------------
    def _new_results_cache(self, diskcache: Any) -> Any:
        # diskcache evicts `cull_limit` entries at once whenever the store is over its
        # size (default 10: nearly all of a store of ~4 MB results); 2 at a time keeps it
        # near the limit and keeps the most recently used.
        return diskcache.Cache(str(self.folder), size_limit=self.size_limit,
                               eviction_policy="least-recently-used", cull_limit=2,
                               timeout=10)

    def _open(self) -> None:
        import diskcache
        try:
            self._results = self._new_results_cache(diskcache)
            self._meta = diskcache.Cache(str(self.folder / "meta"),
                                         eviction_policy="none", timeout=10)
        except sqlite3.DatabaseError as err:
            if not _is_damage(err):
                raise
            self._rebuild(err)

    def _rebuild(self, err: BaseException) -> None:
        """Move the damaged folder aside, delete it, start an empty store."""
        import diskcache
        with self._guard:
            log.warning("vgcore.store: the result store in %s is damaged (%s: %s); "
                        "rebuilding it empty, results will be recomputed",
                        self.folder, type(err).__name__, err)
            for cache_ in (self._results, self._meta):
                try:
                    if cache_ is not None:
                        cache_.close()
                except Exception:  # noqa: BLE001 -- closing a broken cache may fail too
                    pass
            aside = self.folder.with_name(f"{self.folder.name}.damaged-{os.getpid()}-"
                                          f"{uuid.uuid4().hex[:6]}")
            try:
                self.folder.rename(aside)
                shutil.rmtree(aside, ignore_errors=True)
            except OSError:
                shutil.rmtree(self.folder, ignore_errors=True)
            self._results = self._new_results_cache(diskcache)
            self._meta = diskcache.Cache(str(self.folder / "meta"),
                                         eviction_policy="none", timeout=10)

    def _op(self, which: str, fn: Callable[[Any], Any], default: Any) -> Any:
        """Run fn(cache); a damaged file -> rebuild and `default`; any other failure (a
        busy database past its timeout, a full disk) -> warning and `default`."""
        try:
            return fn(getattr(self, which))
        except Exception as err:  # noqa: BLE001 -- the store must never break a page
            if _is_damage(err):
                self._rebuild(err)
            else:
                log.warning("vgcore.store: %s store operation failed (%s: %s)", which,
                            type(err).__name__, err)
            return default

    def _meta_op(self, fn: Callable[[Any], Any], default: Any) -> Any:
        return self._op("_meta", fn, default)

    # -- the interface ------------------------------------------------------------------
    def get(self, config: Any) -> Any | None:
        key = key_of(config)
        return _decoded(self._op("_results", lambda c: c.get(key, retry=True), None),
                        config, f"{key[:12]}… in {self.folder}",
                        lambda: self._op("_results", lambda c: c.delete(key, retry=True),
                                         None))

    def put(self, config: Any, value: Any) -> None:
        key, blob = key_of(config), encode(value)
        self._op("_results", lambda c: c.set(key, blob, retry=True), None)

    def lock(self, config: Any) -> TrainLock:
        return _DiskLock(self, "lock:" + key_of(config))

    def set_progress(self, config: Any, note: dict) -> None:
        text = json.dumps(note)
        self._meta_op(lambda m: m.set("progress:" + key_of(config), text,
                                      expire=PROGRESS_TTL_S, retry=True), None)

    def progress(self, config: Any) -> dict | None:
        return _note(self._meta_op(lambda m: m.get("progress:" + key_of(config),
                                                   retry=True), None))

    def count_training(self, config: Any) -> int:
        return int(self._meta_op(lambda m: m.incr("trained:" + key_of(config), retry=True),
                                 0))

    def trainings(self, config: Any) -> int:
        return int(self._meta_op(lambda m: m.get("trained:" + key_of(config), 0,
                                                 retry=True), 0) or 0)

    def clear(self) -> None:
        self._op("_results", lambda c: c.clear(retry=True), None)
        self._meta_op(lambda m: m.clear(retry=True), None)

    def __len__(self) -> int:
        return int(self._op("_results", len, 0))


# ---------------------------------------------------------------------------------------
# redis: several machines
# ---------------------------------------------------------------------------------------
class _RedisLock(TrainLock):
    def __init__(self, store: "RedisStore", name: str) -> None:
        # thread_local=False: the heartbeat thread refreshes the lock its owner took
        self.lock = store.client.lock(name, timeout=LOCK_TTL_S, blocking=False,
                                      thread_local=False)

    def acquire(self) -> bool:
        import redis
        try:
            return bool(self.lock.acquire(blocking=False))
        except (redis.RedisError, OSError) as err:
            log.warning("vgcore.store: Redis lock unavailable (%s); training anyway", err)
            return True

    def refresh(self) -> bool:
        import redis
        try:
            return bool(self.lock.reacquire())
        except (redis.RedisError, OSError):
            return False

    def release(self) -> None:
        import redis
        try:
            self.lock.release()
        except (redis.RedisError, OSError):
            pass        # lapsed, or Redis gone: nothing to free


class RedisStore(Store):
    """Results in Redis under `vglab:result:<key>`; locks, notes and counters beside them.
    The memory bound and eviction are Redis's (`maxmemory`, `allkeys-lru`)."""

    def __init__(self, url: str) -> None:
        import redis
        self.url = url
        self.client = redis.Redis.from_url(url, socket_connect_timeout=3,
                                           socket_timeout=30, health_check_interval=30)
        self.where = f"redis: {redis.connection.parse_url(url).get('host', url)} ({url})"

    def _call(self, what: str, fn: Callable[[], Any], default: Any) -> Any:
        import redis
        try:
            return fn()
        except (redis.RedisError, OSError) as err:
            log.warning("vgcore.store: Redis %s failed (%s: %s)", what,
                        type(err).__name__, err)
            return default

    def _name(self, kind: str, config: Any) -> str:
        return f"{REDIS_PREFIX}{kind}:{key_of(config)}"

    def get(self, config: Any) -> Any | None:
        name = self._name("result", config)
        return _decoded(self._call("GET", lambda: self.client.get(name), None), config,
                        name[:30], lambda: self._call("DEL", lambda: self.client.delete(name),
                                                      None))

    def put(self, config: Any, value: Any) -> None:
        name, blob = self._name("result", config), encode(value)
        self._call("SET", lambda: self.client.set(name, blob), None)

    def lock(self, config: Any) -> TrainLock:
        return _RedisLock(self, self._name("lock", config))

    def set_progress(self, config: Any, note: dict) -> None:
        name = self._name("progress", config)
        self._call("SET", lambda: self.client.set(name, json.dumps(note),
                                                  px=int(PROGRESS_TTL_S * 1000)), None)

    def progress(self, config: Any) -> dict | None:
        return _note(self._call("GET", lambda: self.client.get(
            self._name("progress", config)), None))

    def count_training(self, config: Any) -> int:
        return int(self._call("INCR", lambda: self.client.incr(
            self._name("trained", config)), 0))

    def trainings(self, config: Any) -> int:
        return int(self._call("GET", lambda: self.client.get(
            self._name("trained", config)), 0) or 0)

    def _keys(self, pattern: str) -> list[bytes]:
        return list(self.client.scan_iter(match=f"{REDIS_PREFIX}{pattern}", count=500))

    def clear(self) -> None:
        def drop():
            for kind in ("result:*", "trained:*", "progress:*"):
                names = self._keys(kind)
                for i in range(0, len(names), 500):
                    self.client.delete(*names[i:i + 500])
        self._call("clear", drop, None)

    def __len__(self) -> int:
        return len(self._call("SCAN", lambda: self._keys("result:*"), []))


# ---------------------------------------------------------------------------------------
# Choosing one, and training once
# ---------------------------------------------------------------------------------------
def open_store(spec: str | None = None) -> Store:
    """The store `spec` (default: $VGLAB_STORE) names. A disk store that cannot be made
    (a read-only home) falls back to memory with a warning."""
    spec = (os.environ.get(ENV, "") if spec is None else spec).strip()
    if spec == "memory":
        return MemoryStore()
    if spec.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(spec)
    folder = None if spec in ("", "disk") else spec
    try:
        return DiskStore(folder)
    except Exception as err:  # noqa: BLE001 -- e.g. PermissionError, a file in the way
        log.warning("vgcore.store: cannot use a disk store in %s (%s: %s); keeping "
                    "results in memory instead", folder or default_folder(),
                    type(err).__name__, err)
        return MemoryStore()


class _Heartbeat(threading.Thread):
    """Refreshes a held lock every HEARTBEAT_S until stopped, so a long run keeps it and a
    crashed process (whose heartbeat died with it) loses it within LOCK_TTL_S."""

    def __init__(self, lock: TrainLock) -> None:
        super().__init__(daemon=True, name="vgcore-store-heartbeat")
        self.lock, self._halt = lock, threading.Event()

    def run(self) -> None:
        while not self._halt.wait(HEARTBEAT_S):
            if not self.lock.refresh():
                log.warning("vgcore.store: lost the training lock (it lapsed)")
                return

    def stop(self) -> None:
        self._halt.set()


def compute_once(store: Store, config: Any, train: Callable[[], Any], *,
                 on_wait: Callable[[dict | None], None] | None = None,
                 wait_s: float | None = None, count: bool = True) -> tuple[Any, bool]:
    """(result, trained): the stored result of `config`, or `train()`'s, trained by at
    most one process sharing `store` at a time. While another process holds the lock,
    wait for its result (or for its lock to lapse, then try to take it), calling
    `on_wait(that process's progress note)` every WAIT_POLL_S; `on_wait` may raise to
    stop waiting, and after `wait_s` seconds this raises TimeoutError. The result is
    stored unless it was cut short (`storable`). With `count`, the training is counted
    (`store.count_training`) just before `train()` starts; a caller whose `train` first
    waits for something (the app's training slots) passes False and counts it itself
    when the run really starts."""
    deadline = None if wait_s is None else time.monotonic() + wait_s
    while True:
        found = store.get(config)
        if found is not None:
            return found, False
        lock = store.lock(config)
        if lock.acquire():
            beat = _Heartbeat(lock)
            beat.start()
            try:
                found = store.get(config)       # stored just before we took the lock
                if found is not None:
                    return found, False
                if count:
                    store.count_training(config)
                result = train()
                if storable(result):
                    store.put(config, result)   # before the lock is freed: no gap
                return result, True
            finally:
                beat.stop()
                lock.release()
        if on_wait is not None:
            on_wait(store.progress(config))
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"another process has been training this config for over "
                               f"{wait_s:.0f} s")
        time.sleep(WAIT_POLL_S)


__all__ = ["Store", "TrainLock", "MemoryStore", "DiskStore", "RedisStore", "open_store",
           "compute_once", "engine_version", "key_of", "key_text", "storable", "encode",
           "decode", "DamagedEntry", "default_folder", "ENV", "LOCK_TTL_S"]
