"""Lesson 7 — Exploding gradients and the fixes: initialisation and gradient clipping."""
import pandas as pd
import streamlit as st

from pages.common import (INIT_LABELS, chart, controls, divergence_notice, downloads,
                          page_intro, run_experiment)
from vgcore import ExperimentConfig, charts

PAGE = "exploding"
DEFAULTS = ExperimentConfig(dataset="digits", train_size=1000, test_size=300,
                            activations=("relu", "tanh"), hidden=(64,) * 10, init="normal",
                            epochs=10, lr=0.01, batch_size=32)

page_intro("Exploding gradients & the fixes",
           "with N(0, 1) weights a deep ReLU net's gradients grow layer after layer going "
           "down (ratio < 1: the first layer gets the *largest* gradient) and training blows up; "
           "He initialisation keeps every layer at the same scale (He et al. 2015), and "
           "gradient clipping caps the step.")
cfg = controls(PAGE, DEFAULTS, ["activations", "depth", "width", "init", "bias_init", "lr",
                                "grad_clip", "epochs", "optimizer", "seed"],
               limits={"depth": (1, 20)})
result = run_experiment(cfg, live=lambda r: charts.loss_chart(r.history))
if result is not None:
    divergence_notice(result)
    for sentence in charts.speed_ratio_text(result.layers, epoch=0):
        st.markdown(f"- {sentence}")
    chart(charts.grad_norm_bars(result.layers, epoch=0))
    chart(charts.loss_chart(result.history, metric="loss", summary_df=result.summary))

    st.header("Compare initialisations at epoch 0")
    schemes = st.multiselect("Schemes", list(INIT_LABELS)[1:], default=["normal", "lecun",
                             "xavier", "he"], format_func=INIT_LABELS.get, key="schemes")
    frames = []
    for scheme in schemes:
        probe = run_experiment(cfg.replace(init=scheme, epochs=0))
        if probe is not None:
            frames.append(probe.layers.assign(init=INIT_LABELS[scheme]))
    if frames:
        chart(charts.init_comparison_chart(pd.concat(frames, ignore_index=True)))
    downloads(result, PAGE)
