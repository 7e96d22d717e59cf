"""Lesson 2 — Gradient flow: how fast each layer learns, per activation."""
import streamlit as st

from pages.common import (chart, controls, divergence_notice, downloads, page_intro,
                          run_experiment)
from vgcore import ExperimentConfig, charts

PAGE = "gradient_flow"
DEFAULTS = ExperimentConfig(dataset="digits", train_size=1000, test_size=300,
                            activations=("sigmoid", "tanh", "relu", "leaky_relu"),
                            hidden=(30, 30, 30, 30), init="auto", epochs=15, lr=0.1,
                            batch_size=32)

page_intro("Gradient flow",
           "the bars at epoch 0: with sigmoid the first hidden layer's gradient is ~100× "
           "smaller than the last one's, so it learns ~100× slower (Nielsen ch. 5). ReLU with "
           "He initialisation keeps the bars level.")
cfg = controls(PAGE, DEFAULTS, ["dataset", "activations", "depth", "width", "init",
                                "bias_init", "lr", "epochs", "batch_size", "train_size",
                                "seed"])
result = run_experiment(cfg, live=lambda r: charts.grad_norm_lines(r.layers))
if result is not None:
    divergence_notice(result)
    st.subheader("Speed of learning at initialisation")
    for sentence in charts.speed_ratio_text(result.layers, epoch=0):
        st.markdown(f"- {sentence}")
    chart(charts.grad_norm_bars(result.layers, epoch=0))
    st.subheader("During training")
    chart(charts.grad_norm_lines(result.layers))
    chart(charts.grad_heatmap(result.layers))
    downloads(result, PAGE)
