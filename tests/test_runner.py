"""app.runner's runs in progress (no browser, no script run): one run per config at a
time in a process, every asker watching it; a run nobody watches stops within a second;
a visitor trains one run at a time and trainers go round the visitors in turn; a run
cut short by the time cap is returned to its watchers but never stored; a run that fails
is one sentence on the page and a logged traceback on the server."""
from __future__ import annotations

import threading
import time

import pytest

import app.runner as runner
from vgcore import ExperimentConfig
from vgcore.store import MemoryStore


@pytest.fixture
def cfg():
    return ExperimentConfig(dataset="xor", train_size=64, test_size=32, hidden=(6, 6),
                            activations=("sigmoid", "relu"), epochs=3, batch_size=16,
                            seed=11)


def _slow_run_config(calls, delay=0.3):
    from vgcore.runs import run_config

    def slow(config, on_epoch=None, **kwargs):
        calls.append(config)

        def tick(p):
            time.sleep(delay)
            on_epoch(p)
        return run_config(config, on_epoch=tick, **kwargs)
    return slow


def test_askers_of_one_config_share_one_run(cfg, monkeypatch):
    calls = []
    monkeypatch.setattr(runner, "run_config", _slow_run_config(calls))
    runs, store = runner.Trainings(), MemoryStore()
    slots = runner.FairSlots(2)
    jobs = [runs.watch(cfg, store, slots, live=True) for _ in range(5)]
    assert all(job is jobs[0] for job in jobs) and len(runs) == 1
    seen = set()
    while not jobs[0].done.wait(0.05):
        seen.add(jobs[0].text)
    for job in jobs:
        runs.leave(job)
    assert len(calls) == 1 and jobs[0].trained and jobs[0].error is None
    assert any(t.startswith("Training: epoch") for t in seen)     # its progress, shared
    assert jobs[0].partial is not None                           # and its live chart's data
    assert store.get(cfg) is jobs[0].result and store.trainings(cfg) == 1
    assert len(runs) == 0
    again = runs.watch(cfg, store, slots, live=False)             # now from the store
    again.done.wait(30)
    runs.leave(again)
    assert not again.trained and len(calls) == 1


def test_a_run_nobody_watches_stops(cfg, monkeypatch):
    calls = []
    monkeypatch.setattr(runner, "run_config", _slow_run_config(calls, delay=0.5))
    monkeypatch.setattr(runner, "ABANDON_AFTER_S", 0.2)
    runs, store = runner.Trainings(), MemoryStore()
    job = runs.watch(cfg.replace(epochs=20), store, runner.FairSlots(1), False)
    time.sleep(0.3)
    runs.leave(job)
    assert job.done.wait(20)
    assert job.result is None and job.error is None and len(store) == 0
    assert len(runs) == 0


def test_a_time_capped_run_is_shared_but_not_stored(cfg, monkeypatch):
    monkeypatch.setattr(runner, "RUN_TIME_CAP_S", 0.0)
    runs, store = runner.Trainings(), MemoryStore()
    job = runs.watch(cfg, store, runner.FairSlots(1), False)
    assert job.done.wait(30)
    runs.leave(job)
    assert job.result is not None and job.result.stopped_at is not None
    assert len(store) == 0


def test_a_queued_run_waits_for_a_trainer(cfg, monkeypatch):
    slots = runner.FairSlots(1)
    assert slots.acquire("someone", 0.0, timeout=1)   # the one trainer is busy
    runs, store = runner.Trainings(), MemoryStore()
    job = runs.watch(cfg, store, slots, False)
    time.sleep(1.0)
    assert job.queued and "Waiting for a free trainer" in job.text
    slots.release()
    assert job.done.wait(30)
    runs.leave(job)
    assert job.result is not None and not job.queued


def test_a_run_nobody_watches_stops_inside_its_epoch(cfg, monkeypatch):
    """Abandonment is checked inside the mini-batch loop: a run with one long epoch stops
    within about a second of its grace ending, not at the epoch's end, and frees its
    trainer."""
    monkeypatch.setattr(runner, "ABANDON_AFTER_S", 0.2)
    slow = cfg.replace(dataset="circle", train_size=20_000, batch_size=1, epochs=2,
                       hidden=(30,) * 6)
    runs, store, slots = runner.Trainings(), MemoryStore(), runner.FairSlots(1)
    job = runs.watch(slow, store, slots, False)
    while job.queued or job.fraction == 0.0 and job.text == "Starting…":
        time.sleep(0.05)                      # training (epoch 1 takes many seconds)
    time.sleep(0.5)
    left = time.monotonic()
    runs.leave(job)
    assert job.done.wait(20)
    assert time.monotonic() - left < 0.2 + 2.0
    assert job.result is None and job.error is None and len(store) == 0
    assert slots.free == 1


def test_fair_slots_serve_the_least_recently_served_visitor_first():
    """One trainer, held. Waiting: a second run of a visitor just served, then a first run
    of another visitor who asked later: the other visitor goes first."""
    slots = runner.FairSlots(1)
    assert slots.acquire("flooder", 0.0, timeout=1)
    order = []

    def ask(owner, asked_at):
        assert slots.acquire(owner, asked_at, timeout=10)
        order.append(owner)
        time.sleep(0.05)
        slots.release()
    first = threading.Thread(target=ask, args=("flooder", 1.0))
    first.start()
    time.sleep(0.1)
    second = threading.Thread(target=ask, args=("patient", 2.0))
    second.start()
    time.sleep(0.1)
    assert slots.waiting() == 2
    slots.release()
    first.join(10)
    second.join(10)
    assert order == ["patient", "flooder"]


def test_a_visitor_trains_one_run_at_a_time_and_others_are_served_in_turn(cfg, monkeypatch):
    """One trainer. Visitor A's run trains; visitor B asks and waits; A changes a control
    (a new run): A's first run stops at once (not after the grace) and B's run gets the
    trainer before A's second."""
    monkeypatch.setattr(runner, "ABANDON_AFTER_S", 60.0)     # only replacement stops it
    calls = []
    monkeypatch.setattr(runner, "run_config", _slow_run_config(calls, delay=0.2))
    runs, store, slots = runner.Trainings(), MemoryStore(), runner.FairSlots(1)
    a1 = runs.watch(cfg.replace(epochs=50), store, slots, False, session="A")
    while a1.queued:
        time.sleep(0.05)
    b = runs.watch(cfg.replace(seed=21), store, slots, False, session="B")
    time.sleep(0.3)
    assert b.queued
    runs.leave(a1)                        # A's page reruns with a new value ...
    asked = time.monotonic()
    a2 = runs.watch(cfg.replace(seed=22), store, slots, False, session="A")
    assert a1.done.wait(10) and time.monotonic() - asked < 2.0
    assert a1.result is None and a1.error is None
    for job in (b, a2):
        assert job.done.wait(60)
        runs.leave(job)
    assert [c.seed for c in calls] == [11, 21, 22]
    assert slots.free == 1


def test_a_failed_run_is_logged_and_handed_to_its_watchers(cfg, monkeypatch, caplog):
    def broken(config, **kwargs):
        raise RuntimeError("index -9223372036854775808 is out of bounds")
    monkeypatch.setattr(runner, "run_config", broken)
    runs, store, slots = runner.Trainings(), MemoryStore(), runner.FairSlots(1)
    with caplog.at_level("ERROR"):
        job = runs.watch(cfg, store, slots, False, session="A")
        assert job.done.wait(30)
    runs.leave(job)
    assert isinstance(job.error, RuntimeError) and slots.free == 1
    assert "training failed" in caplog.text and "Traceback" in caplog.text


def test_a_failed_run_shows_one_sentence_and_no_traceback(monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.test_app import APP, TIMEOUT

    def broken(config, **kwargs):
        raise RuntimeError("/srv/secret/path.py: index out of bounds")
    monkeypatch.setattr(runner, "run_config", broken)
    monkeypatch.setenv("VGLAB_STORE", "memory")
    runner.forget_results()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/loss_curves.py").run()
    assert not at.exception
    (error,) = at.error
    assert "failed on the server (RuntimeError)" in error.value
    assert "/srv/secret" not in error.value and "Traceback" not in error.value


# -- runs side by side: asked for at once ----------------------------------------------

def _recording_run_batch(calls, active, delay=0.2):
    """runner.run_batch that records each call's configs and how many runs train at once."""
    from vgcore.runs import run_batch

    def recorded(configs, on_epoch=None, **kwargs):
        calls.append(list(configs))
        active.append(1)
        try:
            time.sleep(delay)
            return run_batch(configs, on_epoch, **kwargs)
        finally:
            active.pop()
    return recorded


def test_runs_of_one_shape_train_as_one_run_and_the_others_beside_it(cfg, monkeypatch):
    """A page asks for four runs at once (lesson 8's way): the three that differ only in
    init and clipping are one run, the batch-norm one its own; with two trainers both
    train at the same time. Each result is stored under its own config, and another
    visitor asking for one of the three watches that same run."""
    calls, active, most = [], [], [0]
    monkeypatch.setattr(runner, "run_batch", _recording_run_batch(calls, active))
    alone = []
    monkeypatch.setattr(runner, "run_config", _slow_run_config(alone, delay=0.1))
    runs, store, slots = runner.Trainings(), MemoryStore(), runner.FairSlots(2)
    shape = [cfg, cfg.replace(init="xavier"), cfg.replace(grad_clip=1.0)]
    normed = cfg.replace(norm="batch")
    jobs = runs.watch_all([shape, [normed]], store, slots, False, session="A")
    other = runs.watch(shape[1], store, slots, False, session="B")
    assert len(jobs) == 2 and other is jobs[0] and jobs[0].configs == tuple(shape)
    while not all(job.done.wait(0.01) for job in jobs):
        most[0] = max(most[0], len(active) + (1 if alone and not jobs[1].done.is_set()
                                               and not jobs[1].queued else 0))
    for job in (*jobs, other):
        runs.leave(job)
    assert calls == [shape] and alone == [normed]
    assert most[0] == 2, "the two runs should train at the same time"
    for config in (*shape, normed):
        assert store.trainings(config) == 1
        assert store.get(config) is not None
    assert jobs[0].results[shape[2]] is store.get(shape[2])
    assert len(runs) == 0 and slots.free == 2


def test_asking_for_other_runs_gives_up_the_previous_ones(cfg, monkeypatch):
    """A visitor whose page asked for two runs and then moves a control (two other runs)
    stops both of the first at once; a run the new set still holds trains on."""
    monkeypatch.setattr(runner, "ABANDON_AFTER_S", 60.0)     # only replacement stops them
    monkeypatch.setattr(runner, "run_config", _slow_run_config([], delay=0.3))
    runs, store, slots = runner.Trainings(), MemoryStore(), runner.FairSlots(2)
    kept, dropped = cfg.replace(epochs=30), cfg.replace(epochs=30, norm="batch")
    first = runs.watch_all([[kept], [dropped]], store, slots, False, session="A")
    for job in first:
        runs.leave(job)
    second = runs.watch_all([[kept], [cfg.replace(seed=5)]], store, slots, False,
                            session="A")
    assert second[0] is first[0]
    assert first[1].done.wait(10) and first[1].result is None
    assert not first[0].stopped
    for job in second:
        assert job.done.wait(60)
        runs.leave(job)
    assert first[0].result is not None and store.get(dropped) is None
