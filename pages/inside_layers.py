"""Lesson 3 — Inside the layers: saturation and histograms (Glorot & Bengio 2010)."""
import streamlit as st

from pages.common import chart, controls, divergence_notice, downloads, look_for, run_experiment
from vgcore import ExperimentConfig, charts

PAGE = "inside_layers"
# Glorot & Bengio's setting, shrunk: 4 hidden layers, the old N(0,1)-ish "standard" init
DEFAULTS = ExperimentConfig(dataset="digits", train_size=1000, test_size=300,
                            activations=("sigmoid", "tanh", "relu"),
                            hidden=(64, 64, 64, 64), init="pytorch", epochs=20, lr=0.1,
                            batch_size=16)

st.title("Inside the layers")
look_for("with sigmoid the top hidden layer saturates early (its units pinned near 0) while "
         "lower layers stay near 0.5 — Glorot & Bengio's fig. 2. Switch the init to Glorot "
         "and the gradient histograms of all layers line up (their figs. 6–7).")
cfg = controls(PAGE, DEFAULTS, ["dataset", "activations", "depth", "width", "init", "lr",
                                "epochs", "batch_size", "train_size", "seed"])
result = run_experiment(cfg, live=lambda r: charts.saturation_chart(r.layers))
if result is not None:
    divergence_notice(result)
    st.subheader("Saturated units per layer over training")
    chart(charts.saturation_chart(result.layers))
    st.subheader("Histograms")
    epochs = sorted(int(e) for e in result.histograms["epoch"].unique())
    if epochs:
        c1, c2 = st.columns(2)
        epoch = c1.select_slider("Epoch", epochs, value=epochs[0], key="hist_epoch")
        quantity = c2.segmented_control(
            "Quantity", ["activation", "gradient"], default="activation", key="hist_quantity",
            format_func={"activation": "activation values",
                         "gradient": "back-propagated gradients δ"}.get) or "activation"
        chart(charts.histogram_chart(result.histograms, epoch=epoch, quantity=quantity))
    downloads(result, PAGE)
