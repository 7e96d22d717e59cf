"""vgcore.store: results by config across processes, damage never shown, one training per
config at a time. The disk store is tested on a temporary folder; Redis where a
`redis-server` binary exists (CI installs it), started on loopback by the test."""
from __future__ import annotations

import dataclasses
import multiprocessing
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from vgcore import ExperimentConfig, store as st_mod
from tests.servers import free_port, redis_server
from vgcore.results import Result
from vgcore.store import (DiskStore, MemoryStore, RedisStore, compute_many_once, compute_once, decode, encode,
                          engine_version, key_of, key_text, open_store)

SECRET = b"a test secret of 32 characters.."

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def result(tiny_config_module):
    from vgcore import run
    return run(tiny_config_module)


@pytest.fixture(scope="module")
def tiny_config_module():
    return ExperimentConfig(dataset="xor", train_size=64, test_size=32, hidden=(6, 6),
                            activations=("sigmoid", "relu"), epochs=2, batch_size=16)


def _blob(result) -> bytes:
    return encode(result, SECRET, key_of(result.config))


def _same(a, b) -> bool:
    return a.config == b.config and a.history.equals(b.history) \
        and a.layers.equals(b.layers) and a.summary.equals(b.summary)


# -- keys -------------------------------------------------------------------------------

def test_key_is_config_type_json_and_engine_version(tiny_config_module):
    cfg = tiny_config_module
    text = key_text(cfg)
    assert text.startswith(engine_version() + "|vgcore.config.ExperimentConfig|{")
    assert key_of(cfg) == key_of(ExperimentConfig.from_dict(cfg.to_dict()))
    assert key_of(cfg) != key_of(cfg.replace(seed=1))
    assert len(engine_version()) == 12


def test_engine_version_changes_with_the_engine_source(tmp_path):
    """A copy of vgcore with one engine file edited (a top-level module, or one in a
    kind's package) has another version; an edit to the CLI or a chart (which compute
    nothing) keeps it."""
    code = "import vgcore.store as s; print(s.engine_version())"

    def version_of(tree: Path) -> str:
        return subprocess.run([sys.executable, "-c", code], cwd=tree, text=True,
                              capture_output=True, check=True, timeout=120).stdout.strip()
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "vgcore", copy / "vgcore",
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = version_of(copy)
    (copy / "vgcore" / "cli.py").write_text((copy / "vgcore" / "cli.py").read_text() + "\n#\n")
    assert version_of(copy) == before
    chart = copy / "vgcore" / "charts" / "curves.py"
    chart.write_text(chart.read_text() + "\n#\n")
    assert version_of(copy) == before
    cell = copy / "vgcore" / "recurrent" / "net.py"      # a kind's package counts too
    cell.write_text(cell.read_text() + "\n# changed\n")
    after_cell = version_of(copy)
    assert after_cell != before
    train = copy / "vgcore" / "train.py"
    train.write_text(train.read_text() + "\n# changed\n")
    assert version_of(copy) not in (before, after_cell)


# -- values -----------------------------------------------------------------------------

def test_encoded_value_round_trips_and_damage_is_detected(result):
    key = key_of(result.config)
    blob = encode(result, SECRET, key)
    assert _same(decode(blob, result.config, Result, SECRET, key), result)
    damaged = [blob[:len(blob) // 2], blob[:-1] + bytes([blob[-1] ^ 1]), b"", b"junk",
               b"x" * len(blob), 42, None]
    for bad in damaged:
        with pytest.raises(st_mod.DamagedEntry):
            decode(bad, result.config, Result, SECRET, key)
    with pytest.raises(st_mod.DamagedEntry):       # another config's result
        decode(blob, result.config.replace(seed=7), Result, SECRET, key)
    with pytest.raises(st_mod.DamagedEntry):       # filed under another key
        decode(blob, result.config, Result, SECRET, key_of(result.config.replace(seed=7)))
    with pytest.raises(st_mod.DamagedEntry):       # signed with another secret
        decode(blob, result.config, Result, b"another secret of 32 characters", key)


# -- backends ---------------------------------------------------------------------------

@pytest.fixture(params=["memory", "disk"])
def store(request, tmp_path):
    if request.param == "memory":
        return MemoryStore(4)
    return DiskStore(tmp_path / "results", size_mb=50)


def test_get_put_len_clear(store, result):
    cfg = result.config
    assert store.get(cfg) is None and len(store) == 0
    store.put(cfg, result)
    assert _same(store.get(cfg), result) and len(store) == 1 and cfg in store
    assert store.get(cfg.replace(seed=3)) is None
    store.clear()
    assert store.get(cfg) is None and len(store) == 0


def test_lock_is_exclusive_and_lapses(store, result, monkeypatch):
    cfg = result.config
    first, second = store.lock(cfg), store.lock(cfg)
    assert first.acquire() and not second.acquire()
    assert first.refresh()
    first.release()
    assert second.acquire()
    second.release()
    monkeypatch.setattr(st_mod.base, "LOCK_TTL_S", 0.3)
    crashed = store.lock(cfg)
    assert crashed.acquire()                   # ... and never refreshed or released
    time.sleep(1.2)
    taker = store.lock(cfg)
    assert taker.acquire()
    assert not crashed.refresh()
    taker.release()


def test_progress_note_and_training_counter(store, result):
    cfg = result.config
    assert store.progress(cfg) is None and store.trainings(cfg) == 0
    store.set_progress(cfg, {"epoch": 2, "epochs": 5})
    assert store.progress(cfg) == {"epoch": 2, "epochs": 5}
    assert store.count_training(cfg) == 1 and store.count_training(cfg) == 2
    assert store.trainings(cfg) == 2


def _as(result, **changes):
    """`result` filed under another config (what a store checks on reading)."""
    return dataclasses.replace(result, config=result.config.replace(**changes))


def test_memory_store_is_bounded_lru(result):
    store = MemoryStore(2)
    a, b, c = (_as(result, seed=s) for s in (1, 2, 3))
    store.put(a.config, a)
    store.put(b.config, b)
    store.get(a.config)                        # a is now the most recent
    store.put(c.config, c)
    assert a.config in store and c.config in store and b.config not in store
    assert len(store) == 2


def test_disk_store_is_bounded_by_size(tmp_path, result):
    """Room for about 6 results: after 15 the store holds at most 6, the newest among
    them, and stays near its size limit."""
    store = DiskStore(tmp_path / "small", size_mb=len(_blob(result)) * 6.5 / 2**20)
    counts = []
    for seed in range(15):
        r = _as(result, seed=seed)
        store.put(r.config, r)
        counts.append(len(store))
    assert max(counts) <= 6 and min(counts[5:]) >= 3, counts
    assert _as(result, seed=14).config in store and _as(result, seed=0).config not in store
    assert store._caches["lru"].volume() <= store.size_limit + len(_blob(result))


def test_open_store_reads_vglab_store(tmp_path, monkeypatch):
    monkeypatch.setenv("VGLAB_STORE", "memory")
    assert isinstance(open_store(), MemoryStore)
    monkeypatch.setenv("VGLAB_STORE", str(tmp_path / "here"))
    disk = open_store()
    assert isinstance(disk, DiskStore) and disk.folder == tmp_path / "here"
    monkeypatch.delenv("VGLAB_STORE")
    monkeypatch.setenv("VGCORE_CACHE", str(tmp_path / "cache"))
    assert open_store().folder == tmp_path / "cache" / "results"
    assert isinstance(open_store("redis://127.0.0.1:1/0"), RedisStore)


def test_unusable_disk_folder_falls_back_to_memory(tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with caplog.at_level("WARNING"):
        store = open_store(str(blocker / "results"))
    assert isinstance(store, MemoryStore)
    assert "keeping results in memory" in caplog.text


# -- damage -----------------------------------------------------------------------------

def _value_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.val") if "meta" not in p.parts]


@pytest.mark.parametrize("how", ["truncate", "flip", "empty", "delete"])
def test_damaged_entry_is_a_logged_miss_and_deleted(tmp_path, result, caplog, how):
    store = DiskStore(tmp_path / "results")
    store.put(result.config, result)
    (value,) = _value_files(tmp_path / "results")
    data = value.read_bytes()
    if how == "truncate":
        value.write_bytes(data[:len(data) // 3])
    elif how == "flip":
        value.write_bytes(data[:5000] + bytes([data[5000] ^ 0xFF]) + data[5001:])
    elif how == "empty":
        value.write_bytes(b"")
    else:
        value.unlink()
    with caplog.at_level("WARNING"):
        assert store.get(result.config) is None
    if how != "delete":             # diskcache itself treats a missing file as a miss
        assert "damaged entry" in caplog.text
        assert len(store) == 0      # dropped, so the next run stores a good one
    store.put(result.config, result)
    assert _same(store.get(result.config), result)


@pytest.mark.parametrize("how", ["garbage", "truncate", "zeros"])
def test_damaged_store_file_is_moved_aside_and_started_anew(tmp_path, result, caplog, how):
    """A database SQLite calls corrupt is moved aside (kept for its owner, never
    deleted on a guess) and its area started empty; the other areas are untouched."""
    folder = tmp_path / "results"
    store = DiskStore(folder)
    store.put(result.config, result)
    store._caches["lru"].close()
    db = folder / "lru" / "cache.db"
    data = db.read_bytes()
    for extra in ("cache.db-wal", "cache.db-shm"):
        (folder / "lru" / extra).unlink(missing_ok=True)
    if how == "garbage":
        db.write_bytes(b"this is not an SQLite database" * 200)
    elif how == "truncate":
        db.write_bytes(data[:700])
    else:
        db.write_bytes(data[:100] + b"\0" * (len(data) - 100))
    with caplog.at_level("WARNING"):
        reopened = DiskStore(folder)                    # a server starting on it
        assert reopened.get(result.config) is None
        reopened.put(result.config, result)
        assert _same(reopened.get(result.config), result)
    assert "damaged" in caplog.text and "moved aside" in caplog.text
    (aside,) = folder.glob("lru.damaged-*")
    assert (aside / "cache.db").read_bytes()[:100] == data[:100] or how == "garbage"
    assert (folder / "meta" / "cache.db").exists()


def test_store_damaged_while_open_is_moved_aside(tmp_path, result, caplog):
    folder = tmp_path / "results"
    store = DiskStore(folder)
    store.put(result.config, result)
    store._caches["lru"].close()        # drop the open connection, as a restart would
    (folder / "lru" / "cache.db").write_bytes(b"\x00garbage" * 1000)
    for extra in ("cache.db-wal", "cache.db-shm"):
        (folder / "lru" / extra).unlink(missing_ok=True)
    with caplog.at_level("WARNING"):
        assert store.get(result.config) is None         # no exception
    assert "moved aside" in caplog.text
    store.put(result.config, result)
    assert _same(store.get(result.config), result)


# -- training once ----------------------------------------------------------------------

def test_compute_once_trains_then_serves_and_never_stores_a_cut_run(store, result):
    cfg = result.config
    calls = []

    def train():
        calls.append(1)
        return result
    assert compute_once(store, cfg, train) == (result, True)
    got, trained = compute_once(store, cfg, train)
    assert not trained and _same(got, result) and len(calls) == 1
    assert store.trainings(cfg) == 1
    short = dataclasses.replace(_as(result, seed=9), stopped_at=1)
    cut = short.config
    assert compute_once(store, cut, lambda: short) == (short, True)
    assert store.get(cut) is None


def test_compute_once_threads_train_once(store, result):
    """Eight threads ask at once: one trains (slowly), the others get its result."""
    cfg = result.config
    calls, out = [], []

    def train():
        calls.append(1)
        time.sleep(1.0)
        return result

    def ask():
        out.append(compute_once(store, cfg, train))
    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(calls) == 1 and store.trainings(cfg) == 1
    assert sorted(trained for _, trained in out) == [False] * 7 + [True]


def _child(folder: str, seed: int, queue) -> None:
    """A separate process asking for the same config (multiprocessing target)."""
    from vgcore import ExperimentConfig, run
    from vgcore.store import DiskStore, compute_once
    cfg = ExperimentConfig(dataset="xor", train_size=64, test_size=32, hidden=(6, 6),
                           activations=("sigmoid", "relu"), epochs=2, batch_size=16,
                           seed=seed)
    store = DiskStore(folder)

    def train():
        time.sleep(1.5)             # long enough for the others to find the lock
        return run(cfg)
    _, trained = compute_once(store, cfg, train)
    queue.put(trained)


def test_compute_once_processes_train_once(tmp_path):
    """Three processes sharing a disk store ask for one config at once: one trains."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    folder = str(tmp_path / "shared")
    DiskStore(folder)               # created once, before the race
    procs = [ctx.Process(target=_child, args=(folder, 5, queue)) for _ in range(3)]
    for p in procs:
        p.start()
    trained = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    assert sorted(trained) == [False, False, True]
    cfg = ExperimentConfig(dataset="xor", train_size=64, test_size=32, hidden=(6, 6),
                           activations=("sigmoid", "relu"), epochs=2, batch_size=16, seed=5)
    assert DiskStore(folder).trainings(cfg) == 1


def test_compute_many_once_trains_what_nobody_has_and_waits_for_the_rest(
        store, result, monkeypatch):
    """Four configs trained together: one already stored is read, one another process
    is training is waited for (its result, once stored, is taken: not trained again),
    the other two are trained in one call, counted and stored; every config once."""
    monkeypatch.setattr(st_mod.base, "WAIT_POLL_S", 0.05)
    stored, elsewhere, a, b = (_as(result, seed=s) for s in (11, 12, 13, 14))
    store.put(stored.config, stored)
    other = store.lock(elsewhere.config)
    assert other.acquire()                      # another process trains it
    calls, notes = [], []

    def train(configs):
        calls.append(list(configs))
        return [{a.config: a, b.config: b}[c] for c in configs]

    def on_wait(note):
        notes.append(note)
        if len(notes) == 3:                     # the other process finishes
            store.put(elsewhere.config, elsewhere)
            other.release()
    configs = [a.config, stored.config, elsewhere.config, b.config, a.config]
    got = compute_many_once(store, configs, train, on_wait=on_wait)
    assert calls == [[a.config, b.config]]
    assert [trained for _, trained in got] == [True, False, False, True, True]
    assert got[0][0] is a and got[3][0] is b and _same(got[2][0], elsewhere)
    assert _same(store.get(a.config), a) and _same(store.get(b.config), b)
    assert store.trainings(a.config) == 1 and store.trainings(elsewhere.config) == 0
    assert len(notes) == 3


def test_waiter_takes_over_from_a_crashed_trainer(store, result, monkeypatch):
    """A lock whose holder died (never refreshed) lapses; the waiter then trains."""
    monkeypatch.setattr(st_mod.base, "LOCK_TTL_S", 0.5)
    monkeypatch.setattr(st_mod.base, "WAIT_POLL_S", 0.1)
    cfg = result.config
    assert store.lock(cfg).acquire()            # the crashed trainer's
    notes = []
    started = time.monotonic()
    got, trained = compute_once(store, cfg, lambda: result, on_wait=notes.append)
    assert trained and got is result and notes
    assert time.monotonic() - started < 5


def test_wait_gives_up_after_wait_s(store, result, monkeypatch):
    monkeypatch.setattr(st_mod.base, "WAIT_POLL_S", 0.05)
    holder = store.lock(result.config)
    assert holder.acquire()
    with pytest.raises(TimeoutError):
        compute_once(store, result.config, lambda: result, wait_s=0.3)
    holder.release()


# -- redis ------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _store_key(monkeypatch):
    """A shared (Redis) store needs VGLAB_STORE_KEY; the disk store reads it too."""
    monkeypatch.setenv("VGLAB_STORE_KEY", SECRET.decode())


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as (url, _):
        yield url


def test_redis_store(redis_url, result, monkeypatch):
    store = open_store(redis_url)
    assert isinstance(store, RedisStore)
    store.clear()
    cfg = result.config
    assert store.get(cfg) is None and len(store) == 0
    got, trained = compute_once(store, cfg, lambda: result)
    assert trained and _same(store.get(cfg), result) and len(store) == 1
    assert store.trainings(cfg) == 1
    first, second = store.lock(cfg.replace(seed=4)), store.lock(cfg.replace(seed=4))
    assert first.acquire() and not second.acquire() and first.refresh()
    first.release()
    assert second.acquire()
    second.release()
    store.set_progress(cfg, {"epoch": 1, "epochs": 2})
    assert store.progress(cfg) == {"epoch": 1, "epochs": 2}
    # a damaged value is a logged miss, and deleted
    store.client.set("vglab:result:" + key_of(cfg), b"garbage")
    assert store.get(cfg) is None and len(store) == 0
    store.clear()
    assert store.trainings(cfg) == 0


@pytest.fixture(scope="module")
def acl_redis_url(tmp_path_factory):
    """A Redis configured as README's *Scaling out* says: the default user off, the app's
    own ACL user (its line read from the README itself), volatile-lru; and a `tester`
    user with every right, for the test's own looks."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (user_line,) = [line for line in readme.splitlines() if line.startswith("user vglab on")]
    password = "a-test-password-for-the-acl-user"
    conf = (f"user default off\n{user_line.replace('CHANGE-ME-a-long-random-password', password)}"
            f"\nuser tester on >tester-password ~* &* +@all")
    with redis_server(tmp_path_factory.mktemp("redis-acl"), conf=conf,
                      auth=f"vglab:{password}") as (url, _):
        yield url


def test_redis_store_works_as_the_readmes_acl_user(acl_redis_url, result):
    """Every store operation works with only the rights README gives the app's user,
    and nobody gets in without its password."""
    import redis
    store = open_store(acl_redis_url)
    cfg = result.config
    got, trained = compute_once(store, cfg, lambda: result)
    assert trained and _same(store.get(cfg), result) and store.trainings(cfg) == 1
    other = _as(result, seed=31)
    store.put(other.config, other, pinned=True)
    assert store.pinned(other.config) and _same(store.get(other.config), other)
    assert sorted(store.runs_of_room(cfg)) == sorted([(cfg.seed, cfg.n_seeds), (31, 1)])
    tester = redis.Redis.from_url(acl_redis_url.replace(
        "vglab:a-test-password-for-the-acl-user", "tester:tester-password"))
    assert tester.ttl("vglab:pinned:" + key_of(other.config)) == -1
    assert tester.ttl("vglab:result:" + key_of(cfg)) > 0
    lock = store.lock(cfg)
    assert lock.acquire() and lock.refresh()
    lock.release()
    assert store.lock(cfg).acquire()
    store.set_progress(cfg, {"epoch": 1, "epochs": 2})
    assert store.progress(cfg) == {"epoch": 1, "epochs": 2}
    assert len(store) == 2
    store.clear()
    assert len(store) == 0 and store._failures.until == 0.0      # nothing was refused
    anonymous = redis.Redis.from_url(acl_redis_url.replace("vglab:a-test", "vglab:wrong"))
    with pytest.raises(redis.AuthenticationError):
        anonymous.ping()


def test_unreachable_redis_is_a_miss_not_an_error(result, caplog):
    store = open_store(f"redis://127.0.0.1:{free_port()}/0")
    with caplog.at_level("WARNING"):
        assert store.get(result.config) is None
        store.put(result.config, result)
        got, trained = compute_once(store, result.config, lambda: result)
    assert trained and got is result
    assert "Redis" in caplog.text


# -- python -m vgcore warm --------------------------------------------------------------

def test_warm_computes_what_is_missing_and_says_so(tmp_path, monkeypatch, capsys,
                                                   tiny_config_module):
    """`warm` trains every default config into the store once; a second `warm` finds
    them all stored. (Two tiny configs stand in for the workshop's defaults.)"""
    from vgcore import cli
    from vgcore.workshop import warmup
    configs = [tiny_config_module, tiny_config_module.replace(seed=1)]
    monkeypatch.setattr(warmup, "default_configs", lambda: configs)
    folder = str(tmp_path / "warm")
    assert cli.main(["warm", "--store", folder, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "2 default experiments: 2 computed" in out and "0 already stored" in out
    store = DiskStore(folder)
    assert all(c in store for c in configs)
    assert cli.main(["warm", "--store", folder, "--quiet"]) == 0
    assert "0 computed (0.0 s), 2 already stored, 0 failed" in capsys.readouterr().out
    assert store.trainings(configs[0]) == 1
