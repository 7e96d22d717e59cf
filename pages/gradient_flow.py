"""Lesson 2 — Gradient flow: how fast each layer learns, per activation."""
import streamlit as st

from app.blocks import chart, divergence_notice, downloads, page_intro
from app.runner import run_experiment
from app.widgets import page_controls
from vgcore import charts
from vgcore.config import layer_sizes
from vgcore.results import factor_sentences
from vgcore.workshop.experiments import PAGE_EXPERIMENTS

PAGE = "gradient_flow"

page_intro("Gradient flow",
           "the bars at epoch 0: with sigmoid the first hidden layer's gradient is ~100× "
           "smaller than the last one's, so it learns ~100× slower (Nielsen ch. 5). ReLU with "
           "He initialisation keeps the bars level. The network picture shows the same "
           "fade unit by unit, and the factors below say what multiplies it.")
cfg = page_controls(PAGE)
result = run_experiment(cfg, live=lambda r: charts.grad_norm_lines(r.layers))
if result is not None:
    divergence_notice(result, PAGE_EXPERIMENTS[PAGE].controls)
    st.subheader("Speed of learning at initialisation")
    for sentence in charts.speed_ratio_text(result.layers, epoch=0):
        st.markdown(f"- {sentence}")
    chart(charts.grad_norm_bars(result.layers, epoch=0))
    st.subheader("The network itself")
    if not result.units.empty:
        chart(charts.network_chart(result.units, input_size=layer_sizes(result.config)[0]))
    st.subheader("The factors that multiply, measured")
    st.markdown("Going down from the output, each hidden layer multiplies the gradient by "
                "a factor (its ‖∂C/∂b‖ ÷ the layer above's), like the ¼ · ⅓ · ¼ of the "
                "chain-rule calculator on *Activations*. Must the factors lie between 0 "
                "and 1? No: small weights and σ' ≤ ¼ make them smaller than 1 (the "
                "gradient vanishes); set *Weight initialisation* to N(0, 1) and they "
                "grow above 1 (it explodes).")
    for sentence in factor_sentences(result.layers, epoch=0):
        st.markdown(f"- {sentence}")
    st.subheader("During training")
    chart(charts.grad_norm_lines(result.layers))
    chart(charts.grad_heatmap(result.layers))
    downloads(result, PAGE, PAGE_EXPERIMENTS[PAGE].config)
