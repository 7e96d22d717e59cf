"""What every page shares: its intro (with the first-visitor guard), notices, downloads,
and drawing a vgcore chart at its designed size."""
from __future__ import annotations

import dataclasses
import json
import numbers
import os
import threading
from collections import OrderedDict
from contextlib import nullcontext
from typing import Any, Callable, Sequence

import altair as alt
import pandas as pd
import streamlit as st
# internal: the data transformer and lock st.altair_chart converts a chart with, so that
# a spec made here once is the spec st.altair_chart would make on every request
from streamlit.dataframe_util import convert_anything_to_arrow_bytes
from streamlit.elements.vega_charts import (_altair_globals_lock,
                                            _is_geojson_or_topojson_payload,
                                            _to_arrow_dataset)
# internal: the one place the old multipage mode can be switched off (require_app_frame)
from streamlit.runtime.pages_manager import PagesManager

from vgcore.i18n import N_, language, tr
from vgcore.kinds import kind_of
from vgcore.results import NO_VALUE, diverged_phrase, spread_text
from vgcore.store.keys import key_of, storable
from vgcore.text import text_width
from vgcore.workshop.uploads import run_file_stem

from . import links


# ---------------------------------------------------------------------------------------
# Small shared blocks
# ---------------------------------------------------------------------------------------
def require_app_frame() -> None:
    """Send a run that bypassed streamlit_app.py back through it (`page_intro` calls it
    first, before the page draws anything).

    Until a server's first `st.navigation` call Streamlit treats the app as an old-style
    pages/ app, so a fresh server's first visitor of a link gets the page script run
    directly, without our sidebar; only such a run still has
    `PagesManager.uses_pages_directory` set. A rerun reaches the same page through
    streamlit_app.py (URLs are file names) and keeps the query parameters.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def look_for(text: str) -> None:
    """The page's one-line 'what to look for'."""
    st.info(tr("**What to look for:** {text}", text=text), icon=":material/search:")


def page_intro(title: str, look: str | None = None) -> None:
    """Every page starts here: make sure the run came through the app's navigation
    (`require_app_frame`), then the title, the 'what to look for' line, and the place
    where problems with a shared link are announced (`app.links`)."""
    require_app_frame()
    st.title(title)
    if look:
        look_for(look)
    links.start(title)


# What a page may offer against divergence, in the order the advice names it.
DIVERGENCE_FIXES = (("lr", N_("a smaller learning rate")),
                    ("grad_clip", N_("gradient clipping")))


def divergence_notice(result: Any, controls: Sequence[str] = ()) -> None:
    """One warning per diverged net (an activation, a recurrent cell: its seeds
    together). Its kind's `divergence_cause` says what the run's measurements point to
    (an MLP that had exploded before any step: its initialisation); when it cannot tell,
    the advice is a smaller step, naming only what the page's `controls` offer or
    pointing to the page that has them."""
    fixes = [tr(text) for name, text in DIVERGENCE_FIXES if name in controls]
    advice = (tr("Try {fixes}.", fixes=tr(" or ").join(fixes)) if fixes else
              tr("The [Exploding gradients](/exploding) page has the learning-rate and "
                 "clipping controls."))
    kind = kind_of(result)
    summary = result.summary
    for name, rows in result.diverged().groupby(kind.net, sort=False):
        seeds = int((summary[kind.net] == name).sum())
        cause = kind.divergence_cause(result, name) if kind.divergence_cause else None
        if cause and "init" not in controls:
            cause += tr(" The [Exploding gradients](/exploding) page has the "
                        "initialisation control.")
        st.warning(tr("{net} {diverged}: its loss or gradients became NaN/Inf, so its "
                      "curves stop there. {advice}", net=kind.net_label(name),
                      diverged=diverged_phrase(rows, seeds), advice=cause or advice),
                   icon=":material/bolt:")


def downloads(result: Any, page: str, defaults: Any = None) -> None:
    """The run's records as CSV (its kind's `downloads`: the history, then per-layer or
    per-step numbers) and its config as JSON, named after the page, the settings that
    differ from `defaults` (the page's) and the seed, so that a room's files differ."""
    stem = run_file_stem(page, result.config, defaults or result.config)
    frames = kind_of(result).downloads
    cols = st.columns(len(frames) + 1)
    for col, (frame, label) in zip(cols, frames):
        col.download_button(tr(label), getattr(result, frame).to_csv(index=False),
                            f"{stem}-{frame.replace('_', '-')}.csv", "text/csv",
                            key=f"dl_{frame}_{page}")
    cols[-1].download_button(tr("Config (JSON)"), json.dumps(result.config.to_dict(), indent=2),
                             f"{stem}-config.json", "application/json", key=f"dl_cfg_{page}")


# Table cells as text: st.dataframe prints a missing number (a net that diverged, a
# direction-only published value) as "None", which reads as a bug.
MISSING = NO_VALUE


def cells(values, fmt: str) -> list[str]:
    """`values` formatted with `fmt` ("{:.1%}", "epoch {:.0f}", ...), MISSING for NaN."""
    return [MISSING if v is None or v != v else fmt.format(v) for v in values]


def spread_cells(frame: pd.DataFrame, by: str | list[str], value: str, fmt: Any
                 ) -> pd.Series:
    """One cell per group of `by` (in order of appearance): its seeds' `value` as the
    middle and the range, '84% (81–86%)' (`vgcore.results.spread_text`)."""
    return frame.groupby(by, sort=False)[value].agg(lambda v: spread_text(v, fmt))


# A table's text columns share the width of a lesson's column at 1280 px (a projector)
# with the sidebar open, 820 px, less what the grid's borders and a misjudged glyph
# width take (the presets table in Chinese was cut by ~45 px at 820).
TABLE_MAX_PX = 770
_CHAR_PX, _CELL_PAD_PX, _COLUMN_MIN_PX = 7.5, 18, 60


def column_widths(frame: pd.DataFrame, total_px: int = TABLE_MAX_PX) -> dict[str, int]:
    """Each column's width in px for st.dataframe: what its longest text (header
    included; a CJK character twice a Latin letter's width) needs, the widest columns
    narrowed in turn until the table fits `total_px`. Words of either language fit
    without a fixed width per language."""
    need = {c: _CELL_PAD_PX + _CHAR_PX * max(
        [text_width(str(c))] + [text_width(str(v)) for v in frame[c]]) for c in frame}
    level = max(need.values(), default=0)      # no column wider than this
    while sum(min(w, level) for w in need.values()) > total_px and level > _COLUMN_MIN_PX:
        level -= 1
    return {c: int(min(w, level)) for c, w in need.items()}


# Streamlit's chart theme sets zero padding, which cuts the top half off a chart title;
# a little padding keeps every title readable.
CHART_PADDING = {"top": 16, "left": 5, "right": 5, "bottom": 5}
# A single view (one plot, or plots layered on one pair of axes) is drawn at most this
# wide, axes and legend included, and narrower in a narrower column (a phone's 400 px):
# Streamlit then fits the whole chart into the width. A 600 px plot plus its legend.
SINGLE_VIEW_MAX_PX = 820
# Panels (facets, charts side by side or stacked) cannot shrink to a column: Vega-Lite
# sizes each panel, not the whole. They keep their designed size and, where the column
# is narrower, scroll sideways inside their own box (PAGE_STYLE) instead of the page.
_PANELS = (alt.FacetChart, alt.HConcatChart, alt.VConcatChart, alt.ConcatChart,
           alt.RepeatChart)


def is_single_view(c: alt.TopLevelMixin) -> bool:
    """Whether `c` is one plot (layers included) that can be fitted to a width."""
    if isinstance(c, _PANELS):
        return False
    layers = c.layer if isinstance(c, alt.LayerChart) else [c]
    return not any(_has_facet_channel(layer) for layer in layers)


def _has_facet_channel(c: Any) -> bool:
    encoding = getattr(c, "encoding", alt.Undefined)
    return any(getattr(encoding, ch, alt.Undefined) is not alt.Undefined
               for ch in ("row", "column", "facet")) if encoding is not alt.Undefined else False


# What pages draw and say about stored results, kept for every visitor: a page showing a
# stored result sends what was made for it before. Bounded in entries and bytes (a
# chart's data, Arrow, is most of its spec): a 690 MB box cannot keep every epoch of
# every visitor's network picture.
KEPT_ENTRIES = 512
KEPT_BYTES = 32 * 2**20
# Altair's JSON-schema validation costs more than building most charts: it runs in the
# tests (VGLAB_VALIDATE_CHARTS=1, tests/conftest.py), never on a visitor's request.
VALIDATE_CHARTS = os.environ.get("VGLAB_VALIDATE_CHARTS") == "1"

Drawn = tuple[dict, "int | str", int]     # (Vega-Lite spec, st width, bytes of its data)
NOTHING: Drawn = (None, None, 0)          # a builder that had nothing to draw


class KeptCache:
    """A thread-safe LRU of values by key, each with its size in bytes, bounded in
    entries and in bytes."""

    def __init__(self, entries: int = KEPT_ENTRIES, max_bytes: int = KEPT_BYTES) -> None:
        self.entries, self.max_bytes, self.bytes = entries, max_bytes, 0
        self._data: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            found = self._data.get(key)
            if found is None:
                return default
            self._data.move_to_end(key)
            return found[0]

    def put(self, key: str, value: Any, size: int) -> None:
        if size > self.max_bytes // 8:           # one huge chart must not empty the cache
            return
        with self._lock:
            old = self._data.pop(key, None)
            self.bytes -= old[1] if old else 0
            self._data[key] = (value, size)
            self.bytes += size
            while len(self._data) > self.entries or self.bytes > self.max_bytes:
                self.bytes -= self._data.popitem(last=False)[1][1]

    def __len__(self) -> int:
        return len(self._data)


@st.cache_resource
def kept_cache() -> KeptCache:
    """What this server keeps of the pages' charts, sentences and tables, shared by
    every session."""
    return KeptCache()


_ABSENT = object()


def _size(value: Any) -> int:
    """Roughly the bytes `value` holds: a frame's memory, strings' lengths."""
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(deep=True).sum())
    if isinstance(value, (list, tuple)):
        return 64 + sum(_size(v) for v in value)
    return len(value) if isinstance(value, (str, bytes)) else 64


def kept(fn: Callable[..., Any], *args: Any, of: Any = (), **kwargs: Any) -> Any:
    """`fn(*args, **kwargs)`, kept for every visitor when it is made from stored
    results (the same key as `chart`'s): a page's sentences and tables about a result.
    The value is shared: read it, never change it."""
    key = drawn_key(fn, args, kwargs, of)
    cache = kept_cache()
    value = cache.get(f"value:{key}", _ABSENT) if key is not None else _ABSENT
    if value is _ABSENT:
        value = fn(*args, **kwargs)
        if key is not None:
            cache.put(f"value:{key}", value, _size(value))
    return value


def _vega_lite(c: alt.TopLevelMixin) -> Drawn:
    """`c` fitted to its column (see `chart`) as the spec st.vega_lite_chart takes, its
    data as Arrow datasets, exactly as st.altair_chart would make it (same dataset names,
    same theme), but without Altair's schema validation unless VALIDATE_CHARTS."""
    if is_single_view(c):
        # "fit-x": the width is fitted, the height grows with a legend taller than the
        # plot (Streamlit's default "fit" cuts such a legend off).
        c = c.properties(padding=CHART_PADDING,
                         autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
        width: int | str = SINGLE_VIEW_MAX_PX
    else:
        # autosize "pad": Streamlit's default "fit" squeezes plot, axes and legend into
        # the chart's size and cuts a tall legend off.
        c = c.properties(padding=CHART_PADDING,
                         autosize=alt.AutoSizeParams(type="pad", contains="padding"))
        width = "content"
    datasets: dict[str, Any] = {}
    alt.data_transformers.register("to_arrow_dataset", _to_arrow_dataset)
    # Altair's theme and data transformer are process-wide: Streamlit's own lock
    with _altair_globals_lock:
        theme = alt.theme.enable("none") if alt.theme.active == "default" else nullcontext()
        with theme, alt.data_transformers.enable("to_arrow_dataset", datasets=datasets):
            spec = c.to_dict(validate=VALIDATE_CHARTS)
    # Inline records (vgcore.charts' InlineData) as the Arrow bytes st.vega_lite_chart
    # would make of them on every request; geometry stays as it is (Streamlit's rule).
    spec["datasets"] = {name: d if isinstance(d, bytes) or _is_geojson_or_topojson_payload(d)
                        else convert_anything_to_arrow_bytes(d)
                        for name, d in {**spec.get("datasets", {}), **datasets}.items()}
    return spec, width, sum(len(d) for d in spec["datasets"].values() if isinstance(d, bytes))


def _result_key(value: Any) -> str | None:
    """A finished, storable result's store key; None for a partial or time-capped one
    (its numbers depend on when it was drawn or on the server's speed)."""
    if not getattr(value, "finished", False) or not storable(value):
        return None
    return key_of(value.config)


def _is_result(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and hasattr(value, "config") \
        and hasattr(value, "finished")


def _token(value: Any, frames: dict[int, str]) -> str | None:
    """What `value` contributes to a drawn chart's key; None if it cannot be named (a
    DataFrame that is not one of a stored result's own, a partial result, an object)."""
    if value is None or isinstance(value, (bool, str, numbers.Number)):
        return f"{type(value).__name__}:{value!r}"
    if isinstance(value, pd.DataFrame):
        return frames.get(id(value))
    if _is_result(value):
        return _result_key(value)
    if isinstance(value, (tuple, list)):
        parts = [_token(v, frames) for v in value]
        return None if None in parts else f"{type(value).__name__}({','.join(parts)})"
    if isinstance(value, dict):
        parts = [_token(k, frames) for k in value] + [_token(v, frames) for v in value.values()]
        return None if None in parts else f"dict({','.join(parts)})"
    return None


def _builder_name(build: Callable) -> str | None:
    """A builder's identity: a function by its file and name (a page's own functions
    are made anew each run), a method by its object's key (an exercise, a preset)."""
    owner = getattr(build, "__self__", None)
    if owner is not None:
        key = getattr(owner, "key", None)
        if not isinstance(key, str):
            return None
        build, prefix = build.__func__, f"{type(owner).__qualname__}[{key}]."
    else:
        prefix = ""
    code = getattr(build, "__code__", None)
    if code is None or build.__name__ == "<lambda>" or code.co_freevars:
        return None               # a closure's variables are not part of its name
    return f"{code.co_filename}:{prefix}{build.__qualname__}"


def drawn_key(build: Callable, args: Sequence, kwargs: dict, of: Any = ()) -> str | None:
    """The key of what `build(*args, **kwargs)` draws: the builder and every argument,
    a result by its store key and a DataFrame by its result's key and attribute (it must
    be a frame of a result in `args` or `of`). None: not to be kept (a partial result,
    an argument that cannot be named)."""
    name = _builder_name(build)
    if name is None:
        return None
    results = [v for v in (*args, *kwargs.values(), *(of if isinstance(of, (tuple, list))
                                                      else (of,))) if _is_result(v)]
    frames: dict[int, str] = {}
    for r in results:
        key = _result_key(r)
        if key is None:
            return None
        for f in dataclasses.fields(r):
            frame = getattr(r, f.name)
            if isinstance(frame, pd.DataFrame):
                frames[id(frame)] = f"{key}.{f.name}"
    token = _token((list(args), {k: kwargs[k] for k in sorted(kwargs)}), frames)
    # what a builder draws holds words: each language's are kept apart
    return None if token is None else f"{language()}:{name}{token}"


def chart(c: alt.TopLevelMixin | Callable[..., alt.TopLevelMixin], *args: Any,
          where: Any = None, of: Any = (), **kwargs: Any) -> None:
    """Draw a vgcore chart so that it fits its column: a single view fitted to the
    column's width (up to SINGLE_VIEW_MAX_PX), panels at their designed size inside a
    box that scrolls sideways when the column is narrower.

    `c` is a chart, or a builder called as `c(*args, **kwargs)`: then what it draws for
    stored results (in `args`, or the results in `of` whose frames `args` are) is kept
    by the server (`kept_cache`) and every later visitor is sent it without drawing:
    ``chart(charts.grad_norm_bars, result.layers, epoch=0, of=result)``. A builder of
    anything else than a result's own frames (a derived frame) is a function of the
    results, so that the key names what it draws. A builder may return None: nothing
    is drawn."""
    if isinstance(c, alt.TopLevelMixin):
        if args or kwargs or of != ():
            raise TypeError("chart(c): arguments are for a builder, not a drawn chart")
        drawn = _vega_lite(c)
    else:
        key = drawn_key(c, args, kwargs, of)
        cache = kept_cache()
        drawn = cache.get(f"chart:{key}") if key is not None else None
        if drawn is None:
            built = c(*args, **kwargs)
            drawn = NOTHING if built is None else _vega_lite(built)
            if key is not None:
                cache.put(f"chart:{key}", drawn, drawn[2])
    spec, width, _ = drawn
    if spec is not None:
        (where or st).vega_lite_chart(spec, width=width)


# The app's own style, one rule per need (data-testids are Streamlit's, checked by the
# real-browser suite): a chart wider than its column scrolls inside its own box, never
# the page; a little less blank space above a page's title, so that a projector's
# 720 px show the title, the page's first chart and the controls beside it.
PAGE_STYLE = """<style>
[data-testid="stVegaLiteChart"] { overflow-x: auto; overflow-y: hidden; max-width: 100%; }
[data-testid="stMainBlockContainer"] { padding-top: 3.5rem; }
</style>"""


def page_style() -> None:
    """The app's style sheet (PAGE_STYLE): once per run, from the frame."""
    st.html(PAGE_STYLE)


__all__ = ["cells", "spread_cells", "MISSING", "page_intro", "require_app_frame", "look_for",
           "divergence_notice", "downloads",
           "chart", "kept", "kept_cache", "drawn_key", "KeptCache", "is_single_view", "page_style", "PAGE_STYLE", "SINGLE_VIEW_MAX_PX"]
