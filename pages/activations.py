"""Lesson 1 — Activations: f(z), f'(z), saturation, and the chain rule's product."""
import streamlit as st

from app.blocks import chart, page_intro
from app.widgets import Widget, bound, widgets_of
from vgcore import activations as acts
from vgcore import charts
from vgcore.i18n import N_, tr
from vgcore.workshop.experiments import CHAIN_DEPTH, CHAIN_PRESETS

PAGE = "activations"
DEFAULT_ACTS = ["sigmoid", "tanh", "relu", "leaky_relu"]
# This page's own controls, bound to the URL like the experiment controls (the URL key
# stays x_range: links already shared keep working).
Z_RANGE = Widget("x_range", "range", N_("z range"), lo=-10.0, hi=10.0, step=0.5)
CHAIN_DEPTH_W = Widget("chain_depth", "slider", N_("Layers"), lo=1, hi=30, step=1)
# its options are their own labels, marked for the catalog where they are declared
CHAIN_PRESET = Widget("chain_preset", "select", N_("Factor per layer"), tuple(CHAIN_PRESETS),
                      fmt={p: p for p in CHAIN_PRESETS})
CHAIN_FACTOR = Widget("chain_factor", "number", N_("Custom factor w·f'(z)"), lo=0.001,
                      hi=10.0, step=0.05)


# Builders of this page's charts, kept by app.blocks.chart for every visitor.
def curves_chart(chosen: list[str], lo: float, hi: float):
    return charts.activation_chart(acts.curves(chosen, lo, hi))


def chain_chart(factor: float, depth: int):
    return charts.chain_rule_chart(acts.chain_product([factor] * depth))

page_intro(tr("Activations and their derivatives"),
           tr("σ'(z) never exceeds ¼, and every activation but ReLU-like ones goes flat (shaded "
              "as saturated) for large |z|. Backprop multiplies one factor w·f'(z) per layer, "
              "so with weights of size 1 or less the gradient reaching layer 1 shrinks "
              "geometrically with depth."))
chosen = bound(widgets_of("mlp")["activations"], DEFAULT_ACTS)
z_range = bound(Z_RANGE, (-6.0, 6.0))
if not chosen:
    st.error(tr("Pick at least one activation to draw."))
elif z_range[0] >= z_range[1]:
    # The range slider lets both handles meet; a single point has no curve to draw.
    st.warning(tr("The z range is a single point: drag the two handles apart."), icon="↔️")
else:
    chart(curves_chart, list(chosen), z_range[0], z_range[1])
    for name in chosen:
        # the label is a name (sigmoid, ReLU); the note is marked where it is declared
        st.caption(tr("**{label}** — {note}", label=acts.get(name).label,
                      note=tr(acts.get(name).note)))

st.header(tr("The chain rule through a deep net"))
st.markdown(tr("The gradient reaching hidden layer 1 of an L-layer net carries one factor "
               "w·f'(z) for every layer above it. Pick the factor per layer and watch the "
               "product: ¼ · ¼ = 1/16, · ¼ = 1/64 … or, with large weights, 2 · 2 · 2 …"))
st.markdown(tr("The ¼ bounds σ'(z), not the factor: |w·σ'(z)| ≤ ¼ only while |w| ≤ 1. "
               "Large weights can beat it: w = 8 at σ's steepest point gives 8 · ¼ = 2 per "
               "layer and the gradient explodes (Nielsen ch. 5). But a large w usually "
               "pushes z = w·a + b out of σ's steep middle into its flat tails, where σ'(z) "
               "is tiny and the factor falls below 1 again."))
c1, c2 = st.columns(2)
depth = bound(CHAIN_DEPTH_W, CHAIN_DEPTH, c1)
# Bound too: a shared link with chain_factor=… restores only if "custom" is restored.
preset = bound(CHAIN_PRESET, list(CHAIN_PRESETS)[0], c2)
if CHAIN_PRESETS[preset] is None:
    factor = bound(CHAIN_FACTOR, 0.5, c2)
else:
    factor = CHAIN_PRESETS[preset]
table = acts.chain_product([factor] * depth)
final = table["product"].iloc[-1]
st.metric(tr("Gradient factor after {depth} layers", depth=depth), f"{final:.3g}",
          help=tr("Product of the per-layer factors"))
# one whole sentence per verdict: the verb's place differs between languages
if final < 1:
    verdict = tr("With factor **{factor:g}** per layer the gradient **vanishes**: "
                 "after {depth} layers it is multiplied by **{final:.3g}**.",
                 factor=factor, depth=depth, final=final)
elif final > 1:
    verdict = tr("With factor **{factor:g}** per layer the gradient **explodes**: "
                 "after {depth} layers it is multiplied by **{final:.3g}**.",
                 factor=factor, depth=depth, final=final)
else:
    verdict = tr("With factor **{factor:g}** per layer the gradient **stays level**: "
                 "after {depth} layers it is multiplied by **{final:.3g}**.",
                 factor=factor, depth=depth, final=final)
st.markdown(verdict)
chart(chain_chart, factor, depth)
