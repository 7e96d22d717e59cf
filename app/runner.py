"""The runner: results shared by every session of the server (and by every server sharing
the store), each config trained once at a time, at most N trainings at once, and a
progress bar (with a chart that fills in) while a run trains.

A training runs in a background thread of the server, not in the session that asked for
it: every session that asks for the same config while it trains watches that one run
(its progress bar and live chart) and gets its result. A run nobody watches any more
(every asker left or changed a control) stops within a second (the engine asks
`should_stop` inside its mini-batch loop); a session asking for a new run gives up its
previous one at once, so a visitor trains one run at a time. Trainers are handed out in
turn across sessions (`FairSlots`): whoever was served longest ago goes first, so a
visitor who asks for run after run cannot starve the others. Across server processes
sharing a store, `vgcore.store`'s lock lets one of them train a config while the others
wait for its result. A training that fails is logged with its traceback on the server
and told to the visitor in one sentence.
"""
from __future__ import annotations

import itertools
import logging
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
from vgcore.text import escaped

from .blocks import chart

log = logging.getLogger("vglab.runner")

# A shared 2-core server trains one run per core (each run uses one torch thread); more at
# once would only slow every run down. Both caps can be raised per deployment.
MAX_CONCURRENT_TRAININGS = int(os.environ.get("VGLAB_MAX_TRAININGS", "2"))
RUN_TIME_CAP_S = float(os.environ.get("VGLAB_RUN_SECONDS", "120"))
QUEUE_WAIT_S = 300          # give up waiting for a free trainer after this long
LIVE_CHART_EVERY_S = 0.4    # redraw a filling-in chart at most this often
WATCH_EVERY_S = 0.2         # how often a watching session looks at its run
ABANDON_AFTER_S = 8.0       # a run nobody has watched for this long stops: a rerun of the
                            # page comes back to it within this even on a loaded server
                            # (3 s retrained one scale-test run); a new run asked by the
                            # same session stops it at once instead
SHARE_PROGRESS_EVERY_S = 1.0  # how often a run tells other processes how far it is


# ---------------------------------------------------------------------------------------
# The store: finished results shared by every session (vgcore.store, $VGLAB_STORE).
# ---------------------------------------------------------------------------------------
@st.cache_resource
def _open_result_store() -> Store:
    return open_store()


def result_store() -> Store:
    """The result store of this server: $VGLAB_STORE, by default a disk store under the
    user's cache folder (vgcore.store.open_store). A store the server must not use (Redis
    without VGLAB_STORE_KEY) stops the page with the reason."""
    try:
        return _open_result_store()
    except ValueError as err:
        log.error("result store refused: %s", err)
        st.error(f"This server's result store is not set up safely: {escaped(str(err))}",
                 icon=":material/lock:")
        st.stop()
        raise           # not reached: st.stop() ends the script


def forget_results() -> None:
    """Forget every stored result: the store's entries, then the open store itself."""
    result_store().clear()
    _open_result_store.clear()


class FairSlots:
    """`n` trainers shared in turn: when one frees, the waiting run whose owner (a
    session) was served longest ago gets it, then the earliest asked. A visitor who asks
    for run after run waits behind everyone who has waited less often."""

    def __init__(self, n: int) -> None:
        self.free = max(n, 1)
        self._cond = threading.Condition()
        self._waiting: list[tuple[float, int, str]] = []    # (asked at, ticket, owner)
        self._served: dict[str, float] = {}                 # owner -> last granted
        self._tickets = itertools.count()

    def _first(self) -> tuple[float, int, str]:
        return min(self._waiting, key=lambda w: (self._served.get(w[2], -math.inf), w[0],
                                                 w[1]))

    def acquire(self, owner: str, asked_at: float, timeout: float) -> bool:
        """Wait up to `timeout` s for a trainer; True if taken (then `release` it)."""
        with self._cond:
            me = (asked_at, next(self._tickets), owner)
            self._waiting.append(me)
            try:
                if not self._cond.wait_for(lambda: self.free > 0 and self._first() == me,
                                           timeout):
                    return False
                self.free -= 1
                self._served[owner] = time.monotonic()
                if len(self._served) > 10_000:           # forget long-gone sessions
                    for gone in sorted(self._served, key=self._served.get)[:5_000]:
                        del self._served[gone]
                return True
            finally:
                self._waiting.remove(me)
                self._cond.notify_all()

    def release(self) -> None:
        with self._cond:
            self.free += 1
            self._cond.notify_all()

    def waiting(self) -> int:
        with self._cond:
            return len(self._waiting)


@st.cache_resource
def training_slots() -> FairSlots:
    """Trainings allowed at once on this server, shared by every session in turn."""
    return FairSlots(MAX_CONCURRENT_TRAININGS)


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
    owner: str = ""                       # the session that asked first (fair turns)
    asked_at: float = field(default_factory=time.monotonic)
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
    askers: set[str] = field(default_factory=set)   # sessions whose current run it is
    stopped: bool = False                 # abandoned: its training ends now


class Trainings:
    """The runs in progress in this server process, by config."""

    def __init__(self) -> None:
        self._jobs: dict[Any, Job] = {}
        self._current: dict[str, Job] = {}      # session -> the run it asked for last
        self._lock = threading.Lock()

    def watch(self, cfg: Any, store: Store, slots: FairSlots, live: bool,
              session: str = "") -> Job:
        """The run of `cfg` in progress here, or a new one; counts the caller as a
        watcher until `leave`. The session's previous run, if it was another config,
        is given up: it stops at once unless someone else still wants it."""
        with self._lock:
            job = self._jobs.get(cfg)
            if job is None:
                job = self._jobs[cfg] = Job(cfg, owner=session)
                threading.Thread(target=self._work, args=(job, store, slots), daemon=True,
                                 name="vglab-training").start()
            job.watchers += 1
            job.unwatched_since = None
            job.live = job.live or live
            if session:
                before = self._current.get(session)
                if before is not None and before is not job:
                    before.askers.discard(session)
                    if not before.askers and before.watchers <= 0:
                        self._stop(before)
                self._current[session] = job
                job.askers.add(session)
            return job

    def leave(self, job: Job) -> None:
        with self._lock:
            job.watchers -= 1
            if job.watchers <= 0:
                job.unwatched_since = time.monotonic()

    def __len__(self) -> int:
        return len(self._jobs)

    def _stop(self, job: Job) -> None:
        """Mark `job` abandoned and forget it, so the next asker starts a new run (holds
        self._lock)."""
        job.stopped = True
        if self._jobs.get(job.config) is job:
            del self._jobs[job.config]
        for session in job.askers:
            if self._current.get(session) is job:
                del self._current[session]

    def abandoned(self, job: Job) -> bool:
        """Whether nobody has watched `job` for ABANDON_AFTER_S or its asker moved on
        (then it is forgotten, and stays abandoned)."""
        with self._lock:
            if not job.stopped and job.watchers <= 0 and job.unwatched_since is not None \
                    and time.monotonic() - job.unwatched_since >= ABANDON_AFTER_S:
                self._stop(job)
            return job.stopped

    def _check(self, job: Job) -> None:
        if self.abandoned(job):
            raise Abandoned

    def _work(self, job: Job, store: Store, slots: FairSlots) -> None:
        try:
            job.result, job.trained = compute_once(
                store, job.config, lambda: self._train(job, store, slots),
                on_wait=lambda note: self._wait_remote(job, note), count=False)
        except Abandoned:
            pass
        except BaseException as err:  # noqa: BLE001 -- handed to every watcher
            if not isinstance(err, ValueError):
                log.error("training failed: %s", job.config, exc_info=err)
            job.error = err
        finally:
            with self._lock:
                if self._jobs.get(job.config) is job:
                    del self._jobs[job.config]
                for session in job.askers:
                    if self._current.get(session) is job:
                        del self._current[session]
            job.done.set()

    def _wait_remote(self, job: Job, note: dict | None) -> None:
        """Another process holds the store's lock for this config: show its progress."""
        self._check(job)
        job.queued = False
        epoch, epochs = (note or {}).get("epoch"), (note or {}).get("epochs")
        if isinstance(epoch, (int, float)) and isinstance(epochs, (int, float)) and epochs:
            job.fraction = min(max(epoch / epochs, 0.0), 1.0)
            job.text = f"Training on another server: epoch {epoch:g}/{epochs:g}"
        else:
            job.text = "Another server is training this run…"

    def _train(self, job: Job, store: Store, slots: FairSlots) -> Any:
        while not slots.acquire(job.owner, job.asked_at, timeout=0.5):
            self._check(job)
            job.text = (f"Waiting for a free trainer: this server trains "
                        f"{MAX_CONCURRENT_TRAININGS} runs at a time, in turn…")
        try:
            self._check(job)
            job.queued = False
            job.text = "Starting…"
            store.count_training(job.config)      # it really starts now (holding a slot)
            shared, drawn = [0.0], [0.0]

            def on_epoch(p) -> None:
                self._check(job)
                eta = "" if math.isnan(p.eta_s) else f" · about {p.eta_s:.0f} s left"
                job.fraction = min(p.epoch / max(p.epochs, 1), 1.0)
                job.text = (f"Training: epoch {p.epoch}/{p.epochs} · "
                            f"{p.elapsed_s:.1f} s{eta}")
                now = time.perf_counter()
                if job.live and now - drawn[0] > LIVE_CHART_EVERY_S:
                    drawn[0] = now
                    job.partial = p.partial()
                if now - shared[0] > SHARE_PROGRESS_EVERY_S:
                    shared[0] = now
                    store.set_progress(job.config, {"epoch": p.epoch, "epochs": p.epochs,
                                                    "elapsed_s": p.elapsed_s})
            result = run_config(job.config, on_epoch=on_epoch, max_seconds=RUN_TIME_CAP_S,
                                should_stop=lambda: self.abandoned(job))
        finally:
            slots.release()
        if job.stopped and getattr(result, "stopped_at", None) is not None:
            raise Abandoned         # stopped inside an epoch: nobody wants the part run
        return result


@st.cache_resource
def trainings() -> Trainings:
    """The runs in progress on this server, shared by every session."""
    return Trainings()


def _session() -> str:
    """This visitor's session id (one training at a time each; trainers in turn)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def run_experiment(cfg: ExperimentConfig | None,
                   live: Callable[[Result], alt.TopLevelMixin] | None = None
                   ) -> Result | None:
    """Return the stored result of `cfg`, or train it (or watch the run of it already in
    progress) with a progress bar (epoch, ETA) and, if `live` is given, a chart that
    fills in while it trains. A failed run is one st.error, never a traceback."""
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
            else:
                st.error(f"This run failed on the server ({type(job.error).__name__}); "
                         f"it has been logged. Try other settings, or ask the workshop "
                         f"leader.", icon=":material/error:")
            return None
        if job.result is not None:
            break
        # stopped because nobody watched it, just before we came back: start it again
    result = job.result
    if result.stopped_at is not None:
        # depends on the server's speed, so it is shown but never stored
        where = (f"after epoch {result.stopped_at}" if result.stopped_at >= 0
                 else "before the untrained net was even measured")
        st.info(f"Stopped {where}: this server caps one run at {RUN_TIME_CAP_S:.0f} s. "
                f"Use fewer epochs or a smaller net for the rest.", icon=":material/timer:")
        if result.stopped_at < 0:
            return None         # nothing measured: nothing to draw
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
    job = runs.watch(cfg, store, training_slots(), live is not None, _session())
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


__all__ = ["run_experiment", "result_store", "forget_results", "trainings",
           "training_slots", "FairSlots", "Trainings", "Job"]
