"""vgcore.workshop.room and Store.runs_of_room: a room's stored runs of one experiment,
whatever their seeds, pooled seed by seed (each seed's rows once)."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.servers import redis_server
from vgcore import ExperimentConfig, run
from vgcore.store import DiskStore, MemoryStore, open_store
from vgcore.store.base import MAX_ROOM_RUNS, room_of, seed_runs
from vgcore.workshop.room import pool, pool_room, room_runs

SECRET = b"a test secret of 32 characters.."
# The room's link: every learner runs this with their own seed (and maybe repeats).
LINK = ExperimentConfig(dataset="xor", train_size=64, test_size=32, hidden=(6, 6),
                        activations=("sigmoid", "relu"), epochs=2, batch_size=16)


@pytest.fixture(autouse=True)
def _store_key(monkeypatch):
    monkeypatch.setenv("VGLAB_STORE_KEY", SECRET.decode())


@pytest.fixture(scope="module")
def twelve_learners():
    """Twelve learners' runs: ten with one seed each (0–9), two with three repeats that
    overlap them (seeds 8–10 and 9–11): seeds 0–11, twelve stored runs."""
    configs = [LINK.replace(seed=s) for s in range(10)]
    configs += [LINK.replace(seed=8, n_seeds=3), LINK.replace(seed=9, n_seeds=3)]
    return [(c, run(c)) for c in configs]


def _stores(tmp_path):
    return {"memory": MemoryStore(), "disk": DiskStore(tmp_path / "disk", secret=SECRET)}


@pytest.mark.parametrize("backend", ["memory", "disk"])
def test_a_room_of_twelve_learners_pools_every_seed_once(backend, tmp_path,
                                                          twelve_learners):
    store = _stores(tmp_path)[backend]
    for config, result in twelve_learners:
        store.put(config, result)
    other = LINK.replace(lr=0.5, seed=3)            # another experiment: not this room's
    store.put(other, run(other))
    assert sorted(store.runs_of_room(LINK.replace(seed=42))) == \
        sorted((c.seed, c.n_seeds) for c, _ in twelve_learners)
    room = pool_room(store, LINK)
    assert room.seeds == tuple(range(12)) and room.runs == 12
    assert room.experiment == LINK.replace(seed=0, n_seeds=1)
    history = room.frames["history"]
    assert sorted(history["seed"].unique()) == list(range(12))
    # every seed's rows once, and exactly the rows of that seed's run alone
    alone = {c.seed: r for c, r in twelve_learners if c.n_seeds == 1}
    for seed, result in alone.items():
        mine = history[history["seed"] == seed].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, result.history.reset_index(drop=True))
    assert len(history) == 12 * len(alone[0].history)
    assert set(room.frames) >= {"history", "layers", "summary"}


def test_the_redis_store_lists_a_rooms_runs(tmp_path, twelve_learners):
    with redis_server(tmp_path / "redis") as (url, _):
        store = open_store(url)
        for config, result in twelve_learners[:3]:
            store.put(config, result)
        store.put(*twelve_learners[10], pinned=True)
        assert sorted(store.runs_of_room(LINK)) == [(0, 1), (1, 1), (2, 1), (8, 3)]
        assert pool_room(store, LINK).seeds == (0, 1, 2, 8, 9, 10)
        store.clear()
        assert store.runs_of_room(LINK) == []


def test_a_run_no_longer_stored_is_skipped(twelve_learners):
    """An evicted run is listed but gone: the pool has the seeds still stored."""
    store = MemoryStore(max_entries=2)
    for config, result in twelve_learners[:4]:
        store.put(config, result)
    assert pool_room(store, LINK).seeds == (2, 3)


def test_pool_takes_each_seed_from_the_first_run_that_has_it():
    def frames_of(run):
        rows = [{"seed": s, "epoch": 0, "loss": float(run.n_seeds)}
                for s in range(run.seed, run.seed + run.n_seeds)]
        return {"history": pd.DataFrame(rows)}
    runs = [LINK.replace(seed=0, n_seeds=3), LINK.replace(seed=2, n_seeds=2),
            LINK.replace(seed=1)]
    room = pool(LINK, runs, frames_of, frames=("history",))
    assert room.seeds == (0, 1, 2, 3) and room.runs == 2     # seed 1's run adds nothing
    assert room.frames["history"].sort_values("seed")["loss"].tolist() == [3, 3, 3, 2]


def test_a_rooms_list_is_data_bounded_and_deduplicated():
    """What the store holds is read as data: pairs of non-negative ints only, each once
    (the latest place), at most MAX_ROOM_RUNS."""
    assert seed_runs([[1, 1], [2, 3], [1, 1], ["x", 1], [3, 0], [-1, 2], [True, 1],
                      "junk", [4, 1, 5]]) == [(2, 3), (1, 1)]
    assert seed_runs("not a list") == [] and seed_runs(None) == []
    many = [[s, 1] for s in range(MAX_ROOM_RUNS + 50)]
    assert seed_runs(many) == [(s, 1) for s in range(50, MAX_ROOM_RUNS + 50)]


def test_room_of_ignores_seed_and_repeats_only():
    assert room_of(LINK.replace(seed=7, n_seeds=3)) == room_of(LINK)
    assert room_of(LINK.replace(lr=0.2)) != room_of(LINK)
    assert room_runs(MemoryStore(), LINK) == []
