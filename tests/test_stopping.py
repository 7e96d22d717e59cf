"""A run stops when it should: its time cap and `should_stop()` are checked inside the
mini-batch loop, in pretraining and between evaluation chunks, so a run ends within a
step of either instead of at the end of an epoch; a run not stopped gives the numbers it
always gave. The timed bounds are generous (a busy CI): they only tell seconds from the
minutes these runs would take unstopped."""
from __future__ import annotations

import time

import pandas as pd
import pytest

from vgcore import ExperimentConfig, data, run
from vgcore.recurrent import RecurrentConfig, run_recurrent
from vgcore.runs import run_config
from vgcore.train import SHOULD_STOP_EVERY_S
from vgcore.workshop.experiments import PAGE_EXPERIMENTS

# The largest run a link may ask for at batch 1 (MAX_STEPS: 4 nets × 50,000 steps),
# minutes of work: only the cap can end it in seconds.
WORST_LINK = PAGE_EXPERIMENTS["gradient_flow"].config.replace(
    dataset="circle", hidden=(150,) * 20, batch_size=1, train_size=50_000, epochs=1,
    n_seeds=1)
SECONDS = 4.0       # "within the cap, not minutes" on a busy 2-core box


class StopAfter:
    """should_stop() that says True from its n-th call on, counting calls; with
    `after_epoch_0`, only calls after on_epoch=stop.seen reported epoch 0 count (so the
    stop lands in epoch 1, not in epoch 0's measurement)."""

    def __init__(self, n: int, after_epoch_0: bool = False) -> None:
        self.n, self.calls, self.armed, self.epochs = n, 0, not after_epoch_0, []

    def seen(self, progress) -> None:
        self.epochs.append(progress.epoch)
        self.armed = True

    def __call__(self) -> bool:
        self.calls += self.armed
        return self.calls >= self.n


def _timed(fn, config, **kwargs):
    """(fn(config, **kwargs), its wall time), the data set loaded beforehand: a first
    load (MNIST's takes seconds) happens before training and is no part of the stop."""
    if isinstance(config, ExperimentConfig):
        data.load_for(config)
    started = time.perf_counter()
    result = fn(config, **kwargs)
    return result, time.perf_counter() - started


def test_the_worst_link_is_rejected_by_the_step_cap():
    with pytest.raises(ValueError, match=r"^epochs: steps = .* 480,000 exceeds the cap"):
        WORST_LINK.replace(train_size=60_000, epochs=2)


def test_the_largest_batch_1_run_stops_at_its_time_cap():
    """Its epoch 0 alone (evaluating 50,000 samples) outlasts a 1 s cap: the run is cut
    between evaluation chunks and says nothing was measured."""
    res, wall = _timed(run, WORST_LINK, max_seconds=1.0)
    assert wall < 1.0 + SECONDS
    assert res.stopped_at == -1 and res.history.empty and res.boundary.empty


# ~20,000 steps an epoch (~15 s); its epoch 0 takes ~0.1 s
LONG_EPOCH = PAGE_EXPERIMENTS["gradient_flow"].config.replace(
    dataset="moons", train_size=20_000, batch_size=1, epochs=2, n_seeds=1)


def test_a_time_cap_stops_training_inside_an_epoch():
    res, wall = _timed(run, LONG_EPOCH, max_seconds=1.0)
    assert wall < 1.0 + SECONDS
    assert res.stopped_at == 0 and set(res.history["epoch"]) == {0}
    assert res.boundary.empty           # the weights are half an epoch's, not epoch 0's


def test_should_stop_ends_the_run_inside_the_epoch():
    stop = StopAfter(3, after_epoch_0=True)
    res, wall = _timed(run, LONG_EPOCH, on_epoch=stop.seen, should_stop=stop)
    assert stop.calls == 3                      # never asked again once it said stop
    assert res.stopped_at == 0 and stop.epochs == [0]
    assert set(res.history["epoch"]) == {0}
    assert wall < SECONDS
    assert res.summary["last_epoch"].eq(0).all()


def test_should_stop_is_asked_at_most_every_interval():
    calls = []
    run(LONG_EPOCH.replace(train_size=2000, epochs=1),
        should_stop=lambda: calls.append(time.perf_counter()) or False)
    gaps = [b - a for a, b in zip(calls, calls[1:])]
    assert calls and min(gaps, default=SHOULD_STOP_EVERY_S) >= 0.9 * SHOULD_STOP_EVERY_S


def test_a_run_never_stopped_gives_the_same_numbers(tiny_config):
    plain = run(tiny_config)
    watched = run(tiny_config, should_stop=lambda: False, max_seconds=3600.0)
    assert watched.stopped_at is None
    for frame in ("history", "layers", "histograms", "units", "edges", "boundary",
                  "summary"):
        pd.testing.assert_frame_equal(getattr(plain, frame), getattr(watched, frame),
                                      check_exact=True)


def test_run_config_passes_should_stop_to_both_kinds(tiny_config):
    """Runs of ~1 s and ~30 s unstopped; should_stop is first asked after
    SHOULD_STOP_EVERY_S."""
    mlp = run_config(tiny_config.replace(batch_size=1, epochs=50), should_stop=lambda: True)
    rec = run_config(RecurrentConfig(seq_len=8, hidden=6, train_size=60, test_size=30,
                                     batch_size=1, epochs=200), should_stop=lambda: True)
    assert mlp.stopped_at is not None and rec.stopped_at is not None


# ---------------------------------------------------------------------------------------
# Recurrent runs
# ---------------------------------------------------------------------------------------
# 3 nets × 1,000 steps of batch 1 an epoch (~8 s); its epoch 0 takes ~0.2 s
LONG_RECURRENT = RecurrentConfig(seq_len=50, batch_size=1, train_size=1000, epochs=3)


def test_recurrent_should_stop_ends_the_run_inside_the_epoch():
    stop = StopAfter(3, after_epoch_0=True)
    res, wall = _timed(run_recurrent, LONG_RECURRENT, on_epoch=stop.seen, should_stop=stop)
    assert stop.calls == 3 and stop.epochs == [0] and wall < SECONDS
    assert res.stopped_at == 0 and set(res.history["epoch"]) == {0}
    assert set(res.history["cell"]) == {"rnn", "lstm", "gru"}   # every net's epoch 0


def test_recurrent_time_cap_stops_inside_the_epoch():
    res, wall = _timed(run_recurrent, LONG_RECURRENT, max_seconds=2.0)
    assert wall < 2.0 + SECONDS
    assert res.stopped_at == 0 and set(res.history["epoch"]) == {0}


def test_a_stopped_measurement_leaves_every_net_or_none():
    """A stop during epoch 0's measurement (15 nets, 4,000 sequences each) keeps either
    every net's rows of it or none, never some nets' (how many depends on the machine's
    speed, so both outcomes are allowed)."""
    cfg = RecurrentConfig(seq_len=100, train_size=4000, test_size=4000, batch_size=50,
                          n_seeds=5, epochs=1)
    res = run_recurrent(cfg, max_seconds=0.0)
    assert res.stopped_at in (-1, 0)
    nets = res.history.groupby(["cell", "seed"]).size()
    assert len(nets) in (0, 15) and res.time_grads.groupby(["cell", "seed"]).ngroups \
        == len(nets)
    assert (res.stopped_at == 0) == (len(nets) == 15)


# ---------------------------------------------------------------------------------------
# Pretraining
# ---------------------------------------------------------------------------------------
# A deep sigmoid net, 20 pretraining epochs a layer: 10 layers × 20 × 28 = 5,600 steps
# (~5 s)
DEEP_PRETRAINED = ExperimentConfig(
    dataset="digits", train_size=1400, test_size=300, activations=("sigmoid",),
    hidden=(30,) * 10, init="lecun", lr=0.1, batch_size=10, epochs=2, pretrain_epochs=20)


def test_should_stop_ends_pretraining():
    stop = StopAfter(3)
    res, wall = _timed(run, DEEP_PRETRAINED, should_stop=stop)
    assert stop.calls == 3 and wall < SECONDS
    assert res.stopped_at == 0 and set(res.history["epoch"]) == {0}
    assert res.pretrain["layer"].max() < 10          # the later layers never started


def test_a_time_cap_ends_pretraining():
    res, wall = _timed(run, DEEP_PRETRAINED, max_seconds=1.0)
    assert wall < 1.0 + SECONDS
    assert res.stopped_at == 0 and res.pretrain["layer"].max() < 10
