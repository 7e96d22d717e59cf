"""Lesson 4 — Loss curves: training and test loss and accuracy for every activation."""
import streamlit as st

from app.blocks import chart, divergence_notice, downloads, page_intro
from app.runner import run_experiment
from app.widgets import page_controls
from vgcore import charts

from vgcore.workshop.experiments import PAGE_EXPERIMENTS

PAGE = "loss_curves"

page_intro("Loss curves",
           "the deep sigmoid net's loss sits on a plateau for many epochs while ReLU and tanh "
           "fall at once: slow first layers mean slow learning. Solid = training, dashed = test.")
cfg = page_controls(PAGE)
result = run_experiment(cfg, live=lambda r: charts.loss_chart(r.history))
if result is not None:
    divergence_notice(result, PAGE_EXPERIMENTS[PAGE].controls)
    chart(charts.loss_chart(result.history, metric="loss", summary_df=result.summary))
    chart(charts.loss_chart(result.history, metric="accuracy", summary_df=result.summary))
    if not result.boundary.empty:
        st.subheader("Decision boundaries")
        chart(charts.decision_boundary_chart(result.boundary, result.points))
    st.subheader("Summary")
    cols = {"activation": "activation", "seed": "seed",
            "final_train_accuracy": "train accuracy", "final_test_accuracy": "test accuracy",
            "best_test_epoch": "best test epoch", "speed_ratio": "layer L ÷ layer 1 at start",
            "diverged_at": "diverged at epoch"}
    table = result.summary[list(cols)].assign(
        activation=result.summary["activation"].map(charts.activation_label))
    st.dataframe(table.rename(columns=cols), hide_index=True,
                 column_config={"train accuracy": st.column_config.NumberColumn(format="percent"),
                                "test accuracy": st.column_config.NumberColumn(format="percent"),
                                "layer L ÷ layer 1 at start": st.column_config.NumberColumn(
                                    format="%.3g")})
    downloads(result, PAGE, PAGE_EXPERIMENTS[PAGE].config)
