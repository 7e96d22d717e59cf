"""The runner: results shared by every session of the server (and by every server sharing
the store), each config trained once at a time, at most N trainings at once, and a
progress bar (with a chart that fills in) while a run trains.

A training runs in a background thread of the server, not in the session that asked for
it: every session that asks for the same config while it trains watches that one run
(its progress bar and live chart) and gets its result. A run nobody watches any more
(every asker left or changed a control) stops within a second (the engine asks
`should_stop` inside its mini-batch loop); a session asking for a new run gives up its
previous one at once, so a visitor trains one run at a time. A page that shows several
runs side by side asks for them at once (`run_experiments`): configs of one shape train
as one run (vgcore.runs.plan_batches), and the others each their own, on as many
trainers as are free. Trainers are handed out in
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
from vgcore.runs import plan_batches, run_batch, run_config
from vgcore.results import Result
from vgcore.store import Store, compute_many_once, open_store
from vgcore.i18n import tr
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
        st.error(tr("This server's result store is not set up safely: {reason}",
                    reason=escaped(str(err))),
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
    """One config being trained (or waited for) in this process, with the configs
    trained together with it (vgcore.runs.run_batch), and what its watchers show: the
    progress bar's fraction and text, and the latest partial result (of `config`)."""
    config: Any
    owner: str = ""                       # the session that asked first (fair turns)
    together: tuple = ()                  # configs trained in the same run, after config
    asked_at: float = field(default_factory=time.monotonic)
    fraction: float = 0.0
    # what it is doing, as numbers: ("starting",), ("waiting",), ("remote", epoch,
    # epochs) or ("remote",), ("training", epoch, epochs, elapsed s, eta s, runs as
    # one); `text` puts it in words in the reader's language (its watchers' may differ)
    status: tuple = ("starting",)
    queued: bool = True                   # still waiting for a free trainer
    partial: Result | None = None         # for live charts; refreshed while it trains
    live: bool = False                    # some watcher draws a live chart
    results: dict = field(default_factory=dict)     # config -> its result
    trained: bool = False                 # this process trained it (not the store)
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    watchers: int = 0
    unwatched_since: float | None = None
    askers: set[str] = field(default_factory=set)   # sessions whose current run it is
    stopped: bool = False                 # abandoned: its training ends now

    @property
    def configs(self) -> tuple:
        return (self.config, *self.together)

    @property
    def result(self) -> Any:
        return self.results.get(self.config)

    @property
    def text(self) -> str:
        """The progress bar's words, in the current reader's language."""
        return status_text(self.status)


def status_text(status: tuple) -> str:
    """A run's `Job.status` in words."""
    what, *numbers = status
    if what == "waiting":
        return tr("Waiting for a free trainer: this server trains {n} runs at a time, "
                  "in turn…", n=MAX_CONCURRENT_TRAININGS)
    if what == "remote":
        if numbers:
            return tr("Training on another server: epoch {epoch:g}/{epochs:g}",
                      epoch=numbers[0], epochs=numbers[1])
        return tr("Another server is training this run…")
    if what == "training":
        epoch, epochs, elapsed, eta, runs = numbers
        text = (tr("Training {runs} runs as one: epoch {epoch}/{epochs} · {elapsed:.1f} s",
                   runs=runs, epoch=epoch, epochs=epochs, elapsed=elapsed) if runs > 1
                else tr("Training: epoch {epoch}/{epochs} · {elapsed:.1f} s", epoch=epoch,
                        epochs=epochs, elapsed=elapsed))
        return text if math.isnan(eta) else text + tr(" · about {eta:.0f} s left", eta=eta)
    return tr("Starting…")


class Trainings:
    """The runs in progress in this server process, by config (a run of several configs
    is found under each of them)."""

    def __init__(self) -> None:
        self._jobs: dict[Any, Job] = {}
        self._current: dict[str, set[Job]] = {}    # session -> the runs it asked for last
        self._lock = threading.Lock()

    def watch(self, cfg: Any, store: Store, slots: FairSlots, live: bool,
              session: str = "") -> Job:
        """The run of `cfg` in progress here, or a new one; counts the caller as a
        watcher until `leave`. The session's previous runs, if they were of other
        configs, are given up: each stops at once unless someone else still wants it."""
        return self.watch_all([[cfg]], store, slots, live, session)[0]

    def watch_all(self, batches: list[list[Any]], store: Store, slots: FairSlots,
                  live: bool, session: str = "") -> list[Job]:
        """`watch` for several runs at once, a batch of configs trained together each
        (vgcore.runs.plan_batches): the runs in progress of their configs, and one new
        run per batch for the configs nobody trains yet. The caller watches every one
        until it `leave`s each; the session's previous runs not among them are given up."""
        with self._lock:
            jobs: list[Job] = []
            for batch in batches:
                for cfg in batch:
                    found = self._jobs.get(cfg)
                    if found is not None and found not in jobs:
                        jobs.append(found)
                new = [cfg for cfg in dict.fromkeys(batch) if cfg not in self._jobs]
                if new:
                    job = Job(new[0], owner=session, together=tuple(new[1:]))
                    for cfg in new:
                        self._jobs[cfg] = job
                    jobs.append(job)
                    threading.Thread(target=self._work, args=(job, store, slots),
                                     daemon=True, name="vglab-training").start()
            for job in jobs:
                job.watchers += 1
                job.unwatched_since = None
                job.live = job.live or live
            if session:
                for before in self._current.get(session, set()) - set(jobs):
                    before.askers.discard(session)
                    if not before.askers and before.watchers <= 0:
                        self._stop(before)
                self._current[session] = set(jobs)
                for job in jobs:
                    job.askers.add(session)
            return jobs

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
        self._forget(job)

    def _forget(self, job: Job) -> None:
        """Drop `job` from the runs in progress and from its askers' (holds self._lock)."""
        for cfg in job.configs:
            if self._jobs.get(cfg) is job:
                del self._jobs[cfg]
        for session in job.askers:
            current = self._current.get(session)
            if current is not None:
                current.discard(job)
                if not current:
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
            done = compute_many_once(
                store, job.configs, lambda configs: self._train(job, configs, slots, store),
                on_wait=lambda note: self._wait_remote(job, note), count=False)
            job.results = {cfg: result for cfg, (result, _) in zip(job.configs, done)}
            job.trained = any(trained for _, trained in done)
        except Abandoned:
            pass
        except BaseException as err:  # noqa: BLE001 -- handed to every watcher
            if not isinstance(err, ValueError):
                log.error("training failed: %s", job.config, exc_info=err)
            job.error = err
        finally:
            with self._lock:
                self._forget(job)
            job.done.set()

    def _wait_remote(self, job: Job, note: dict | None) -> None:
        """Another process holds the store's lock for this config: show its progress."""
        self._check(job)
        job.queued = False
        epoch, epochs = (note or {}).get("epoch"), (note or {}).get("epochs")
        if isinstance(epoch, (int, float)) and isinstance(epochs, (int, float)) and epochs:
            job.fraction = min(max(epoch / epochs, 0.0), 1.0)
            job.status = ("remote", epoch, epochs)
        else:
            job.status = ("remote",)

    def _train(self, job: Job, configs: list[Any], slots: FairSlots, store: Store
               ) -> list[Any]:
        """Train `configs` (the job's, less any another process trains) as one run."""
        while not slots.acquire(job.owner, job.asked_at, timeout=0.5):
            self._check(job)
            job.status = ("waiting",)
        try:
            self._check(job)
            job.queued = False
            job.status = ("starting",)
            for cfg in configs:
                store.count_training(cfg)      # it really starts now (holding a slot)
            shared, drawn = [0.0], [0.0]

            def on_epoch(p) -> None:
                self._check(job)
                job.fraction = min(p.epoch / max(p.epochs, 1), 1.0)
                job.status = ("training", p.epoch, p.epochs, p.elapsed_s, p.eta_s,
                              len(configs))
                now = time.perf_counter()
                if job.live and now - drawn[0] > LIVE_CHART_EVERY_S:
                    drawn[0] = now
                    job.partial = p.partial()
                if now - shared[0] > SHARE_PROGRESS_EVERY_S:
                    shared[0] = now
                    for cfg in configs:
                        store.set_progress(cfg, {"epoch": p.epoch, "epochs": p.epochs,
                                                 "elapsed_s": p.elapsed_s})
            guards = {"max_seconds": RUN_TIME_CAP_S, "should_stop": lambda: self.abandoned(job)}
            results = ([run_config(configs[0], on_epoch=on_epoch, **guards)]
                       if len(configs) == 1 else run_batch(configs, on_epoch, **guards))
        finally:
            slots.release()
        if job.stopped and any(getattr(r, "stopped_at", None) is not None for r in results):
            raise Abandoned         # stopped inside an epoch: nobody wants the part run
        return results


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
    return run_experiments([cfg], live)[0]


def run_experiments(cfgs: list[Any], live: Callable[[Result], alt.TopLevelMixin] | None = None
                    ) -> list[Result | None]:
    """`run_experiment` for the runs a page shows side by side, asked for at once: the
    stored ones are read, the rest trained with one progress bar, configs of one shape
    as one run (vgcore.runs.plan_batches) and the others beside it, as many at a time as
    trainers are free. A live chart follows the first config. Results in `cfgs`' order;
    None for a config that is None (not valid), a run that failed (said once in an
    st.error) or one that measured nothing."""
    if all(cfg is None for cfg in cfgs):
        return [None] * len(cfgs)
    store = result_store()
    results = {cfg: store.get(cfg) for cfg in dict.fromkeys(cfgs) if cfg is not None}
    missing = [cfg for cfg, result in results.items() if result is None]
    while missing:
        jobs = _watch([[missing[i] for i in batch] for batch in plan_batches(missing)],
                      store, live)
        if jobs is None:
            return [None] * len(cfgs)
        failed = next((job.error for job in jobs if job.error is not None), None)
        if failed is not None:
            if isinstance(failed, ValueError):
                st.error(tr("Can't run this experiment: {reason}", reason=failed))
            else:
                st.error(tr("This run failed on the server ({error}); it has been logged. "
                            "Try other settings, or ask the workshop leader.",
                            error=type(failed).__name__), icon=":material/error:")
            return [None] * len(cfgs)
        for job in jobs:
            results.update({cfg: job.results[cfg] for cfg in missing if cfg in job.results})
        # a run stopped because nobody watched it, just before we came back: start it again
        missing = [cfg for cfg in missing if results[cfg] is None]
    cut = [r.stopped_at for r in results.values() if r.stopped_at is not None]
    if cut:
        # depends on the server's speed, so it is shown but never stored
        rest = tr("this server caps one run at {cap:.0f} s. Use fewer epochs or a smaller "
                  "net for the rest.", cap=RUN_TIME_CAP_S)
        st.info(tr("Stopped after epoch {epoch}: {rest}", epoch=min(cut), rest=rest)
                if min(cut) >= 0 else
                tr("Stopped before the untrained net was even measured: {rest}", rest=rest),
                icon=":material/timer:")
    # a run that measured nothing has nothing to draw
    return [None if cfg is None or results[cfg].stopped_at is not None
            and results[cfg].stopped_at < 0 else results[cfg] for cfg in cfgs]


def _watch(batches: list[list[Any]], store: Store,
           live: Callable[[Result], alt.TopLevelMixin] | None) -> list[Job] | None:
    """Show the runs of `batches` (configs trained together) until every one ends; None
    if the trainers stayed busy too long. Some element is redrawn at least once a
    second, so a rerun the learner asks for (Streamlit interrupts a script at its next
    element) is never held up."""
    bar = st.progress(0.0, text="Starting…")
    placeholder = st.empty() if live else None
    shown, shown_at, drawn = None, 0.0, None
    started = time.monotonic()
    runs = trainings()
    jobs = runs.watch_all(batches, store, training_slots(), live is not None, _session())
    first = jobs[0]
    try:
        while not all(job.done.wait(WATCH_EVERY_S / len(jobs)) for job in jobs):
            now = time.monotonic()
            view = (round(sum(job.fraction for job in jobs) / len(jobs), 3),
                    _progress_text(jobs))
            if view != shown or now - shown_at > 1.0:
                bar.progress(view[0], text=view[1])
                shown, shown_at = view, now
            partial = first.partial
            if placeholder is not None and partial is not None and partial is not drawn:
                drawn = partial
                try:
                    chart(live(partial), where=placeholder)
                except ValueError:
                    pass    # too little data to chart yet (e.g. every net diverged at once)
            if all(job.queued for job in jobs if not job.done.is_set()) \
                    and now - started > QUEUE_WAIT_S:
                bar.empty()
                st.error(tr("The server is busy training other people's runs; try again "
                            "in a minute."))
                return None
    finally:
        for job in jobs:
            runs.leave(job)
    bar.empty()
    if placeholder is not None:
        placeholder.empty()
    return jobs


def _progress_text(jobs: list[Job]) -> str:
    """One run's progress text; for several, how many are done and the first under way."""
    if len(jobs) == 1:
        return jobs[0].text
    done = sum(job.done.is_set() for job in jobs)
    going = next((job.text for job in jobs if not job.done.is_set() and not job.queued),
                 next((job.text for job in jobs if not job.done.is_set()), ""))
    return tr("{done} of {n} runs done · {going}", done=done, n=len(jobs), going=going)


__all__ = ["run_experiment", "run_experiments", "result_store", "forget_results", "trainings",
           "training_slots", "FairSlots", "Trainings", "Job"]
