"""vgcore.store against an outsider: whoever can write the store's folder or reach its
Redis, and a machine that runs out of disk, file descriptors or patience.

Every test reads as a rule the store keeps:
- a stored entry is data, never code: a pickle planted anywhere is never unpickled (a
  payload that would create a marker file proves it: the marker never appears);
- an entry the store did not sign with its secret, for this very key, is never served;
- a value file is read and deleted only inside the store's folder;
- a full, read-only or fd-starved disk loses nothing and raises nothing;
- a hung Redis costs one request a bounded wait, then is skipped;
- visitors' runs never push out `vgcore warm`'s results.

Servers and mounts are started and stopped by the tests, on loopback, with bounded
waits. Mounting a tmpfs needs root (CI runs as root; a developer without it skips those
tests, CI fails them: tests/needs.py).
"""
from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import json
import logging
import os
import pathlib
import pickle
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.needs import unavailable
from tests.servers import redis_server
from vgcore import ExperimentConfig
from vgcore import store as st_mod
from vgcore.store import (DiskStore, MissingKey, RedisStore, compute_once, encode,
                          engine_version, key_of, key_text)
from vgcore.store import base, codec

ROOT = Path(__file__).resolve().parents[1]
SECRET = b"hostile tests' store secret, 32c"
WRONG_SECRET = b"a guessed secret, not the store's"
OLD_MAGIC = b"VGLAB-RESULT-1\n"          # what the previous store wrote before a pickle
MODE_BINARY, MODE_PICKLE = 2, 4                # diskcache's row modes


# ---------------------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _store_key(monkeypatch):
    monkeypatch.setenv("VGLAB_STORE_KEY", SECRET.decode())


@pytest.fixture(scope="module")
def cfg():
    return ExperimentConfig(dataset="xor", train_size=64, test_size=32, hidden=(6, 6),
                            activations=("sigmoid", "relu"), epochs=2, batch_size=16)


@pytest.fixture(scope="module")
def result(cfg):
    from vgcore import run
    return run(cfg)


class _Touch:
    """Unpickling this creates `path`: the proof that a pickle was loaded."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __reduce__(self):
        return (pathlib.Path.touch, (self.path,))


@pytest.fixture
def marker(tmp_path):
    return tmp_path / "CODE-RAN"


@pytest.fixture
def evil(marker):
    """A pickle that creates `marker` when loaded."""
    return pickle.dumps(_Touch(marker))


def test_the_payload_is_live(tmp_path):
    """The control: the payload used below really runs code when unpickled, so its
    marker's absence in the other tests means something."""
    proof = tmp_path / "proof"
    pickle.loads(pickle.dumps(_Touch(proof)))
    assert proof.exists()


def _as(result, **changes):
    """`result` filed under another config."""
    return dataclasses.replace(result, config=result.config.replace(**changes))


def _same(a, b) -> bool:
    return a is not None and b is not None and a.config == b.config \
        and a.history.equals(b.history) and a.layers.equals(b.layers) \
        and a.summary.equals(b.summary) and a.elapsed_s == b.elapsed_s


def _blob(result) -> bytes:
    """`result` as this store writes it under its own key."""
    return encode(result, SECRET, key_of(result.config))


def _old_blob(payload: bytes) -> bytes:
    """An entry as the previous store wrote it: tag, SHA-256 of the pickle, pickle."""
    return OLD_MAGIC + hashlib.sha256(payload).digest() + payload


def _db(folder: Path, area: str = "lru") -> Path:
    return folder / area / "cache.db"


def _forge_row(folder: Path, key, *, area: str = "lru", raw: int = 1, mode: int,
               filename: str | None = None, value=None) -> None:
    """Write a row into an area's SQLite database directly, as anyone who can write the
    folder can (the store is open meanwhile: WAL lets both in)."""
    now = time.time()
    with contextlib.closing(sqlite3.connect(_db(folder, area), timeout=10)) as con:
        with con:
            con.execute("DELETE FROM Cache WHERE key = ? AND raw = ?", (key, raw))
            con.execute("INSERT INTO Cache(key, raw, store_time, expire_time, access_time,"
                        " access_count, tag, size, mode, filename, value) VALUES "
                        "(?, ?, ?, NULL, ?, 0, NULL, ?, ?, ?, ?)",
                        (key, raw, now, now, len(value or b""), mode, filename, value))


def _rows(folder: Path, key, area: str = "lru", raw: int = 1) -> int:
    with contextlib.closing(sqlite3.connect(_db(folder, area), timeout=10)) as con:
        return con.execute("SELECT COUNT(*) FROM Cache WHERE key = ? AND raw = ?",
                           (key, raw)).fetchone()[0]


def _value_files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*.val")}


def _close(store: DiskStore) -> None:
    """Close this thread's SQLite connections of every area (before an unmount)."""
    for cache in store._caches.values():
        if cache is not None:
            cache.close()


def _store_logs(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records
            if r.name == "vgcore.store" and r.levelno >= logging.WARNING]


def _small_cap(monkeypatch, cap: int) -> None:
    """MAX_RESULT_BYTES, which every store module reads from vgcore.store.base."""
    monkeypatch.setattr(base, "MAX_RESULT_BYTES", cap)


# -- servers and mounts, started and stopped here ----------------------------------------
@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as (url, _):
        yield url


@pytest.fixture
def redis_store(redis_url):
    store = RedisStore(redis_url)
    store.client.flushdb()
    yield store
    store.client.flushdb()
    store.client.close()


def _run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=20)


@contextlib.contextmanager
def _tmpfs(where: Path, size: str):
    """A tmpfs of `size` mounted on `where` for the test's duration, always unmounted."""
    if os.geteuid() != 0:
        unavailable("disk-failure tests", "mounting a tmpfs needs root")
    if shutil.which("mount") is None or shutil.which("umount") is None:
        unavailable("disk-failure tests", "mount/umount not found")
    where.mkdir(parents=True, exist_ok=True)
    done = _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                str(where))
    if done.returncode != 0:
        unavailable("disk-failure tests", f"cannot mount a tmpfs: {done.stderr.strip()}")
    try:
        yield where
    finally:
        if _run("umount", str(where)).returncode != 0:
            _run("umount", "-l", str(where))


def _fill(path: Path) -> None:
    """Write `path` until the file system has not one byte left (ENOSPC)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for chunk in (1 << 20, 1 << 16, 1 << 12, 1):
            data = b"\0" * chunk
            while True:
                try:
                    if os.write(fd, data) == 0:
                        break
                except OSError as err:
                    assert err.errno == errno.ENOSPC, err
                    break
    finally:
        os.close(fd)


def _tree(folder: Path) -> dict[str, bytes]:
    """Every value file and database under `folder` (path -> content): what must survive."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and (p.suffix == ".val" or p.name == "cache.db")}


# ---------------------------------------------------------------------------------------
# 1. Forged SQLite rows on disk
# ---------------------------------------------------------------------------------------
def test_control_a_genuine_row_written_the_same_way_is_served(tmp_path, result):
    """The control for the forgeries below: a row planted with sqlite3 the same way, but
    holding a genuine signed entry, is read — so the forged ones are refused for what
    they hold, not for where they were put."""
    folder = tmp_path / "store"
    store = DiskStore(folder)
    key = key_of(result.config)
    (folder / "lru" / "ok.val").write_bytes(_blob(result))
    _forge_row(folder, key, mode=MODE_BINARY, filename="ok.val")
    assert _same(store.get(result.config), result)


@pytest.mark.parametrize("area", ["lru", "pinned"])
@pytest.mark.parametrize("where", ["inline", "value file"])
def test_pickled_row_is_never_unpickled_and_is_deleted(tmp_path, result, marker, evil,
                                                       area, where, caplog):
    """Threat: diskcache unpickles a row in mode 4 (CVE-2025-69872). A row forged for the
    config's very key, its pickle inline or in a value file, must be a logged miss that
    runs no code, and the row must be gone afterwards."""
    folder = tmp_path / "store"
    store = DiskStore(folder)
    key = key_of(result.config)
    if where == "inline":
        _forge_row(folder, key, area=area, mode=MODE_PICKLE, value=evil)
    else:
        (folder / area / "ab").mkdir()
        (folder / area / "ab" / "evil.val").write_bytes(evil)
        _forge_row(folder, key, area=area, mode=MODE_PICKLE, filename="ab/evil.val")
    with caplog.at_level("WARNING"):
        assert store.get(result.config) is None
        assert not store.pinned(result.config)
    assert not marker.exists()
    assert "damaged entry" in caplog.text
    assert _rows(folder, key, area) == 0
    got, trained = compute_once(store, result.config, lambda: result)
    assert trained and not marker.exists()
    assert _same(store.get(result.config), result)


def test_pickled_key_never_runs_code(tmp_path, result, marker, evil):
    """Threat: diskcache unpickles a row's key when raw=0. A row whose key is a pickle
    (its value one too, its file name outside the folder) runs nothing through get, len,
    pinned or clear, and clear deletes nothing outside the folder."""
    folder = tmp_path / "store"
    store = DiskStore(folder)
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    for area in ("lru", "pinned"):
        _forge_row(folder, evil, area=area, raw=0, mode=MODE_PICKLE, value=evil)
        _forge_row(folder, pickle.dumps(_Touch(marker), protocol=2), area=area, raw=0,
                   mode=MODE_BINARY, filename=str(outside))
    assert store.get(result.config) is None
    assert len(store) == 4              # counted (SQLite triggers), never loaded
    assert not store.pinned(result.config)
    store.put(result.config, result)
    assert _same(store.get(result.config), result)
    store.clear()
    assert not marker.exists()
    assert outside.read_text() == "keep me"
    for area in ("lru", "pinned"):
        assert _rows(folder, evil, area, raw=0) == 0
    assert len(store) == 0


@pytest.mark.parametrize("name", ["progress", "trained", "lock"])
def test_pickled_rows_in_the_meta_area_never_run_code(tmp_path, result, marker, evil,
                                                      name):
    """Threat: the locks, progress notes and counters live in diskcache too. Pickled
    rows planted there are never loaded: the note is absent, the count zero, the lock
    call answers, no exception."""
    folder = tmp_path / "store"
    store = DiskStore(folder)
    _forge_row(folder, f"{name}:{key_of(result.config)}", area="meta", mode=MODE_PICKLE,
               value=evil)
    assert store.progress(result.config) is None
    assert store.trainings(result.config) == 0
    lock = store.lock(result.config)
    lock.acquire()
    lock.refresh()
    lock.release()
    assert not marker.exists()


def _outside_names(tmp_path: Path, folder: Path) -> dict[str, Path]:
    """Value file names that point outside the area, each with the file it reaches."""
    secret = tmp_path / "outside" / "secret.val"
    secret.parent.mkdir(exist_ok=True)
    secret.write_bytes(b"not the store's")
    link_dir = folder / "lru" / "zz"
    link_dir.mkdir(exist_ok=True)
    (link_dir / "link.val").symlink_to(secret)
    (link_dir / "dirlink").symlink_to(secret.parent, target_is_directory=True)
    return {"../../outside/secret.val": secret, str(secret): secret,
            "zz/link.val": secret, "zz/dirlink/secret.val": secret,
            "../pinned/../../outside/secret.val": secret}


@pytest.mark.parametrize("which", range(5), ids=["dot-dot", "absolute", "symlink-to-file",
                                                  "symlink-to-folder", "via-another-area"])
def test_value_file_outside_the_folder_is_never_read_nor_deleted(tmp_path, result, which,
                                                                 caplog):
    """Threat: a row's file name is whatever its writer put there: `../../x`, an
    absolute path, a symlink inside the folder to a file (or folder) outside. Such a
    file is never read, and neither get's cleanup, delete-on-put nor clear deletes it."""
    folder = tmp_path / "store"
    store = DiskStore(folder)
    key = key_of(result.config)
    name, target = list(_outside_names(tmp_path, folder).items())[which]
    # the outside file holds a genuine, signed entry: had it been read, it would be served
    target.write_bytes(_blob(result))
    _forge_row(folder, key, mode=MODE_BINARY, filename=name)
    with caplog.at_level("WARNING"):
        assert store.get(result.config) is None
    assert "outside the store" in caplog.text or "bad value file name" in caplog.text
    assert target.read_bytes() == _blob(result)
    _forge_row(folder, key, mode=MODE_BINARY, filename=name)
    store.put(result.config, result)              # replaces the row: old file cleaned up
    assert target.exists()
    _forge_row(folder, "another key", mode=MODE_BINARY, filename=name)
    store.clear()
    assert target.read_bytes() == _blob(result)


def test_a_fifo_as_value_file_does_not_hang_the_reader(tmp_path, result):
    """Threat: a FIFO planted as a value file blocks an `open()` for reading until a
    writer comes: the request thread must not hang on it."""
    folder = tmp_path / "store"
    store = DiskStore(folder)
    os.mkfifo(folder / "lru" / "pipe.val")
    _forge_row(folder, key_of(result.config), mode=MODE_BINARY, filename="pipe.val")
    out: list = []
    reader = threading.Thread(target=lambda: out.append(store.get(result.config)),
                              daemon=True)
    started = time.monotonic()
    reader.start()
    reader.join(5)
    if reader.is_alive():       # free the hung thread, then fail
        with contextlib.suppress(OSError):
            fd = os.open(folder / "lru" / "pipe.val", os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
        pytest.fail("get() hung on a FIFO value file")
    assert out == [None] and time.monotonic() - started < 2


def test_a_huge_value_file_is_not_read(tmp_path, result):
    """Threat: a value file far bigger than any result (a sparse file of GBs would
    exhaust memory) is refused on its size, without being read."""
    folder = tmp_path / "store"
    store = DiskStore(folder)
    with open(folder / "lru" / "big.val", "wb") as big:
        big.truncate(st_mod.MAX_RESULT_BYTES + 1)
    _forge_row(folder, key_of(result.config), mode=MODE_BINARY, filename="big.val")
    assert store.get(result.config) is None


# ---------------------------------------------------------------------------------------
# 2. The previous store's format: a pickle behind a checksum
# ---------------------------------------------------------------------------------------
def test_old_format_entry_on_disk_is_never_unpickled(tmp_path, result, marker, evil,
                                                     caplog):
    """Threat: an entry in the previous format (tag + SHA-256 + pickle, which anyone can
    compute) under the config's key must not be loaded: it is a miss, recomputed."""
    folder = tmp_path / "store"
    store = DiskStore(folder)
    key = key_of(result.config)
    for area in ("lru", "pinned"):
        store._caches[area].set(key, _old_blob(evil))
    with caplog.at_level("WARNING"):
        got, trained = compute_once(store, result.config, lambda: result)
    assert trained and got is result and not marker.exists()
    assert "damaged entry" in caplog.text
    assert _same(store.get(result.config), result)


def test_old_format_store_beside_the_new_one_is_left_unread(tmp_path, result, marker,
                                                            evil, caplog):
    """The previous store kept its rows in <folder>/cache.db (diskcache's own Disk). A
    new store on that folder says so, reads none of it, and runs no code."""
    import diskcache
    folder = tmp_path / "store"
    old = diskcache.Cache(str(folder))
    old.set(key_of(result.config), _old_blob(evil))
    old.set("pickled", _Touch(marker))         # diskcache pickles it (mode 4)
    old.close()
    with caplog.at_level("WARNING"):
        store = DiskStore(folder)
        assert store.get(result.config) is None
    assert "older format" in caplog.text
    assert not marker.exists()


def test_old_format_entry_in_redis_is_never_unpickled(redis_store, result, marker, evil):
    """The same on Redis: the previous store's entry under vglab:result:<key> is a miss,
    recomputed, never loaded."""
    key = key_of(result.config)
    redis_store.client.set(f"vglab:result:{key}", _old_blob(evil))
    redis_store.client.set(f"vglab:pinned:{key}", _old_blob(evil))
    got, trained = compute_once(redis_store, result.config, lambda: result)
    assert trained and got is result and not marker.exists()
    assert _same(redis_store.get(result.config), result)


# ---------------------------------------------------------------------------------------
# 3. Plausible forgeries in this store's own format
# ---------------------------------------------------------------------------------------
def _forgeries(result) -> dict[str, bytes]:
    """Entries in this store's format for `result.config`'s key that it must not serve."""
    key = key_of(result.config)
    head = len(codec.MAGIC) + 32                    # magic + HMAC-SHA256
    doctored = dataclasses.replace(result, elapsed_s=result.elapsed_s + 1.0,
                                   history=result.history.assign(accuracy=1.0))
    other = _as(result, seed=12345)
    older_engine = hashlib.sha256(key_text(result.config).replace(
        engine_version(), "0" * 12, 1).encode()).hexdigest()
    return {
        "signed with another secret": encode(result, WRONG_SECRET, key),
        "numbers changed, re-signed with a guessed secret":
            encode(doctored, WRONG_SECRET, key),
        "numbers changed, the genuine signature kept":
            _blob(result)[:head] + encode(doctored, WRONG_SECRET, key)[head:],
        "another config's genuine entry, copied": _blob(other),
        "this config's genuine entry from an older engine's key, copied":
            encode(result, SECRET, older_engine),
    }


def test_forged_entries_on_disk_are_never_served(tmp_path, result):
    """Threat: someone who can write the folder but not read the key writes a
    well-formed entry: signed with another secret, doctored numbers re-signed, or a
    genuine entry copied from another config's key. None is served; each is replaced by
    a recomputed result."""
    store = DiskStore(tmp_path / "store")
    key = key_of(result.config)
    store._caches["lru"].set(key, _blob(result))        # control: the genuine one is read
    assert _same(store.get(result.config), result)
    for what, blob in _forgeries(result).items():
        for area in ("lru", "pinned"):
            store._caches[area].set(key, blob)
            assert store.get(result.config) is None, what
            assert key not in store._caches[area], what          # dropped


def test_forged_entries_in_redis_are_never_served(redis_store, result):
    """The same forgeries under vglab:result:<key> and vglab:pinned:<key>."""
    key = key_of(result.config)
    client = redis_store.client
    client.set(f"vglab:result:{key}", _blob(result))
    assert _same(redis_store.get(result.config), result)
    for what, blob in _forgeries(result).items():
        for kind in ("result", "pinned"):
            client.set(f"vglab:{kind}:{key}", blob)
            assert redis_store.get(result.config) is None, what
            assert not client.exists(f"vglab:{kind}:{key}"), what


# ---------------------------------------------------------------------------------------
# 4. Redis: raw pickles, and no store without a secret
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["result", "pinned"])
def test_raw_pickle_in_redis_is_a_miss(redis_store, result, marker, evil, kind):
    """Threat: anyone who reaches the Redis writes a bare pickle under the config's key."""
    redis_store.client.set(f"vglab:{kind}:{key_of(result.config)}", evil)
    assert redis_store.get(result.config) is None
    assert not marker.exists()


def test_wrong_typed_redis_entry_is_a_miss_and_spares_the_others(redis_store, result):
    """Threat: a list (not a string) planted under one config's key. That config is a
    miss, and the others are still served: one bad entry does not switch Redis off."""
    other = _as(result, seed=3)
    redis_store.put(other.config, other)
    redis_store.client.rpush(f"vglab:result:{key_of(result.config)}", b"x")
    assert redis_store.get(result.config) is None
    assert _same(redis_store.get(other.config), other)


def test_redis_store_without_a_secret_is_refused(monkeypatch, redis_url):
    """Without VGLAB_STORE_KEY anyone who reaches the Redis could forge results: the
    store refuses to start, saying what to set."""
    monkeypatch.delenv("VGLAB_STORE_KEY")
    with pytest.raises(MissingKey, match="VGLAB_STORE_KEY"):
        RedisStore(redis_url)
    assert issubclass(MissingKey, ValueError)


def test_warm_without_a_secret_exits_2_naming_it(monkeypatch, capsys, redis_url):
    """`python -m vgcore warm --store redis://…` without VGLAB_STORE_KEY: exit 2, one
    line on stderr naming the variable, nothing trained."""
    from vgcore import cli
    monkeypatch.delenv("VGLAB_STORE_KEY")
    import redis
    assert cli.main(["warm", "--store", redis_url, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "VGLAB_STORE_KEY" in err
    assert err.count("\n") == 1
    with contextlib.closing(redis.Redis.from_url(redis_url)) as client:
        assert client.keys("vglab:*") == []


def test_short_or_exposed_secrets_are_refused(tmp_path, monkeypatch):
    """A secret too short to be one, and a key file others may read or that is a
    symlink, are refused: a key in it would sign forgeries as well."""
    monkeypatch.setenv("VGLAB_STORE_KEY", "short")
    with pytest.raises(ValueError, match="VGLAB_STORE_KEY"):
        codec.key_from_env()
    made = tmp_path / "keys" / "store.key"
    assert len(codec.key_file_secret(made)) >= codec.MIN_KEY_CHARS
    assert made.stat().st_mode & 0o077 == 0
    made.chmod(0o644)
    with pytest.raises(PermissionError):
        codec.key_file_secret(made)
    made.chmod(0o600)
    link = tmp_path / "keys" / "link.key"
    link.symlink_to(made)
    with pytest.raises(PermissionError):
        codec.key_file_secret(link)


# ---------------------------------------------------------------------------------------
# 5-7. A full disk, a read-only folder, no file descriptors left
# ---------------------------------------------------------------------------------------
def test_full_disk_keeps_every_result_and_skips_writes(tmp_path, result, caplog,
                                                       monkeypatch):
    """Threat: the disk fills up (another program, a flood of runs). Every stored result
    is still served, by this process and by a restarted one; a new result is not stored,
    with one warning and no exception; no orphan value file, nothing moved aside or
    deleted. Once space is back (and the backoff passed) results are stored again."""
    monkeypatch.setattr(base, "RETRY_AFTER_S", 0.5)
    results = [_as(result, seed=s) for s in range(4)]
    assert all(len(_blob(r)) > 2**15 for r in results)     # value files, not inline
    with _tmpfs(tmp_path / "mnt", "6m") as mnt:
        folder = mnt / "results"
        store = store2 = None
        try:
            store = DiskStore(folder, size_mb=50)
            for i, r in enumerate(results):
                store.put(r.config, r, pinned=(i == 0))
            before = _tree(folder)
            _fill(mnt / "filler")
            assert shutil.disk_usage(mnt).free == 0

            for r in results:
                assert _same(store.get(r.config), r)
            new, newer = _as(result, seed=98), _as(result, seed=99)
            caplog.clear()
            with caplog.at_level("WARNING"):
                store.put(new.config, new)
                store.put(newer.config, newer, pinned=True)
            assert len(_store_logs(caplog)) == 1, caplog.text
            assert store.get(new.config) is None and store.get(newer.config) is None
            for r in results:
                assert _same(store.get(r.config), r)

            store2 = DiskStore(folder, size_mb=50)          # a server restarting
            for r in results:
                assert _same(store2.get(r.config), r)
            store2.put(new.config, new)                     # no exception

            assert _value_files(folder) == {folder / p for p in before
                                            if p.endswith(".val")}
            assert not list(folder.glob("*.damaged-*"))
            after = _tree(folder)
            assert all(p in after for p in before)
            assert all(after[p] == before[p] for p in before if p.endswith(".val"))

            (mnt / "filler").unlink()
            time.sleep(0.6)                                 # the backoff passes
            store.put(new.config, new)
            assert _same(store.get(new.config), new)
            assert _same(store2.get(new.config), new)
            store2.put(newer.config, newer, pinned=True)    # the restarted one too
            assert _same(store2.get(newer.config), newer) and store2.pinned(newer.config)
            assert store2.count_training(newer.config) == 1
            held = store2.lock(newer.config)
            assert held.acquire() and not store.lock(newer.config).acquire()
            held.release()
        finally:
            for s in (store, store2):
                if s is not None:
                    _close(s)


def test_read_only_folder_is_read_and_not_written(tmp_path, result, caplog, monkeypatch):
    """Threat: the folder turns read-only (a remounted volume; root ignores chmod, so a
    tmpfs is remounted). A store opens on it without an exception, serves every result
    and skips writes with one warning, not one per request."""
    monkeypatch.setattr(base, "RETRY_AFTER_S", 60.0)
    results = [_as(result, seed=s) for s in range(3)]
    with _tmpfs(tmp_path / "mnt", "6m") as mnt:
        folder = mnt / "results"
        writer = DiskStore(folder, size_mb=50)
        for i, r in enumerate(results):
            writer.put(r.config, r, pinned=(i == 0))
        _close(writer)
        del writer
        done = _run("mount", "-o", "remount,ro", str(mnt))
        assert done.returncode == 0, done.stderr
        reader = None
        try:
            reader = DiskStore(folder, size_mb=50)
            for r in results:
                assert _same(reader.get(r.config), r)
            new = _as(result, seed=97)
            caplog.clear()
            with caplog.at_level("WARNING"):
                for _ in range(3):
                    reader.put(new.config, new)
            assert len(_store_logs(caplog)) <= 1, caplog.text
            assert reader.get(new.config) is None
            got, trained = compute_once(reader, new.config, lambda: new)
            assert trained and got is new
            for r in results:
                assert _same(reader.get(r.config), r)
        finally:
            if reader is not None:
                _close(reader)


_NO_FDS = r"""
import json, os, resource, sys, threading, dataclasses, logging
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
from vgcore import ExperimentConfig
from vgcore.store import DiskStore, keys

folder, seeds, version = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
keys.engine_version = lambda: version   # the parent's build, even if a file changed since
base = ExperimentConfig(dataset="xor", train_size=64, test_size=32, hidden=(6, 6),
                        activations=("sigmoid", "relu"), epochs=2, batch_size=16)
configs = [base.replace(seed=s) for s in seeds]
store = DiskStore(folder)
found = [store.get(c) for c in configs]                # warm up imports and connections
assert all(f is not None for f in found), "not stored"
new = dataclasses.replace(found[0], config=base.replace(seed=999))
out, errors = {}, []

def ask(tag):
    try:
        out[tag + " get"] = [store.get(c) is not None for c in configs]
        store.put(new.config, new)
        store.put(new.config, new, pinned=True)
        out[tag + " trainings"] = store.trainings(configs[0])
        lock = store.lock(configs[0])
        lock.acquire(); lock.release()
        out[tag + " len"] = len(store)
    except BaseException as err:
        errors.append(f"{tag}: {type(err).__name__}: {err}")

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
top = max(int(fd) for fd in os.listdir("/proc/self/fd"))
holes = []                                  # fill the free numbers below the top one
while (fd := os.open(os.devnull, os.O_RDONLY)) < top:
    holes.append(fd)
os.close(fd)
resource.setrlimit(resource.RLIMIT_NOFILE, (top + 1, hard))   # not one fd left
try:
    ask("main thread")                      # its SQLite connections are open already
    thread = threading.Thread(target=ask, args=("new thread",))   # must open new ones
    thread.start()
    thread.join(60)
finally:
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    for fd in holes:
        os.close(fd)
out["errors"] = errors
print(json.dumps(out))
"""


def test_out_of_file_descriptors_loses_nothing(tmp_path, result):
    """Threat: a busy server runs out of file descriptors ("unable to open database
    file"). Reads and writes raise nothing; afterwards every result is still there and
    no area was taken for damaged and moved aside. (In a subprocess: the rlimit must
    not starve pytest.)"""
    folder = tmp_path / "store"
    seeds = [0, 1, 2]
    store = DiskStore(folder)
    for s in seeds:
        store.put(_as(result, seed=s).config, _as(result, seed=s))
    before = _tree(folder)
    done = subprocess.run([sys.executable, "-c", _NO_FDS, str(folder), json.dumps(seeds),
                           engine_version()],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["errors"] == [], out
    # both failures were met: SQLite could not open its database, a file could not open
    assert "unable to open database file" in done.stderr, done.stderr[-3000:]
    assert "Too many open files" in done.stderr, done.stderr[-3000:]
    assert not list(folder.glob("*.damaged-*"))
    assert all(p in _tree(folder) for p in before)
    for s in seeds:
        assert _same(DiskStore(folder).get(_as(result, seed=s).config),
                     _as(result, seed=s))


# ---------------------------------------------------------------------------------------
# 8. A hung Redis
# ---------------------------------------------------------------------------------------
def test_hung_redis_costs_one_bounded_wait_then_is_skipped(tmp_path, result, caplog):
    """Threat: the Redis process hangs (SIGSTOP: connections accepted, nothing
    answered). The first request waits at most the socket timeout; the next ones skip
    Redis at once; nothing raises."""
    with redis_server(tmp_path / "hung") as (url, proc):
        store = RedisStore(url)
        store.put(result.config, result)
        assert _same(store.get(result.config), result)
        proc.send_signal(signal.SIGSTOP)
        try:
            with caplog.at_level("WARNING"):
                started = time.monotonic()
                assert store.get(result.config) is None
                first = time.monotonic() - started
                started = time.monotonic()
                assert store.get(result.config) is None
                second = time.monotonic() - started
                started = time.monotonic()
                store.put(result.config, result)     # encodes, then skips Redis
                assert store.lock(result.config).acquire()    # skipped: train anyway
                assert store.count_training(result.config) == 0
                third = time.monotonic() - started
            assert first < 3.0, first
            assert second < 0.2, second
            assert third < 1.0, third
            assert "Redis" in caplog.text
        finally:
            proc.send_signal(signal.SIGCONT)
            store.client.close()


# ---------------------------------------------------------------------------------------
# 9. Flooding and oversized results
# ---------------------------------------------------------------------------------------
def test_visitors_runs_never_evict_a_warmed_result_on_disk(tmp_path, result):
    """Threat: a room (or a script) runs many configs. The store stays bounded, and the
    result `vgcore warm` pinned is still served after 20 visitors' results."""
    size = len(_blob(result))
    store = DiskStore(tmp_path / "store", size_mb=3 * size / 2**20)
    warmed = _as(result, seed=500)
    store.put(warmed.config, warmed, pinned=True)
    for seed in range(20):
        r = _as(result, seed=1000 + seed)
        store.put(r.config, r)
    assert _same(store.get(warmed.config), warmed) and store.pinned(warmed.config)
    assert len(store._caches["lru"]) <= 4
    assert store.get(_as(result, seed=1000).config) is None       # visitors' go first


def test_visitors_results_expire_in_redis_warmed_ones_do_not(redis_store, result):
    """With maxmemory-policy volatile-lru Redis evicts only keys with a TTL: visitors'
    results have one, warmed results none."""
    warmed, visitor = _as(result, seed=500), _as(result, seed=501)
    redis_store.put(warmed.config, warmed, pinned=True)
    for seed in range(20):
        r = _as(result, seed=1000 + seed)
        redis_store.put(r.config, r)
    redis_store.put(visitor.config, visitor)
    client = redis_store.client
    assert client.ttl(f"vglab:pinned:{key_of(warmed.config)}") == -1
    assert not client.exists(f"vglab:result:{key_of(warmed.config)}")
    assert client.ttl(f"vglab:result:{key_of(visitor.config)}") > 0
    assert _same(redis_store.get(warmed.config), warmed)


def test_oversized_results_are_neither_stored_nor_read(tmp_path, redis_store, result,
                                                       monkeypatch):
    """Threat: one huge run (or a planted huge entry) fills a bounded store. A result
    over MAX_RESULT_BYTES is returned to its asker but not stored; a stored entry over
    the cap is not read."""
    disk_store = DiskStore(tmp_path / "store")
    size = len(_blob(result))
    big = _as(result, seed=41)
    kept = _as(result, seed=42)
    for s in (disk_store, redis_store):
        s.put(kept.config, kept)                       # stored under the normal cap
    _small_cap(monkeypatch, size - 1)
    for s in (disk_store, redis_store):
        s.put(big.config, big)
        s.put(big.config, big, pinned=True)
        assert s.get(big.config) is None
        assert s.get(kept.config) is None              # over the (new) cap: not read
    assert len(disk_store) == 0
    assert redis_store.client.keys("vglab:result:*") == [] \
        and redis_store.client.keys("vglab:pinned:*") == []


# ---------------------------------------------------------------------------------------
# 10. Keys
# ---------------------------------------------------------------------------------------
def test_negative_zero_and_zero_share_a_key(cfg):
    """-0.0 == 0.0: configs that are equal have one key (no duplicate training, no
    lookup that misses what is there)."""
    neg, pos = cfg.replace(weight_decay=-0.0), cfg.replace(weight_decay=0.0)
    assert neg == pos
    assert key_of(neg) == key_of(pos) and key_text(neg) == key_text(pos)
    assert key_of(cfg.replace(momentum=-0.0)) == key_of(cfg.replace(momentum=0.0))
    assert key_of(cfg.replace(weight_decay=1e-4)) != key_of(pos)
