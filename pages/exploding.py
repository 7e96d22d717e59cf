"""Lesson 7 — Exploding gradients and the fixes: initialisation and gradient clipping."""
import pandas as pd
import streamlit as st

from app.blocks import chart, divergence_notice, downloads, kept, page_intro
from app.runner import run_experiment, run_experiments
from app.widgets import in_this_language, page_controls
from vgcore import charts
from vgcore.i18n import tr
from vgcore.inits import INIT_SCHEMES
from vgcore.results import speed_sentences
from vgcore.workshop.experiments import COMPARED_INITS, PAGE_EXPERIMENTS, init_probes

PAGE = "exploding"


def init_chart(probes: dict, names: dict):
    """The probes' gradients at epoch 0, one series per scheme (label -> result), each
    named in the reader's language (its colour still the scheme's own, `names`)."""
    return charts.init_comparison_chart(pd.concat(
        [probe.layers.assign(init=tr(label)) for label, probe in probes.items()],
        ignore_index=True), names={tr(label): name for label, name in names.items()})


page_intro(tr("Exploding gradients & the fixes"),
           tr("with N(0, 1) weights a deep ReLU net's gradients grow layer after layer going "
              "down (ratio < 1: the first layer gets the *largest* gradient) and training "
              "blows up; He initialisation keeps every layer at the same scale (He et al. "
              "2015), and gradient clipping caps the step."))
cfg = page_controls(PAGE)
result = run_experiment(cfg, live=lambda r: charts.loss_chart(r.history))
if result is not None:
    # The figure first, its words under it: on a projector's first screen.
    chart(charts.grad_norm_bars, result.layers, epoch=0, of=result)
    divergence_notice(result, PAGE_EXPERIMENTS[PAGE].controls)
    for sentence in kept(speed_sentences, result.layers, epoch=0, of=result):
        st.markdown(f"- {sentence}")
    chart(charts.loss_chart, result.history, metric="loss", summary_df=result.summary,
          of=result)

    st.header(tr("Compare initialisations at epoch 0"))
    schemes = st.multiselect(tr("Schemes"), [s for s in INIT_SCHEMES if s != "auto"],
                             default=list(COMPARED_INITS), key="schemes",
                             format_func=in_this_language(lambda s: tr(INIT_SCHEMES[s].label)))
    probes, names = {}, {}
    asked = init_probes(cfg, tuple(schemes))      # untrained nets of one shape: one run
    for (label, probe_cfg), probe in zip(asked.items(), run_experiments(list(asked.values()))):
        if probe is not None:
            probes[label] = probe
            names[label] = ("init", probe_cfg.init)     # its colour: the scheme's own
    if probes:
        chart(init_chart, probes, names)
    downloads(result, PAGE, PAGE_EXPERIMENTS[PAGE].config)
