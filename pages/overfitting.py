"""Lesson 5 — Overfitting: a small training set and a big net."""
import streamlit as st

from app.blocks import chart, divergence_notice, downloads, page_intro
from app.runner import run_experiment
from app.widgets import page_controls
from vgcore import charts
from vgcore.results import overfitting_onset

from vgcore.workshop.experiments import PAGE_EXPERIMENTS

PAGE = "overfitting"

page_intro("Overfitting",
           "training loss keeps falling while test loss turns up after the marked best-test "
           "epoch; the shaded gap is what the net memorised. Add L2 weight decay or dropout, or "
           "stop at the best epoch (early stopping), and watch the gap close.")
cfg = page_controls(PAGE)
result = run_experiment(cfg, live=lambda r: charts.loss_chart(r.history))
if result is not None:
    divergence_notice(result)
    names = list(result.config.activations)
    which = st.radio("Activation", names, horizontal=True, key="overfit_activation") \
        if len(names) > 1 else names[0]
    info = overfitting_onset(result.history, which)
    c1, c2, c3 = st.columns(3)
    c1.metric("Best test epoch (early stopping)", f"{info['best_epoch']:.0f}")
    c2.metric("Test loss rise after it", f"{info['rise']:+.3f}")
    c3.metric("Final gap (test − train loss)", f"{info['gap']:.3f}")
    chart(charts.overfitting_chart(result.history, activation=which))
    chart(charts.loss_chart(result.history, metric="accuracy"))
    downloads(result, PAGE, PAGE_EXPERIMENTS[PAGE].config)
