"""Workshop — Presets: the published figures re-run, our numbers beside theirs."""
import pandas as pd
import streamlit as st

from app.blocks import cells, chart, downloads, kept, page_intro
from vgcore.results import seeds_text, spread_text
from app.runner import run_experiment
from app.widgets import Widget, bound
from vgcore.workshop.presets import PRESETS

PAGE = "presets"
TABLE_ROW_PX = 35          # st.dataframe's row height: the table is sized to show every row
VERDICT = {True: "✓ within", False: "✗ outside"}     # the within-band column's cells
PRESET = Widget("preset", "select", "Preset", tuple(PRESETS),
                fmt={k: p.title for k, p in PRESETS.items()})


def numbers(key: str, results: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Preset `key`'s comparison, and the table shown of it: the verdict first (on a
    phone the table scrolls sideways: the verdict stays in view), numbers as text so a
    direction-only published value reads "—", not "None"."""
    preset = PRESETS[key]
    table = preset.compare(results)
    per_seed = preset.per_seed(results)
    return table, pd.DataFrame({
        "within band": [VERDICT[bool(v)] for v in table["within_band"]],
        "quantity": table["quantity"],
        "published": cells(table["published"], "{:.4g}"),
        "ours": [spread_text(per_seed.loc[per_seed["quantity"] == q, "value"], "{:.4g}")
                 for q in table["quantity"]],
        "tolerance": table["tolerance"],
    })

page_intro("Presets: the published figures",
           "the *within band* column. Each preset re-runs a figure from Nielsen's book, "
           "Glorot & Bengio (2010), He et al. (2015), Hochreiter & Schmidhuber (1997) "
           "or the cures of lesson 8 and puts our numbers beside the published ones, "
           "with the tolerance that is honest for a small re-run (where a paper states a "
           "direction, not a number, the band is that direction).")
key = bound(PRESET, next(iter(PRESETS)))
preset = PRESETS[key]
st.markdown(f"**What it shows.** {preset.shows}")
st.caption(f"Source: {preset.source}")

results = preset.run_all(run_experiment)
if results is not None:
    table, shown = kept(numbers, key, results)
    within = int(table["within_band"].sum())
    verdict = f"{within} of {len(table)} numbers within their band"
    if within == len(table):
        st.success(f"Reproduced: {verdict}.", icon=":material/check_circle:")
    else:
        st.warning(f"Not reproduced: {verdict}.", icon=":material/warning:")
    # Every row in view (the headline rows come first), the columns fitting a laptop's
    # width.
    st.dataframe(shown, hide_index=True, height=TABLE_ROW_PX * (len(table) + 1) + 3,
                 column_config={
                     "within band": st.column_config.TextColumn("within band", width=105),
                     "quantity": st.column_config.TextColumn("quantity", width=330),
                     "published": st.column_config.TextColumn(
                         "published", width=80,
                         help="—: the source states a direction, not a number"),
                     "ours": st.column_config.TextColumn(
                         "ours", width=150,
                         help="The median over the seeds, their range in brackets: the "
                              "median is what the band judges"),
                     "tolerance": st.column_config.TextColumn(
                         "tolerance", width=330,
                         help="The band our number must land in, and why"),
                 })
    seeds = max(int(r.config.n_seeds) for r in results.values())
    st.caption(f"**Ours** is the median of {seeds_text(seeds)} with their range in "
               f"brackets; the band judges the median."
               + (" A share of seeds is counted over all of them at once."
                  if any(q.pooled for q in preset.quantities) else "") if seeds > 1 else
               f"**Ours** is {seeds_text(1)}'s number: one draw.")
    st.caption(f"**Tolerance.** {preset.note}")
    chart(preset.chart, results)
    with st.expander("Download the runs (upload them on *Compare runs*)"):
        for n, (label, result) in enumerate(results.items(), 1):
            st.markdown(f"**{label}**")
            downloads(result, f"{preset.key}-{n}")
