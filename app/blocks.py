"""What every page shares: its intro (with the first-visitor guard), notices, downloads,
and drawing a vgcore chart at its designed size."""
from __future__ import annotations

import json
from typing import Any, Sequence

import altair as alt
import pandas as pd
import streamlit as st
# internal: the one place the old multipage mode can be switched off (require_app_frame)
from streamlit.runtime.pages_manager import PagesManager

from vgcore.kinds import kind_of
from vgcore.results import NO_VALUE, diverged_phrase, spread_text
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
    st.info(f"**What to look for:** {text}", icon=":material/search:")


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
DIVERGENCE_FIXES = (("lr", "a smaller learning rate"), ("grad_clip", "gradient clipping"))


def divergence_notice(result: Any, controls: Sequence[str] = ()) -> None:
    """One warning per diverged net (an activation, a recurrent cell: its seeds
    together). Its kind's `divergence_cause` says what the run's measurements point to
    (an MLP that had exploded before any step: its initialisation); when it cannot tell,
    the advice is a smaller step, naming only what the page's `controls` offer or
    pointing to the page that has them."""
    fixes = [text for name, text in DIVERGENCE_FIXES if name in controls]
    advice = (f"Try {' or '.join(fixes)}." if fixes else
              "The [Exploding gradients](/exploding) page has the learning-rate and "
              "clipping controls.")
    kind = kind_of(result)
    summary = result.summary
    for name, rows in result.diverged().groupby(kind.net, sort=False):
        seeds = int((summary[kind.net] == name).sum())
        cause = kind.divergence_cause(result, name) if kind.divergence_cause else None
        if cause and "init" not in controls:
            cause += (" The [Exploding gradients](/exploding) page has the initialisation "
                      "control.")
        st.warning(f"{kind.net_label(name)} {diverged_phrase(rows, seeds)}: its loss or "
                   f"gradients became NaN/Inf, so its curves stop there. {cause or advice}",
                   icon=":material/bolt:")


def downloads(result: Any, page: str, defaults: Any = None) -> None:
    """The run's records as CSV (its kind's `downloads`: the history, then per-layer or
    per-step numbers) and its config as JSON, named after the page, the settings that
    differ from `defaults` (the page's) and the seed, so that a room's files differ."""
    stem = run_file_stem(page, result.config, defaults or result.config)
    frames = kind_of(result).downloads
    cols = st.columns(len(frames) + 1)
    for col, (frame, label) in zip(cols, frames):
        col.download_button(label, getattr(result, frame).to_csv(index=False),
                            f"{stem}-{frame.replace('_', '-')}.csv", "text/csv",
                            key=f"dl_{frame}_{page}")
    cols[-1].download_button("Config (JSON)", json.dumps(result.config.to_dict(), indent=2),
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


def chart(c: alt.TopLevelMixin, where=None) -> None:
    """Draw a vgcore chart so that it fits its column: a single view fitted to the
    column's width (up to SINGLE_VIEW_MAX_PX), panels at their designed size inside a
    box that scrolls sideways when the column is narrower."""
    if is_single_view(c):
        # "fit-x": the width is fitted, the height grows with a legend taller than the
        # plot (Streamlit's default "fit" cuts such a legend off).
        (where or st).altair_chart(
            c.properties(padding=CHART_PADDING,
                         autosize=alt.AutoSizeParams(type="fit-x", contains="padding")),
            width=SINGLE_VIEW_MAX_PX)
        return
    # autosize "pad": Streamlit's default "fit" squeezes plot, axes and legend into the
    # chart's size and cuts a tall legend off.
    (where or st).altair_chart(
        c.properties(padding=CHART_PADDING,
                     autosize=alt.AutoSizeParams(type="pad", contains="padding")),
        width="content")


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
           "chart", "is_single_view", "page_style", "PAGE_STYLE", "SINGLE_VIEW_MAX_PX"]
