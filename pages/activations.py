"""Lesson 1 — Activations: f(x), f'(x), saturation, and the chain rule's product."""
import streamlit as st

from app.blocks import chart, page_intro
from app.widgets import Widget, bound, widgets_of
from vgcore import activations as acts
from vgcore import charts

PAGE = "activations"
DEFAULT_ACTS = ["sigmoid", "tanh", "relu", "leaky_relu"]
# Nielsen ch. 5's example factors: σ' ≤ 1/4 at every layer, a weight of about 1
PRESETS = {"sigmoid at its steepest (¼ per layer)": 0.25,
           "tanh at its steepest (1 per layer)": 1.0,
           "large weights (w = 8, σ' = ¼ → 2)": 2.0,
           "custom": None}
# This page's own controls, bound to the URL like the experiment controls.
X_RANGE = Widget("x_range", "range", "x range", lo=-10.0, hi=10.0, step=0.5)
CHAIN_DEPTH = Widget("chain_depth", "slider", "Layers", lo=1, hi=30, step=1)
CHAIN_PRESET = Widget("chain_preset", "select", "Factor per layer", tuple(PRESETS))
CHAIN_FACTOR = Widget("chain_factor", "number", "Custom factor w·f'(z)", lo=0.001, hi=10.0,
                      step=0.05)

page_intro("Activations and their derivatives",
           "σ'(x) never exceeds ¼, and every activation but ReLU-like ones goes flat (shaded "
           "as saturated) for large |x|. Backprop multiplies one such factor per layer, so the "
           "gradient reaching layer 1 shrinks geometrically with depth.")
chosen = bound(widgets_of("mlp")["activations"], DEFAULT_ACTS)
x_range = bound(X_RANGE, (-6.0, 6.0))
if not chosen:
    st.error("Pick at least one activation to draw.")
elif x_range[0] >= x_range[1]:
    # The range slider lets both handles meet; a single point has no curve to draw.
    st.warning("The x range is a single point: drag the two handles apart.", icon="↔️")
else:
    chart(charts.activation_chart(acts.curves(chosen, x_range[0], x_range[1])))
    for name in chosen:
        st.caption(f"**{acts.get(name).label}** — {acts.get(name).note}")

st.header("The chain rule through a deep net")
st.markdown("The gradient reaching hidden layer 1 of an L-layer net carries one factor "
            "w·f'(z) for every layer above it. Pick the factor per layer and watch the "
            "product: ¼ · ¼ = 1/16, · ¼ = 1/64 … or, with large weights, 2 · 2 · 2 …")
c1, c2 = st.columns(2)
depth = bound(CHAIN_DEPTH, 8, c1)
# Bound too: a shared link with chain_factor=… restores only if "custom" is restored.
preset = bound(CHAIN_PRESET, list(PRESETS)[0], c2)
if PRESETS[preset] is None:
    factor = bound(CHAIN_FACTOR, 0.5, c2)
else:
    factor = PRESETS[preset]
table = acts.chain_product([factor] * depth)
final = table["product"].iloc[-1]
verdict = "vanishes" if final < 1 else "explodes" if final > 1 else "stays level"
st.metric(f"Gradient factor after {depth} layers", f"{final:.3g}",
          help="Product of the per-layer factors")
st.markdown(f"With factor **{factor:g}** per layer the gradient **{verdict}**: "
            f"after {depth} layers it is multiplied by **{final:.3g}**.")
chart(charts.chain_rule_chart(table))
