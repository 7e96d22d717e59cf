"""Lesson 6 — Softmax & cross-entropy vs sigmoid outputs with the quadratic cost."""
import pandas as pd
import streamlit as st

from app.blocks import chart, divergence_notice, downloads, page_intro
from app.runner import run_experiments
from app.widgets import Widget, bound, page_controls
from vgcore import charts, heads
from vgcore.i18n import N_, tr
from vgcore.workshop.experiments import PAGE_EXPERIMENTS, SOFTMAX_HEADS, head_runs

PAGE = "softmax"
# This page's own controls, in the URL like the experiment's: (control, default). A
# logit's label is a term and its index: "logit 2" in both languages.
LOGITS = [(Widget(f"logit{i}", "number", f"logit {i}", lo=-20.0, hi=20.0, step=0.5), v)
          for i, v in enumerate([2.0, 1.0, 0.1, -1.0, 0.5])]
TEMPERATURE = Widget("temperature", "slider", N_("Temperature"), lo=0.1, hi=5.0, step=0.1)


# Builders of this page's charts, kept by app.blocks.chart for every visitor.
def softmax_chart(logits: list[float], temperature: float):
    return charts.softmax_chart(heads.softmax_table(logits, temperature))


def loss_vs_prob_chart():
    return charts.loss_vs_prob_chart(heads.loss_vs_probability())


def accuracy_chart(runs: dict):
    """Test accuracy of each cost's run (label -> result), on one pair of axes."""
    both = pd.concat([r.history.assign(run=label) for label, r in runs.items()],
                     ignore_index=True)
    return charts.overlay_chart(both, metric="accuracy", split="test", series="run")


page_intro(tr("Softmax & cross-entropy"),
           tr("softmax turns any logits into probabilities that sum to 1; with the quadratic "
              "cost on sigmoid outputs the gradient vanishes exactly when the net is "
              "confidently wrong (p → 0), while cross-entropy's gradient is largest there "
              "(Nielsen ch. 3)."))

st.header(tr("Logits → probabilities"))
cols = st.columns(len(LOGITS))
logits = [bound(w, v, cols[i]) for i, (w, v) in enumerate(LOGITS)]
temperature = bound(TEMPERATURE, 1.0)
chart(softmax_chart, logits, temperature)

st.header(tr("Loss and gradient vs the predicted probability of the true class"))
chart(loss_vs_prob_chart)

st.header(tr("Training with each cost"))
cfg = page_controls(PAGE)
if cfg is not None:
    heads = head_runs(cfg)
    runs = dict(zip(heads, run_experiments(list(heads.values()))))
    if all(r is not None for r in runs.values()):
        for r in runs.values():
            divergence_notice(r, PAGE_EXPERIMENTS[PAGE].controls)
        chart(accuracy_chart, runs)
        st.caption(tr("Accuracy is compared, not loss: the two costs measure different "
                      "things and their values are not on one scale."))
        for head, (label, r) in zip(SOFTMAX_HEADS, runs.items()):
            # the head's label is marked where it is declared (vgcore.heads.HEAD_LABELS)
            st.caption(tr("Downloads: {label}", label=tr(label)))
            downloads(r, f"{PAGE}-{head}", PAGE_EXPERIMENTS[PAGE].config)
