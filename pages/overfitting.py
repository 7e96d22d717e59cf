"""Lesson 5 — Overfitting: a small training set and a big net."""
import streamlit as st

from pages.common import (chart, controls, divergence_notice, downloads, page_intro,
                          run_experiment)
from vgcore import ExperimentConfig, charts
from vgcore.results import overfitting_onset

PAGE = "overfitting"
# Nielsen ch. 3: [784, 30, 10] on 1,000 MNIST images overfits after about epoch 15
DEFAULTS = ExperimentConfig(dataset="mnist", train_size=500, test_size=1000,
                            activations=("relu",), hidden=(100,), epochs=40, lr=0.1,
                            batch_size=10)

page_intro("Overfitting",
           "training loss keeps falling while test loss turns up after the marked best-test "
           "epoch; the shaded gap is what the net memorised. Add L2 weight decay or dropout, or "
           "stop at the best epoch (early stopping), and watch the gap close.")
cfg = controls(PAGE, DEFAULTS, ["dataset", "activations", "depth", "width", "train_size",
                                "epochs", "lr", "batch_size", "weight_decay", "dropout",
                                "seed"], limits={"epochs": (0, 100)})
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
    downloads(result, PAGE)
