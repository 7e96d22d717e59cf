"""Lesson 4 — Loss curves: training and test loss and accuracy for every activation."""
import pandas as pd
import streamlit as st

from app.blocks import (MISSING, chart, divergence_notice, downloads, kept, page_intro,
                        spread_cells)
from app.runner import run_experiment
from app.widgets import page_controls
from vgcore import charts
from vgcore.data import DATASETS
from vgcore.i18n import tr
from vgcore.results import (best_accuracy, best_test_epochs, chance_sentences, on_seeds,
                            seeds_text, spread_text)
from vgcore.workshop.experiments import PAGE_EXPERIMENTS

PAGE = "loss_curves"
LEARNED = 0.8       # below this best test accuracy the page suggests what to change


def summary_table(result, n_classes: int) -> pd.DataFrame:
    """One row per activation: each number the middle of its seeds and their range.
    Its headers are words: kept per language (app.blocks.kept)."""
    s = result.summary.assign(best=best_test_epochs(result.summary, result.history,
                                                    n_classes))
    by = "activation"
    seeds = s.groupby(by, sort=False)["seed"].count()
    diverged = s.groupby(by, sort=False)["diverged_at"].agg(
        lambda d: MISSING if d.isna().all() else
        tr("{seeds}, at epoch {epochs}", seeds=on_seeds(int(d.notna().sum()), len(d)),
           epochs=spread_text(d, "{:.0f}")))
    table = pd.DataFrame({
        tr("seeds"): seeds,
        tr("train accuracy"): spread_cells(s, by, "final_train_accuracy", "{:.1%}"),
        tr("test accuracy"): spread_cells(s, by, "final_test_accuracy", "{:.1%}"),
        tr("best test epoch"): spread_cells(s, by, "best", "{:.0f}"),
        tr("layer L ÷ layer 1 at start"): spread_cells(s, by, "speed_ratio", "{:.3g}"),
        tr("diverged"): diverged}).reset_index()
    table = table.assign(activation=table["activation"].map(charts.activation_label))
    return table.rename(columns={"activation": tr("activation")})


page_intro(tr("Loss curves"),
           tr("ReLU and tanh fall at once; the sigmoid net's loss sits on a plateau at a "
              "uniform guess's (2.30) for its first ten epochs or so, then falls (Nielsen "
              "ch. 5): its first layers learn slowest. Solid = training, dashed = test."))
cfg = page_controls(PAGE)
result = run_experiment(cfg, live=lambda r: charts.loss_chart(r.history))
if result is not None:
    divergence_notice(result, PAGE_EXPERIMENTS[PAGE].controls)
    best, accuracy = best_accuracy(result.summary)
    if accuracy < LEARNED:
        mine = result.summary[result.summary["activation"] == best]
        reached = (tr("{accuracy} test accuracy, the median of {seeds}",
                      accuracy=spread_text(mine["final_test_accuracy"], "{:.0%}"),
                      seeds=seeds_text(len(mine))) if len(mine) > 1 else
                   tr("{accuracy:.0%} test accuracy {seeds}", accuracy=accuracy,
                      seeds=on_seeds(1, 1, mine["seed"])))
        st.info(tr("No net has learned this data set yet: the best, {net}, reaches "
                   "{reached}. Train longer (more epochs), try the momentum or Adam "
                   "optimizer, or make the layers wider.",
                   net=charts.activation_label(best), reached=reached),
                icon=":material/school:")
    n_classes = DATASETS[result.config.dataset].n_classes
    for sentence in kept(chance_sentences, result.history, n_classes, of=result):
        st.markdown(f"- {sentence}")
    chart(charts.loss_chart, result.history, metric="loss", summary_df=result.summary,
          of=result)
    chart(charts.loss_chart, result.history, metric="accuracy", summary_df=result.summary,
          of=result)
    if not result.boundary.empty:
        st.subheader(tr("Decision boundaries"))
        chart(charts.decision_boundary_chart, result.boundary, result.points,
              summary_df=result.summary, of=result)
    st.subheader(tr("Summary"))
    st.dataframe(kept(summary_table, result, n_classes), hide_index=True)
    st.caption(tr("Each number is the median over the seeds, their range in brackets; a "
                  "bracket that names a count had a number on only that many seeds."))
    downloads(result, PAGE, PAGE_EXPERIMENTS[PAGE].config)
