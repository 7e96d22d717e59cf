"""app.runner's runs in progress (no browser, no script run): one run per config at a
time in a process, every asker watching it; a run nobody watches stops; a run cut short
by the time cap is returned to its watchers but never stored."""
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
    slots = threading.BoundedSemaphore(2)
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
    job = runs.watch(cfg.replace(epochs=20), store, threading.BoundedSemaphore(1), False)
    time.sleep(0.3)
    runs.leave(job)
    assert job.done.wait(20)
    assert job.result is None and job.error is None and len(store) == 0
    assert len(runs) == 0


def test_a_time_capped_run_is_shared_but_not_stored(cfg, monkeypatch):
    monkeypatch.setattr(runner, "RUN_TIME_CAP_S", 0.0)
    runs, store = runner.Trainings(), MemoryStore()
    job = runs.watch(cfg, store, threading.BoundedSemaphore(1), False)
    assert job.done.wait(30)
    runs.leave(job)
    assert job.result is not None and job.result.stopped_at is not None
    assert len(store) == 0


def test_a_queued_run_waits_for_a_trainer(cfg, monkeypatch):
    slots = threading.BoundedSemaphore(1)
    slots.acquire()                           # the one trainer is busy
    runs, store = runner.Trainings(), MemoryStore()
    job = runs.watch(cfg, store, slots, False)
    time.sleep(1.0)
    assert job.queued and "Waiting for a free trainer" in job.text
    slots.release()
    assert job.done.wait(30)
    runs.leave(job)
    assert job.result is not None and not job.queued
