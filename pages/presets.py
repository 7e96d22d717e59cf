"""Workshop — Presets: the published figures re-run, our numbers beside theirs."""
import pandas as pd
import streamlit as st

from app.blocks import cells, chart, column_widths, downloads, kept, page_intro
from vgcore.i18n import N_, tr
from vgcore.results import seeds_text, spread_text
from app.runner import run_experiment
from app.widgets import Widget, bound
from vgcore.workshop.presets import PRESETS

PAGE = "presets"
TABLE_ROW_PX = 35          # st.dataframe's row height: the table is sized to show every row
VERDICT = {True: N_("✓ within"), False: N_("✗ outside")}   # the within-band column's cells
PRESET = Widget("preset", "select", N_("Preset"), tuple(PRESETS),
                fmt={k: p.title for k, p in PRESETS.items()})


def numbers(key: str, results: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Preset `key`'s comparison, and the table shown of it: the verdict first (on a
    phone the table scrolls sideways: the verdict stays in view), numbers as text so a
    direction-only published value reads "—", not "None". Its headers and words are the
    reader's; the quantities are matched by their (English) labels."""
    preset = PRESETS[key]
    table = preset.compare(results)
    per_seed = preset.per_seed(results)
    return table, pd.DataFrame({
        tr("within band"): [tr(VERDICT[bool(v)]) for v in table["within_band"]],
        tr("quantity"): table["quantity"].map(tr),
        tr("published"): cells(table["published"], "{:.4g}"),
        tr("ours"): [spread_text(per_seed.loc[per_seed["quantity"] == q, "value"], "{:.4g}")
                     for q in table["quantity"]],
        tr("tolerance"): table["tolerance"].map(tr),
    })

page_intro(tr("Presets: the published figures"),
           tr("the *within band* column. Each preset re-runs a figure from Nielsen's book, "
              "Glorot & Bengio (2010), He et al. (2015), Hochreiter & Schmidhuber (1997) "
              "or the cures of lesson 8 and puts our numbers beside the published ones, "
              "with the tolerance that is honest for a small re-run (where a paper states "
              "a direction, not a number, the band is that direction)."))
key = bound(PRESET, next(iter(PRESETS)))
preset = PRESETS[key]
st.markdown(tr("**What it shows.** {shows}", shows=tr(preset.shows)))
st.caption(tr("Source: {source}", source=tr(preset.source)))

results = preset.run_all(run_experiment)
if results is not None:
    table, shown = kept(numbers, key, results)
    within, total = int(table["within_band"].sum()), len(table)
    if within == total:
        st.success(tr("Reproduced: {within} of {total} numbers within their band.",
                      within=within, total=total), icon=":material/check_circle:")
    else:
        st.warning(tr("Not reproduced: {within} of {total} numbers within their band.",
                      within=within, total=total), icon=":material/warning:")
    # Every row in view (the headline rows come first), the columns fitting a projector's
    # width in either language; each column named as `numbers` names it.
    width = column_widths(shown)
    st.dataframe(shown, hide_index=True, height=TABLE_ROW_PX * (len(table) + 1) + 3,
                 column_config={
                     tr("within band"): st.column_config.TextColumn(
                         tr("within band"), width=width[tr("within band")]),
                     tr("quantity"): st.column_config.TextColumn(
                         tr("quantity"), width=width[tr("quantity")]),
                     tr("published"): st.column_config.TextColumn(
                         tr("published"), width=width[tr("published")],
                         help=tr("—: the source states a direction, not a number")),
                     tr("ours"): st.column_config.TextColumn(
                         tr("ours"), width=width[tr("ours")],
                         help=tr("The median over the seeds, their range in brackets: the "
                                 "median is what the band judges")),
                     tr("tolerance"): st.column_config.TextColumn(
                         tr("tolerance"), width=width[tr("tolerance")],
                         help=tr("The band our number must land in, and why")),
                 })
    seeds = max(int(r.config.n_seeds) for r in results.values())
    if seeds <= 1:
        st.caption(tr("**Ours** is {seeds}'s number: one draw.", seeds=seeds_text(1)))
    elif any(q.pooled for q in preset.quantities):
        st.caption(tr("**Ours** is the median of {seeds} with their range in brackets; the "
                      "band judges the median. A share of seeds is counted over all of them "
                      "at once.", seeds=seeds_text(seeds)))
    else:
        st.caption(tr("**Ours** is the median of {seeds} with their range in brackets; the "
                      "band judges the median.", seeds=seeds_text(seeds)))
    st.caption(tr("**Tolerance.** {note}", note=tr(preset.note)))
    chart(preset.chart, results)
    with st.expander(tr("Download the runs (upload them on *Compare runs*)")):
        for n, (label, result) in enumerate(results.items(), 1):
            st.markdown(f"**{tr(label)}**")
            downloads(result, f"{preset.key}-{n}")
