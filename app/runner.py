"""The runner: results shared by every session of the server, at most N trainings at once,
and a progress bar (with a chart that fills in) while a run trains."""
from __future__ import annotations

import math
import os
import threading
import time
from collections import OrderedDict
from typing import Callable

import altair as alt
import streamlit as st

from vgcore import ExperimentConfig
from vgcore.runs import run_config
from vgcore.results import Result

from .blocks import chart

CACHE_ENTRIES = 48          # results kept for all sessions together (each is ~2 MB)
# A shared 2-core server trains one run per core (each run uses one torch thread); more at
# once would only slow every run down. Both caps can be raised per deployment.
MAX_CONCURRENT_TRAININGS = int(os.environ.get("VGLAB_MAX_TRAININGS", "2"))
RUN_TIME_CAP_S = float(os.environ.get("VGLAB_RUN_SECONDS", "120"))
QUEUE_WAIT_S = 300          # give up waiting for a free trainer after this long
LIVE_CHART_EVERY_S = 0.4    # redraw a filling-in chart at most this often


# ---------------------------------------------------------------------------------------
# Running: a bounded LRU of finished results shared by every session of the server.
# ---------------------------------------------------------------------------------------
class ResultStore:
    """Thread-safe LRU of Results keyed by the (frozen, hashable) config."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[ExperimentConfig, Result] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: ExperimentConfig) -> Result | None:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            return None

    def put(self, key: ExperimentConfig, value: Result) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


@st.cache_resource
def result_store() -> ResultStore:
    return ResultStore(CACHE_ENTRIES)


@st.cache_resource
def training_slots() -> threading.BoundedSemaphore:
    """Trainings allowed at once on this server, shared by every session."""
    return threading.BoundedSemaphore(max(MAX_CONCURRENT_TRAININGS, 1))


def run_experiment(cfg: ExperimentConfig | None,
                   live: Callable[[Result], alt.TopLevelMixin] | None = None
                   ) -> Result | None:
    """Return the cached result of `cfg`, or train it with a progress bar (epoch, ETA) and,
    if `live` is given, a chart that fills in while it trains."""
    if cfg is None:
        return None
    store = result_store()
    cached = store.get(cfg)
    if cached is not None:
        return cached
    bar = st.progress(0.0, text="Starting…")
    placeholder = st.empty() if live else None
    last_draw = [0.0]

    def on_epoch(p) -> None:
        done = p.epoch / max(p.epochs, 1)
        eta = "" if math.isnan(p.eta_s) else f" · about {p.eta_s:.0f} s left"
        bar.progress(min(done, 1.0), text=f"Training: epoch {p.epoch}/{p.epochs}"
                                          f" · {p.elapsed_s:.1f} s{eta}")
        now = time.perf_counter()
        if placeholder is not None and now - last_draw[0] > LIVE_CHART_EVERY_S:
            last_draw[0] = now
            try:
                chart(live(p.partial()), where=placeholder)
            except ValueError:
                pass    # too little data to chart yet (e.g. every net diverged at once)

    slots = training_slots()
    waited = time.perf_counter()
    while not slots.acquire(timeout=0.5):
        bar.progress(0.0, text=f"Waiting for a free trainer: this server trains "
                               f"{MAX_CONCURRENT_TRAININGS} runs at a time…")
        if time.perf_counter() - waited > QUEUE_WAIT_S:
            bar.empty()
            st.error("The server is busy training other people's runs; try again in a "
                     "minute.")
            return None
    try:
        # someone may have trained the same config while we waited
        result = store.get(cfg) or run_config(cfg, on_epoch=on_epoch,
                                              max_seconds=RUN_TIME_CAP_S)
    except ValueError as err:
        bar.empty()
        st.error(f"Can't run this experiment: {err}")
        return None
    finally:
        slots.release()
    bar.empty()
    if placeholder is not None:
        placeholder.empty()
    if result.stopped_at is not None:
        # depends on the server's speed, so it is shown but never cached
        st.info(f"Stopped after epoch {result.stopped_at}: this server caps one run at "
                f"{RUN_TIME_CAP_S:.0f} s. Use fewer epochs or a smaller net for the rest.",
                icon=":material/timer:")
    else:
        store.put(cfg, result)
    return result


__all__ = ["run_experiment", "ResultStore", "result_store", "CACHE_ENTRIES"]
