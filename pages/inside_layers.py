"""Lesson 3 — Inside the layers: saturation and histograms (Glorot & Bengio 2010)."""
import streamlit as st

from app.blocks import chart, divergence_notice, downloads, kept, page_intro
from app.runner import run_experiment
from app.widgets import page_controls
from vgcore import charts
from vgcore.i18n import tr
from vgcore.inits import INIT_SCHEMES
from vgcore.results import drift_sentences
from vgcore.workshop.experiments import PAGE_EXPERIMENTS

PAGE = "inside_layers"

STANDARD = INIT_SCHEMES["pytorch"]
page_intro(tr("Inside the layers"),
           tr("with sigmoid and Glorot & Bengio's 'standard' init {formula}, which is "
              "what *{init}* in the sidebar draws, the top hidden layer's mean "
              "activation is driven down from 0.5 towards 0 until its units saturate, while "
              "the lower layers keep means of 0.5–0.8, unsaturated, and the net sits at "
              "chance (Glorot & Bengio fig. 2; "
              "the lines under the chart say how far it went here, and the accuracy chart "
              "shows the plateau; in their longer runs the layer slowly leaves saturation, "
              "which these epochs do not reach). Each panel has its own y scale. Try init "
              "N(0, 1): many sigmoid units start saturated. For ReLU, 'saturated' means "
              "inactive (output 0, no gradient): about half at the start; all of a layer "
              "means it is dead.",
              # the scheme's label as the sidebar shows it (marked where it is declared)
              formula=STANDARD.formula, init=tr(STANDARD.label)))
cfg = page_controls(PAGE)
result = run_experiment(cfg, live=lambda r: charts.saturation_chart(r.layers))
if result is not None:
    divergence_notice(result, PAGE_EXPERIMENTS[PAGE].controls)
    st.subheader(tr("Activations per layer over training"))
    chart(charts.activation_mean_chart, result.layers, of=result)
    for sentence in kept(drift_sentences, result.layers, of=result):
        st.markdown(f"- {sentence}")
    chart(charts.saturation_chart, result.layers, of=result)
    chart(charts.loss_chart, result.history, metric="accuracy", log_y=False,
          summary_df=result.summary, of=result)
    st.subheader(tr("Histograms"))
    epochs = sorted(int(e) for e in result.histograms["epoch"].unique())
    if epochs:
        c1, c2 = st.columns(2)
        epoch = c1.select_slider(tr("Epoch"), epochs, value=epochs[0], key="hist_epoch")
        shown = {"activation": tr("activation values"),
                 "gradient": tr("back-propagated gradients δ")}
        quantity = c2.segmented_control(
            tr("Quantity"), ["activation", "gradient"], default="activation",
            key="hist_quantity", format_func=shown.get) or "activation"
        chart(charts.histogram_chart, result.histograms, epoch=epoch, quantity=quantity,
              of=result)
    downloads(result, PAGE, PAGE_EXPERIMENTS[PAGE].config)
