"""A third experiment kind, declared in this file alone, goes through everything above the
kinds — validation, the disk store, a link, the app's runner, `vgcore list`, `vgcore
warm` and the CLI — with no change to any other file: the kinds interface is the whole
contract (vgcore.kinds)."""
from __future__ import annotations

import dataclasses
import json
import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd
import pytest

from vgcore import cli
from vgcore.config import DeclaredConfig, spec
from vgcore.kinds import KINDS, Kind, kind_of
from vgcore.results import diverged_rows, json_records, table_lines

MAX_POINTS = 5_000


@dataclass(frozen=True)
class LineConfig(DeclaredConfig):
    """Fit y = 3x + 1 by gradient descent on `points` noisy points."""
    points: int = spec(200, "int", "Points", "noisy points on the line",
                       "more points, a steadier gradient", lo=2, hi=MAX_POINTS)
    epochs: int = spec(5, "int", "Epochs", "passes of gradient descent",
                       "the loss falls with every pass", lo=0, hi=50)
    seed: int = spec(0, "int", "Seed", "random seed of the points", "same seed, same run",
                     lo=0, hi=1000)

    def check(self) -> None:
        if self.points * self.epochs > 100_000:
            raise ValueError(f"epochs: points × epochs = {self.points * self.epochs:,} "
                             f"exceeds 100,000")


@dataclass(frozen=True)
class LineResult:
    config: LineConfig
    history: pd.DataFrame           # net, seed, epoch, split, loss
    summary: pd.DataFrame           # net, seed, final_loss, slope, diverged_at
    elapsed_s: float
    finished: bool = True
    stopped_at: int | None = None

    def diverged(self) -> pd.DataFrame:
        return diverged_rows(self.summary)

    def to_json_dict(self) -> dict[str, Any]:
        return {"config": self.config.to_dict(), "history": json_records(self.history),
                "summary": json_records(self.summary)}


@dataclass(frozen=True)
class LineProgress:
    epoch: int
    epochs: int
    elapsed_s: float
    result: LineResult

    @property
    def eta_s(self) -> float:
        return math.nan if self.epoch == 0 else \
            self.elapsed_s / self.epoch * (self.epochs - self.epoch)

    def partial(self) -> LineResult:
        return self.result


def train_line(config: LineConfig, on_epoch: Callable | None = None, *,
               threads: int | None = None, max_seconds: float | None = None,
               should_stop: Callable[[], bool] | None = None,
               device: str = "cpu") -> LineResult:
    import random
    started = time.perf_counter()
    rng = random.Random(config.seed)
    xs = [rng.uniform(-1, 1) for _ in range(config.points)]
    ys = [3 * x + 1 + rng.gauss(0, 0.1) for x in xs]
    w = b = 0.0
    rows, stopped = [], None

    def loss() -> float:
        return sum((w * x + b - y) ** 2 for x, y in zip(xs, ys)) / len(xs)

    def result(finished: bool) -> LineResult:
        history = pd.DataFrame(rows, columns=["net", "seed", "epoch", "split", "loss"])
        summary = pd.DataFrame([{"net": "line", "seed": config.seed,
                                 "final_loss": rows[-1]["loss"] if rows else math.nan,
                                 "slope": w, "diverged_at": math.nan}])
        return LineResult(config, history, summary, time.perf_counter() - started,
                          finished, stopped)
    for epoch in range(config.epochs + 1):
        if epoch:
            if (max_seconds is not None and time.perf_counter() - started > max_seconds) \
                    or (should_stop is not None and should_stop()):
                stopped = epoch - 1
                break
            gw = sum(2 * (w * x + b - y) * x for x, y in zip(xs, ys)) / len(xs)
            gb = sum(2 * (w * x + b - y) for x, y in zip(xs, ys)) / len(xs)
            w, b = w - 0.5 * gw, b - 0.5 * gb
        rows.append({"net": "line", "seed": config.seed, "epoch": epoch, "split": "train",
                     "loss": loss()})
        if on_epoch:
            on_epoch(LineProgress(epoch, config.epochs, time.perf_counter() - started,
                                  result(False)))
    return result(True)


def _summary_text(result: LineResult) -> str:
    return "\n".join([f"line through {result.config.points} points",
                      *table_lines(result.summary[["net", "final_loss", "slope"]])])


LINE = Kind(name="line", command="line", help="fit a line", description="Fit y = 3x + 1.",
            config=LineConfig, result=LineResult, train=train_line, net="net",
            net_label=str.upper, out_frames=("history", "summary"),
            downloads=(("history", "History (CSV)"),), summary_text=_summary_text,
            caps={"MAX_POINTS": MAX_POINTS})


@pytest.fixture
def line_kind(monkeypatch):
    """The toy kind registered for one test (and gone after it)."""
    monkeypatch.setitem(KINDS, LINE.name, LINE)
    return LINE


def test_it_validates_its_fields(line_kind):
    assert kind_of(LineConfig()) is LINE and kind_of(LineResult) is LINE
    with pytest.raises(ValueError, match=r"points: 1 is out of range; allowed \[2, 5000\]"):
        LineConfig(points=1)
    with pytest.raises(ValueError, match="epochs: points × epochs"):
        LineConfig(points=5000, epochs=50)
    assert LineConfig.from_dict(LineConfig(points=9).to_dict()) == LineConfig(points=9)


def test_it_is_stored_and_loaded_by_the_disk_store(line_kind, tmp_path, monkeypatch):
    from vgcore.store import DiskStore
    monkeypatch.setenv("VGLAB_STORE_KEY", "a test secret of 32 characters..")
    store, cfg = DiskStore(tmp_path / "store"), LineConfig(points=50, epochs=3)
    result = train_line(cfg)
    store.put(cfg, result)
    back = DiskStore(tmp_path / "store").get(cfg)       # another process's view
    assert type(back) is LineResult and back.config == cfg
    pd.testing.assert_frame_equal(back.history, result.history)
    assert back.elapsed_s == result.elapsed_s and back.stopped_at is None


def test_its_controls_round_trip_through_a_link(line_kind):
    from streamlit.testing.v1 import AppTest

    def page():
        import streamlit as st

        from app.widgets import controls
        from vgcore.kinds import KINDS
        cfg = controls(KINDS["line"].config(), ("points", "epochs"))
        st.write(f"config: {cfg.points} {cfg.epochs}")
    at = AppTest.from_function(page, default_timeout=60)
    at.query_params.update({"points": "80", "epochs": "4"})
    at.run()
    assert not at.exception and not at.error
    assert any("config: 80 4" in m.value for m in at.markdown)
    at.number_input(key="points").set_value(120).run()     # and a change goes to the link
    assert any("config: 120 4" in m.value for m in at.markdown)
    assert at.query_params["points"] in ("120", ["120"])


def test_it_trains_through_the_runner_with_progress(line_kind):
    import app.runner as runner
    from vgcore.store import MemoryStore
    runs, store, slots = runner.Trainings(), MemoryStore(), runner.FairSlots(1)
    cfg = LineConfig(points=300, epochs=20)
    job = runs.watch(cfg, store, slots, live=True, session="s")
    seen = set()
    while not job.done.wait(0.001):
        seen.add(job.text)
    runs.leave(job)
    assert job.error is None and job.trained and store.get(cfg) is job.result
    assert any(t.startswith("Training: epoch") for t in seen) or job.partial is not None
    assert job.result.summary["slope"].iloc[0] == pytest.approx(3, abs=0.3)


def test_it_is_listed_and_warmed(line_kind, tmp_path, monkeypatch, capsys):
    from vgcore.workshop import experiments
    from vgcore.workshop.experiments import PageExperiment
    assert cli.main(["list"]) == 0
    assert "MAX_POINTS      5,000 (line)" in capsys.readouterr().out
    monkeypatch.setattr(experiments, "PAGE_EXPERIMENTS",
                        {"line": PageExperiment(LineConfig(points=40, epochs=2),
                                                ("points", "epochs"))})
    from vgcore.workshop import warmup
    monkeypatch.setattr(warmup, "PAGE_EXPERIMENTS", experiments.PAGE_EXPERIMENTS)
    monkeypatch.setattr(warmup, "PRESETS", {})
    monkeypatch.setattr(warmup, "EXERCISES", {})
    monkeypatch.setenv("VGLAB_STORE_KEY", "a test secret of 32 characters..")
    folder = str(tmp_path / "warm")
    assert cli.main(["warm", "--store", folder, "--quiet"]) == 0
    assert "1 default experiments: 1 computed" in capsys.readouterr().out
    assert cli.main(["warm", "--store", folder, "--quiet"]) == 0
    assert "0 computed (0.0 s), 1 already stored" in capsys.readouterr().out


def test_it_runs_from_the_cli(line_kind, tmp_path, capsys):
    assert cli.main(["line", "--points", "60", "--epochs", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["config"] == {"points": 60, "epochs": 3, "seed": 0}
    assert [row["epoch"] for row in out["history"]] == [0, 1, 2, 3]
    assert cli.main(["line", "--points", "1"]) == 2
    assert "--points: 1 is out of range" in capsys.readouterr().err
    assert cli.main(["line", "--out", str(tmp_path / "o"), "--quiet"]) == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == \
        ["config.json", "history.csv", "summary.csv"]
    assert "line through 200 points" in capsys.readouterr().out


def test_a_stopped_run_of_it_frees_its_trainer(line_kind):
    """The same stop contract: should_stop ends it, and the runner's trainer is free."""
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 2
    result = train_line(LineConfig(points=10, epochs=50), should_stop=stop)
    assert result.stopped_at == 2 and len(result.history) == 3
    assert dataclasses.replace(result, stopped_at=None).stopped_at is None
    assert threading.active_count() >= 1
