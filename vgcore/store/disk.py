"""The disk store: diskcache (SQLite + files) in one folder, shared by the processes of
one machine.

    <folder>/lru/      visitors' results, at most VGLAB_STORE_MB, least recently used out
    <folder>/pinned/   `vgcore warm`'s results: never evicted by visitors' runs
    <folder>/meta/     train-once locks, progress notes, training counters

Only a database SQLite itself calls corrupt is damage: that area is moved aside (kept,
for its owner to inspect or delete) and started empty. A full disk, a read-only folder,
a process out of file descriptors or an I/O error damage nothing: reads carry on (straight
from SQLite, read-only, when diskcache cannot), writes are skipped with one warning and
tried again RETRY_AFTER_S later, and a write that fails half-way removes its value file.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from . import base
from .base import Backoff, DamagedEntry, Store, TrainLock, log, note_of
from .codec import decoded, key_file_secret, key_from_env, storable_bytes
from .keys import key_of
from .safe_disk import SafeDisk

SIZE_ENV = "VGLAB_STORE_MB"
DISK_SIZE_MB = 512          # ~120 results of ~4 MB (most of a result: edges, histograms,
#                             units); the pinned area comes on top (~30 MB for `warm`)
DB_TIMEOUT_S = 5.0          # SQLite's busy wait: a request waits at most this for a writer
AREAS = ("lru", "pinned", "meta")
# Words of SQLite's own messages for a database that is not one (SQLITE_CORRUPT,
# SQLITE_NOTADB): the only failures that make an area "damaged".
_CORRUPT = ("malformed", "not a database", "encrypted")


def default_folder() -> Path:
    """`<vgcore cache>/results`: $VGCORE_CACHE/results, else ~/.cache/vgcore/results."""
    from ..data import cache_dir
    return cache_dir() / "results"


def default_secret() -> bytes:
    """VGLAB_STORE_KEY, else this user's key file beside the vgcore cache (made once)."""
    from ..data import cache_dir
    return key_from_env() or key_file_secret(cache_dir() / "store.key")


def _json_or_none(text: Any) -> Any:
    """A meta entry's JSON text as data (None when it is not JSON text)."""
    try:
        return json.loads(text) if isinstance(text, str) and len(text) < 2**20 else None
    except ValueError:
        return None


def is_corrupt(err: BaseException) -> bool:
    """A database that SQLite says is not a (sound) database; not a full, busy, locked,
    read-only or unopenable one."""
    return isinstance(err, sqlite3.DatabaseError) and \
        any(word in str(err).lower() for word in _CORRUPT)


def _select(db: Path, key: str) -> tuple | None:
    """(mode, filename, value) of `key`'s row, read with a read-only SQLite connection
    (immutable when even that cannot open: a read-only folder without its -shm file)."""
    last: BaseException | None = None
    for flags in ("mode=ro", "immutable=1"):
        try:
            con = sqlite3.connect(f"{db.as_uri()}?{flags}", uri=True, timeout=DB_TIMEOUT_S)
        except sqlite3.Error as err:
            last = err
            continue
        try:
            return con.execute("SELECT mode, filename, value FROM Cache WHERE key = ? AND "
                               "raw = 1 AND (expire_time IS NULL OR expire_time > ?)",
                               (key, time.time())).fetchone()
        except sqlite3.Error as err:
            last = err
        finally:
            con.close()
    raise last if last is not None else sqlite3.OperationalError("cannot read")


class _DiskLock(TrainLock):
    def __init__(self, store: "DiskStore", name: str) -> None:
        self.store, self.name = store, name
        self.token = uuid.uuid4().hex

    def acquire(self) -> bool:
        def take(meta):
            with meta.transact():
                if meta.add(self.name, self.token, expire=base.LOCK_TTL_S):
                    return True
                # A lock that would outlive any real holder (no expiry, or one further
                # off than a lease) was not written by a trainer: take it over.
                _, expires = meta.get(self.name, expire_time=True)
                if expires is not None and expires <= time.time() + base.LOCK_TTL_S + 1:
                    return False
                meta.set(self.name, self.token, expire=base.LOCK_TTL_S)
                return True
        return self.store._meta_op(take, default=True)   # no meta: train anyway

    def refresh(self) -> bool:
        def extend(meta):
            with meta.transact():
                if meta.get(self.name) != self.token:
                    return False
                meta.set(self.name, self.token, expire=base.LOCK_TTL_S)
                return True
        return self.store._meta_op(extend, default=False)

    def release(self) -> None:
        def free(meta):
            with meta.transact():
                if meta.get(self.name) == self.token:
                    meta.delete(self.name)
        self.store._meta_op(free, default=None)


class DiskStore(Store):
    """Results in `diskcache.Cache`s with `SafeDisk`, signed with `secret` (default:
    `default_secret()`)."""

    def __init__(self, folder: str | Path | None = None, size_mb: float | None = None,
                 secret: bytes | None = None) -> None:
        self.folder = Path(folder).expanduser() if folder else default_folder()
        if size_mb is None:
            size_mb = float(os.environ.get(SIZE_ENV) or DISK_SIZE_MB)
        self.size_limit = int(size_mb * 2**20)
        self.secret = secret if secret is not None else default_secret()
        self.where = f"disk: {self.folder} (at most {size_mb:g} MB, warmed results apart)"
        self._guard = threading.RLock()
        self._caches: dict[str, Any] = dict.fromkeys(AREAS)
        self._writes = Backoff(f"disk store in {self.folder}:")
        self._meta_failures = Backoff(f"disk store's locks and notes in {self.folder}:")
        self.folder.mkdir(parents=True, exist_ok=True)   # cannot: open_store uses memory
        for area in AREAS:
            self._open(area)
        if (self.folder / "cache.db").exists():
            log.warning("vgcore.store: %s holds a store of an older format, no longer "
                        "read; delete %s/cache.db and its value folders to free the space",
                        self.folder, self.folder)

    # -- areas ----------------------------------------------------------------------------
    def _dir(self, area: str) -> Path:
        return self.folder / area

    def _open(self, area: str) -> Any | None:
        """Open an area's cache; None (reads go straight to SQLite) when the folder cannot
        be written; a corrupt database is moved aside first."""
        import diskcache
        options = {"size_limit": self.size_limit, "eviction_policy": "least-recently-used",
                   # evict 2 at a time (default 10: nearly all of a store of ~4 MB
                   # results): it stays near its limit and keeps the most recently used
                   "cull_limit": 2} if area == "lru" else {"eviction_policy": "none"}
        with self._guard:
            for attempt in range(2):
                try:
                    self._caches[area] = diskcache.Cache(
                        str(self._dir(area)), disk=SafeDisk, timeout=DB_TIMEOUT_S,
                        **options)
                    return self._caches[area]
                except Exception as err:  # noqa: BLE001 -- sqlite3 or OSError alike
                    if is_corrupt(err) and attempt == 0 and self._move_aside(area, err):
                        continue
                    self._caches[area] = None
                    # reads go on from SQLite; writes wait RETRY_AFTER_S (one warning)
                    self._writes.failed(f"opening its {area} area for writing", err)
                    return None
        return None

    def _move_aside(self, area: str, err: BaseException) -> bool:
        """Rename a corrupt area's folder to `<area>.damaged-<time>-<pid>` (kept, never
        deleted here); True if moved."""
        with self._guard:
            cache = self._caches.get(area)
            if cache is not None:
                try:
                    cache.close()
                except Exception:  # noqa: BLE001 -- closing a broken cache may fail too
                    pass
            self._caches[area] = None
            aside = self.folder / f"{area}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-" \
                                  f"{os.getpid()}"
            try:
                self._dir(area).rename(aside)
            except OSError as move_err:
                log.warning("vgcore.store: the %s area of %s is damaged (%s) and cannot "
                            "be moved aside (%s); not using it", area, self.folder, err,
                            move_err)
                return False
            log.warning("vgcore.store: the %s area of %s is damaged (%s: %s); moved "
                        "aside to %s and started empty: its results will be recomputed",
                        area, self.folder, type(err).__name__, err, aside)
            return True

    def _cache(self, area: str) -> Any | None:
        cache = self._caches[area]
        if cache is None and not self._writes.paused():
            cache = self._open(area)
        return cache

    # -- reading ------------------------------------------------------------------------
    def _fetch(self, area: str, key: str) -> Any:
        """The stored bytes of `key` in `area`, or None; DamagedEntry for a refused row."""
        cache = self._caches[area]
        if cache is not None:
            try:
                return cache.get(key)
            except DamagedEntry:
                raise
            except Exception as err:  # noqa: BLE001 -- fall back to a read-only read
                if is_corrupt(err):
                    self._move_aside(area, err)
                    self._open(area)
                    return None
        db = self._dir(area) / "cache.db"
        if not db.exists():
            return None
        try:
            row = _select(db, key)
        except sqlite3.Error as err:
            log.warning("vgcore.store: cannot read %s (%s: %s)", db, type(err).__name__,
                        err)
            return None
        if row is None:
            return None
        try:
            return SafeDisk(str(self._dir(area))).fetch(*row, False)
        except OSError:
            return None

    def _drop(self, area: str, key: str) -> None:
        cache = self._caches[area]
        if cache is not None:
            try:
                cache.delete(key)
            except Exception as err:  # noqa: BLE001 -- a full or read-only disk
                log.warning("vgcore.store: could not delete a bad entry (%s)", err)

    def get(self, config: Any) -> Any | None:
        from ..runs import result_type
        key = key_of(config)
        for area in ("pinned", "lru"):
            where = f"{key[:12]}… in {self._dir(area)}"
            try:
                blob = self._fetch(area, key)
            except DamagedEntry as err:
                log.warning("vgcore.store: damaged entry %s ignored and deleted (%s); "
                            "recomputing", where, err)
                self._drop(area, key)
                continue
            value = decoded(blob, config, result_type(config), self.secret, key,
                            where, lambda area=area: self._drop(area, key))
            if value is not None:
                return value
        return None

    def pinned(self, config: Any) -> bool:
        cache = self._caches["pinned"]
        try:
            return cache is not None and key_of(config) in cache
        except Exception:  # noqa: BLE001 -- unreadable: as if absent
            return False

    # -- writing ------------------------------------------------------------------------
    def put(self, config: Any, value: Any, *, pinned: bool = False) -> None:
        area = "pinned" if pinned else "lru"
        if self._writes.paused():
            return
        cache = self._cache(area)
        if cache is None:
            return
        key = key_of(config)
        blob = storable_bytes(value, self.secret, key)
        if blob is None:
            return
        disk = cache.disk
        disk.forget_written()
        try:
            cache.set(key, blob)
            if pinned:
                self._drop("lru", key)
            self._note_room(config)
        except Exception as err:  # noqa: BLE001 -- never breaks a page
            for name in disk.written():     # the value file of a write that failed
                disk.remove(name)
            if is_corrupt(err):
                self._move_aside(area, err)
                self._open(area)
            else:
                self._writes.failed("write", err)
        finally:
            disk.forget_written()

    # -- locks, notes, counters ---------------------------------------------------------
    def _meta_op(self, fn: Callable[[Any], Any], default: Any) -> Any:
        if self._meta_failures.paused():
            return default
        meta = self._cache("meta")      # reopened once writes may be tried again
        if meta is None:
            return default
        try:
            return fn(meta)
        except Exception as err:  # noqa: BLE001 -- the store must never break a page
            if is_corrupt(err):
                self._move_aside("meta", err)
                self._open("meta")
            else:
                self._meta_failures.failed("lock or note", err)
            return default

    def _note_room(self, config: Any) -> None:
        """List the stored run under its experiment (`base.room_of`) for a room view."""
        room = base.room_of(config)
        if room is None:
            return
        name = "room:" + key_of(room)

        def add(meta: Any) -> None:
            with meta.transact():
                runs = base.seed_runs(_json_or_none(meta.get(name)))
                meta.set(name, json.dumps(base.seed_runs(
                    [*runs, (config.seed, config.n_seeds)])))
        self._meta_op(add, None)

    def runs_of_room(self, config: Any) -> list[tuple[int, int]]:
        room = base.room_of(config)
        if room is None:
            return []
        return base.seed_runs(_json_or_none(self._meta_op(
            lambda m: m.get("room:" + key_of(room)), None)))

    def lock(self, config: Any) -> TrainLock:
        return _DiskLock(self, "lock:" + key_of(config))

    def set_progress(self, config: Any, note: dict) -> None:
        text = json.dumps(note)
        self._meta_op(lambda m: m.set("progress:" + key_of(config), text,
                                      expire=base.PROGRESS_TTL_S), None)

    def progress(self, config: Any) -> dict | None:
        return note_of(self._meta_op(lambda m: m.get("progress:" + key_of(config)), None))

    def count_training(self, config: Any) -> int:
        return int(self._meta_op(lambda m: m.incr("trained:" + key_of(config)), 0))

    def trainings(self, config: Any) -> int:
        count = self._meta_op(lambda m: m.get("trained:" + key_of(config), 0), 0)
        return count if isinstance(count, int) else 0

    def clear(self) -> None:
        for area in AREAS:
            cache = self._caches[area]
            if cache is not None:
                try:
                    cache.clear()
                except Exception as err:  # noqa: BLE001
                    log.warning("vgcore.store: could not clear %s (%s)", area, err)

    def __len__(self) -> int:
        total = 0
        for area in ("lru", "pinned"):
            cache = self._caches[area]
            try:
                total += len(cache) if cache is not None else 0
            except Exception:  # noqa: BLE001 -- unreadable: counts as empty
                pass
        return total

