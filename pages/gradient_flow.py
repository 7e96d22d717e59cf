"""Lesson 2 — Gradient flow: how fast each layer learns, per activation."""
import pandas as pd
import streamlit as st

from app.blocks import chart, divergence_notice, downloads, kept, page_intro, spread_cells
from app.runner import run_experiment
from app.widgets import Widget, bound, page_controls
from vgcore import charts
from vgcore.config import layer_sizes
from vgcore.i18n import N_, tr
from vgcore.results import (activation_label, factor_sentences, layer_factors, layer_words,
                            speed_sentences)
from vgcore.workshop.experiments import PAGE_EXPERIMENTS, chain_example

PAGE = "gradient_flow"
# What the network picture's edges show: this page's own control, bound to the URL like
# the experiment's (the option is a key of charts.NET_EDGE_MODES; "structure": None).
EDGE_LABELS = {"weight": N_("|w|: the weight"), "weight_grad": N_("|∂C/∂w|: its gradient"),
               "structure": N_("nothing: structure only")}
EDGES = Widget("net_edges", "select", N_("Edges show"), tuple(EDGE_LABELS), fmt=EDGE_LABELS,
               help=N_("Each edge's opacity and width follow the size of its weight, or of "
                       "the gradient of the cost with respect to it, on one log scale for "
                       "every net and epoch: faint edges are small"))
PLAYING = "net_playing"       # session state: the picture steps through the epochs
JUST_STARTED = "net_play_started"
EPOCH = "net_epoch_shown"     # the epoch slider's key
PLAY_EVERY_S = 1.0            # one kept epoch per second: a redraw is ~0.2–0.6 s of work
TABLE_ROW_PX = 35             # st.dataframe's row height: the factors table shows every row


def _toggle_play(epochs: list[int]) -> None:
    playing = not st.session_state.get(PLAYING, False)
    st.session_state[PLAYING] = playing
    st.session_state[JUST_STARTED] = playing
    if playing and st.session_state.get(EPOCH) == epochs[-1]:
        st.session_state[EPOCH] = epochs[0]           # played to the end: from the start


@st.fragment(run_every=PLAY_EVERY_S if st.session_state.get(PLAYING) else None)
def network_picture(result, edge_by: str | None) -> None:
    """The picture with its own epoch slider and a Play button: while playing, only this
    part reruns, once a second, one kept epoch further each time."""
    epochs = sorted(int(e) for e in pd.unique(result.units["epoch"]))
    if st.session_state.get(EPOCH) not in epochs:
        st.session_state[EPOCH] = epochs[0]
    playing = st.session_state.get(PLAYING, False)
    if len(epochs) > 1:
        left, right = st.columns([1, 4], vertical_alignment="bottom")
        if left.button(tr("⏸ Pause") if playing else tr("▶ Play"), key="net_play",
                       on_click=_toggle_play, args=(epochs,),
                       help=tr("Step through the epochs kept for the picture")):
            st.rerun()        # the whole page: the timer starts (or stops) with the rerun
        if playing and not st.session_state.pop(JUST_STARTED, False):
            at = epochs.index(st.session_state[EPOCH])
            if at + 1 < len(epochs):
                st.session_state[EPOCH] = epochs[at + 1]
            else:                                  # the last epoch: stop the timer
                st.session_state[PLAYING] = False
                st.rerun()
        right.select_slider(tr("Epoch"), epochs, key=EPOCH,
                            help=tr("Epochs at which every unit's numbers were kept"))
    chart(charts.network_chart, result.units, result.edges, edge_by=edge_by,
          input_size=layer_sizes(result.config)[0], epoch=st.session_state[EPOCH],
          slider=False, of=result)


def factor_table(layers: pd.DataFrame) -> pd.DataFrame:
    """layer_factors at epoch 0 as text, for st.dataframe: each seed's factors, as the
    middle and the range over the seeds ("×0.25 (0.21–0.3)"). Its headers and layer
    names are words: kept per language (app.blocks.kept)."""
    f = layer_factors(layers, epoch=0, by_seed=True)
    by = ["activation", "layer_name"]
    table = pd.DataFrame({
        tr("measured factor"): spread_cells(f, by, "factor", "×{:.2g}"),
        tr("product down to here"): spread_cells(f, by, "product", "{:.3g}"),
        tr("one path: mean |w·f'(z)|"): spread_cells(f, by, "wfprime_mean", "×{:.2g}"),
        tr("one path: product"): spread_cells(f, by, "wfprime_product", "{:.3g}")}
    ).reset_index()
    table = table.assign(activation=table["activation"].map(activation_label),
                         layer_name=table["layer_name"].map(layer_words))
    return table.rename(columns={"activation": tr("activation"), "layer_name": tr("layer")})


page_intro(tr("Gradient flow"),
           tr("the bars at epoch 0: with sigmoid the first hidden layer's gradient is ~100× "
              "smaller than the last one's, so it learns ~100× slower (Nielsen ch. 5). ReLU "
              "with He initialisation keeps the bars level. The network picture shows the "
              "same fade unit by unit, and the factors below say what multiplies it."))
cfg = page_controls(PAGE)
result = run_experiment(cfg, live=lambda r: charts.grad_norm_lines(r.layers))
if result is not None:
    divergence_notice(result, PAGE_EXPERIMENTS[PAGE].controls)
    st.subheader(tr("Speed of learning at initialisation"))
    # The figure first, its words under it: on a projector's first screen.
    chart(charts.grad_norm_bars, result.layers, epoch=0, of=result)
    for sentence in kept(speed_sentences, result.layers, epoch=0, of=result):
        st.markdown(f"- {sentence}")
    st.subheader(tr("The network itself"))
    if not result.units.empty:
        choice = bound(EDGES, "weight", st.columns([2, 3])[0])
        network_picture(result, None if choice == "structure" else choice)
    st.subheader(tr("The factors that multiply, measured"))
    st.markdown(tr("Going down from the output, each hidden layer multiplies the gradient "
                   "by a factor (its ‖∂C/∂b‖ ÷ the layer above's), like the {example} "
                   "of the chain-rule calculator on *Activations*. Must the factors lie "
                   "between 0 and 1? No: small weights and σ' ≤ ¼ make them smaller than 1 "
                   "(the gradient vanishes); set *Weight initialisation* to N(0, 1) and "
                   "ReLU's grow above 1 (it explodes). Sigmoid's stay below 1 even then: "
                   "large weights push z into σ's flat tails, where σ'(z) is tiny.",
                   example=chain_example()))
    for sentence in kept(factor_sentences, result.layers, epoch=0, of=result):
        st.markdown(f"- {sentence}")
    st.markdown(tr("Nielsen (ch. 5) writes each layer's factor as w·σ'(z): one weight "
                   "times one slope, the factor of **one path** through the layer. The table "
                   "puts its mean size, |w·f'(z)| averaged over the weights leaving the "
                   "layer and the probe batch, beside the measured factor. The measured "
                   "factor is several times larger, roughly √(units in the layer) times: it "
                   "compares whole layers, and a unit's gradient adds up one such term per "
                   "unit above it, with mixed signs. So one path's factor can be well below "
                   "1 while the sum over the paths keeps ReLU's gradient level, or, with "
                   "N(0, 1) weights, makes it explode."))
    table = kept(factor_table, result.layers, of=result)
    st.dataframe(table, hide_index=True, height=TABLE_ROW_PX * (len(table) + 1) + 3)
    st.subheader(tr("During training"))
    chart(charts.grad_norm_lines, result.layers, of=result)
    chart(charts.grad_heatmap, result.layers, of=result)
    downloads(result, PAGE, PAGE_EXPERIMENTS[PAGE].config)
