"""Lesson 4 — Loss curves: training and test loss and accuracy for every activation."""
import pandas as pd
import streamlit as st

from app.blocks import cells, chart, divergence_notice, downloads, page_intro
from app.runner import run_experiment
from app.widgets import page_controls
from vgcore import charts
from vgcore.data import DATASETS
from vgcore.results import best_accuracy, best_test_epochs, chance_sentences
from vgcore.workshop.experiments import PAGE_EXPERIMENTS

PAGE = "loss_curves"
LEARNED = 0.8       # below this best test accuracy the page suggests what to change

page_intro("Loss curves",
           "ReLU and tanh fall at once; the sigmoid net's loss sits on a plateau at a "
           "uniform guess's (2.30) for its first ten epochs or so, then falls (Nielsen "
           "ch. 5): its first layers learn slowest. Solid = training, dashed = test.")
cfg = page_controls(PAGE)
result = run_experiment(cfg, live=lambda r: charts.loss_chart(r.history))
if result is not None:
    divergence_notice(result, PAGE_EXPERIMENTS[PAGE].controls)
    best, accuracy = best_accuracy(result.summary)
    if accuracy < LEARNED:
        st.info(f"No net has learned this data set yet: the best, "
                f"{charts.activation_label(best)}, reaches {accuracy:.0%} test accuracy. "
                "Train longer (more epochs), try the momentum or Adam optimizer, or make the "
                "layers wider.", icon=":material/school:")
    n_classes = DATASETS[result.config.dataset].n_classes
    for sentence in chance_sentences(result.history, n_classes):
        st.markdown(f"- {sentence}")
    chart(charts.loss_chart(result.history, metric="loss", summary_df=result.summary))
    chart(charts.loss_chart(result.history, metric="accuracy", summary_df=result.summary))
    if not result.boundary.empty:
        st.subheader("Decision boundaries")
        chart(charts.decision_boundary_chart(result.boundary, result.points,
                                             summary_df=result.summary))
    st.subheader("Summary")
    s = result.summary
    st.dataframe(pd.DataFrame({
        "activation": s["activation"].map(charts.activation_label), "seed": s["seed"],
        "train accuracy": cells(s["final_train_accuracy"], "{:.1%}"),
        "test accuracy": cells(s["final_test_accuracy"], "{:.1%}"),
        "best test epoch": cells(best_test_epochs(s, result.history, n_classes),
                                 "{:.0f}"),
        "layer L ÷ layer 1 at start": cells(s["speed_ratio"], "{:.3g}"),
        "diverged": cells(s["diverged_at"], "at epoch {:.0f}")}), hide_index=True)
    downloads(result, PAGE, PAGE_EXPERIMENTS[PAGE].config)
