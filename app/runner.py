"""The runner: results shared by every session of the server (and by every server sharing
the store), each config trained once at a time, at most N trainings at once, and a
progress bar (with a chart that fills in) while a run trains.

A training runs in a background thread of the server, not in the session that asked for
it: every session that asks for the same config while it trains watches that one run
(its progress bar and live chart) and gets its result. A run nobody watches any more
(every asker left or changed a control) stops at its next epoch, as it did when it ran
in the asker's own script. Across server processes sharing a store, `vgcore.store`'s
lock lets one of them train a config while the others wait for its result.
"""
from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import altair as alt
import streamlit as st

from vgcore import ExperimentConfig
from vgcore.runs import run_config
from vgcore.results import Result
from vgcore.store import Store, compute_once, open_store

from .blocks import chart

# A shared 2-core server trains one run per core (each run uses one torch thread); more at
# once would only slow every run down. Both caps can be raised per deployment.
MAX_CONCURRENT_TRAININGS = int(os.environ.get("VGLAB_MAX_TRAININGS", "2"))
RUN_TIME_CAP_S = float(os.environ.get("VGLAB_RUN_SECONDS", "120"))
QUEUE_WAIT_S = 300          # give up waiting for a free trainer after this long
LIVE_CHART_EVERY_S = 0.4    # redraw a filling-in chart at most this often
WATCH_EVERY_S = 0.2         # how often a watching session looks at its run
ABANDON_AFTER_S = 3.0       # a run nobody has watched for this long stops (a rerun of
                            # the same page comes back to it well within this)
SHARE_PROGRESS_EVERY_S = 1.0  # how often a run tells other processes how far it is


# ---------------------------------------------------------------------------------------
# The store: finished results shared by every session (vgcore.store, $VGLAB_STORE).
# ---------------------------------------------------------------------------------------
@st.cache_resource
def _open_result_store() -> Store:
    return open_store()


def result_store() -> Store:
    """The result store of this server: $VGLAB_STORE, by default a disk store under the
    user's cache folder (vgcore.store.open_store)."""
    return _open_result_store()


def _clear_result_store() -> None:
    """Forget every stored result: the store's entries, then the open store itself."""
    _open_result_store().clear()
    _open_result_store.clear()


result_store.clear = _clear_result_store     # type: ignore[attr-defined]


@st.cache_resource
def training_slots() -> threading.BoundedSemaphore:
    """Trainings allowed at once on this server, shared by every session."""
    return threading.BoundedSemaphore(max(MAX_CONCURRENT_TRAININGS, 1))


# ---------------------------------------------------------------------------------------
# Runs in progress: one per config, trained in a background thread, watched by sessions.
# ---------------------------------------------------------------------------------------
class Abandoned(Exception):
    """Nobody watches this run any more: stop it."""


@dataclass(eq=False)
class Job:
    """One config being trained (or waited for) in this process, and what its watchers
    show: the progress bar's fraction and text, and the latest partial result."""
    config: Any
    fraction: float = 0.0
    text: str = "Starting…"
    queued: bool = True                   # still waiting for a free trainer
    partial: Result | None = None         # for live charts; refreshed while it trains
    live: bool = False                    # some watcher draws a live chart
    result: Any = None
    trained: bool = False                 # this process trained it (not the store)
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    watchers: int = 0
    unwatched_since: float | None = None


class Trainings:
    """The runs in progress in this server process, by config."""

    def __init__(self) -> None:
        self._jobs: dict[Any, Job] = {}
        self._lock = threading.Lock()

    def watch(self, cfg: Any, store: Store, slots: threading.BoundedSemaphore,
              live: bool) -> Job:
        """The run of `cfg` in progress here, or a new one; counts the caller as a
        watcher until `leave`."""
        with self._lock:
            job = self._jobs.get(cfg)
            if job is None:
                job = self._jobs[cfg] = Job(cfg)
                threading.Thread(target=self._work, args=(job, store, slots), daemon=True,
                                 name="vglab-training").start()
            job.watchers += 1
            job.unwatched_since = None
            job.live = job.live or live
            return job

    def leave(self, job: Job) -> None:
        with self._lock:
            job.watchers -= 1
            if job.watchers <= 0:
                job.unwatched_since = time.monotonic()

    def __len__(self) -> int:
        return len(self._jobs)

    def _check(self, job: Job) -> None:
        """Raise Abandoned (and forget the job, so the next asker starts a new one) once
        nobody has watched it for ABANDON_AFTER_S."""
        with self._lock:
            since = job.unwatched_since
            if job.watchers > 0 or since is None \
                    or time.monotonic() - since < ABANDON_AFTER_S:
                return
            if self._jobs.get(job.config) is job:
                del self._jobs[job.config]
        raise Abandoned

    def _work(self, job: Job, store: Store, slots: threading.BoundedSemaphore) -> None:
        try:
            job.result, job.trained = compute_once(
                store, job.config, lambda: self._train(job, store, slots),
                on_wait=lambda note: self._wait_remote(job, note), count=False)
        except Abandoned:
            pass
        except BaseException as err:  # noqa: BLE001 -- handed to every watcher
            job.error = err
        finally:
            with self._lock:
                if self._jobs.get(job.config) is job:
                    del self._jobs[job.config]
            job.done.set()

    def _wait_remote(self, job: Job, note: dict | None) -> None:
        """Another process holds the store's lock for this config: show its progress."""
        self._check(job)
        job.queued = False
        if note and note.get("epochs"):
            job.fraction = min(note["epoch"] / max(note["epochs"], 1), 1.0)
            job.text = (f"Training on another server: epoch {note['epoch']}/"
                        f"{note['epochs']} · {note.get('elapsed_s', 0):.1f} s")
        else:
            job.text = "Another server is training this run…"

    def _train(self, job: Job, store: Store, slots: threading.BoundedSemaphore) -> Any:
        while not slots.acquire(timeout=0.5):
            self._check(job)
            job.text = (f"Waiting for a free trainer: this server trains "
                        f"{MAX_CONCURRENT_TRAININGS} runs at a time…")
        job.queued = False
        job.text = "Starting…"
        store.count_training(job.config)      # it really starts now (holding a slot)
        shared, drawn = [0.0], [0.0]

        def on_epoch(p) -> None:
            self._check(job)
            eta = "" if math.isnan(p.eta_s) else f" · about {p.eta_s:.0f} s left"
            job.fraction = min(p.epoch / max(p.epochs, 1), 1.0)
            job.text = (f"Training: epoch {p.epoch}/{p.epochs} · {p.elapsed_s:.1f} s{eta}")
            now = time.perf_counter()
            if job.live and now - drawn[0] > LIVE_CHART_EVERY_S:
                drawn[0] = now
                job.partial = p.partial()
            if now - shared[0] > SHARE_PROGRESS_EVERY_S:
                shared[0] = now
                store.set_progress(job.config, {"epoch": p.epoch, "epochs": p.epochs,
                                                "elapsed_s": p.elapsed_s})
        try:
            return run_config(job.config, on_epoch=on_epoch, max_seconds=RUN_TIME_CAP_S)
        finally:
            slots.release()


@st.cache_resource
def trainings() -> Trainings:
    """The runs in progress on this server, shared by every session."""
    return Trainings()


def run_experiment(cfg: ExperimentConfig | None,
                   live: Callable[[Result], alt.TopLevelMixin] | None = None
                   ) -> Result | None:
    """Return the stored result of `cfg`, or train it (or watch the run of it already in
    progress) with a progress bar (epoch, ETA) and, if `live` is given, a chart that
    fills in while it trains."""
    if cfg is None:
        return None
    store = result_store()
    found = store.get(cfg)
    if found is not None:
        return found
    while True:
        job = _watch(cfg, store, live)
        if job is None:
            return None
        if job.error is not None:
            if isinstance(job.error, ValueError):
                st.error(f"Can't run this experiment: {job.error}")
                return None
            raise job.error
        if job.result is not None:
            break
        # stopped because nobody watched it, just before we came back: start it again
    result = job.result
    if result.stopped_at is not None:
        # depends on the server's speed, so it is shown but never stored
        st.info(f"Stopped after epoch {result.stopped_at}: this server caps one run at "
                f"{RUN_TIME_CAP_S:.0f} s. Use fewer epochs or a smaller net for the rest.",
                icon=":material/timer:")
    return result


def _watch(cfg: Any, store: Store, live: Callable[[Result], alt.TopLevelMixin] | None
           ) -> Job | None:
    """Show the run of `cfg` until it ends; None if the trainers stayed busy too long.
    Some element is redrawn at least once a second, so a rerun the learner asks for
    (Streamlit interrupts a script at its next element) is never held up."""
    bar = st.progress(0.0, text="Starting…")
    placeholder = st.empty() if live else None
    shown, shown_at, drawn = None, 0.0, None
    started = time.monotonic()
    runs = trainings()
    job = runs.watch(cfg, store, training_slots(), live is not None)
    try:
        while not job.done.wait(WATCH_EVERY_S):
            now = time.monotonic()
            view = (round(job.fraction, 3), job.text)
            if view != shown or now - shown_at > 1.0:
                bar.progress(view[0], text=view[1])
                shown, shown_at = view, now
            partial = job.partial
            if placeholder is not None and partial is not None and partial is not drawn:
                drawn = partial
                try:
                    chart(live(partial), where=placeholder)
                except ValueError:
                    pass    # too little data to chart yet (e.g. every net diverged at once)
            if job.queued and now - started > QUEUE_WAIT_S:
                bar.empty()
                st.error("The server is busy training other people's runs; try again in "
                         "a minute.")
                return None
    finally:
        runs.leave(job)
    bar.empty()
    if placeholder is not None:
        placeholder.empty()
    return job


__all__ = ["run_experiment", "result_store", "trainings",
           "Trainings", "Job"]
