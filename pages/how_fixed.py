"""Lesson 8 — How it was fixed: the deep sigmoid net, and each historical cure switched on."""
import pandas as pd
import streamlit as st

from app.blocks import (cells, chart, divergence_notice, downloads, kept, page_intro,
                        spread_cells)
from app.runner import run_experiments
from app.widgets import Widget, bound, page_controls
from vgcore import charts
from vgcore.data import DATASETS
from vgcore.i18n import N_, tr
from vgcore.pretrain import PRETRAIN_BATCH, PRETRAIN_LR
from vgcore.results import format_ratio
from vgcore.workshop.cures import (COMBINED, CURES, PLAIN, cure_runs, cure_seeds,
                                   cure_table, labelled_frames, net_names,
                                   no_help_sentence)
from vgcore.workshop.exercises import EXERCISES
from vgcore.workshop.experiments import PAGE_EXPERIMENTS

PAGE = "how_fixed"
EXERCISE = EXERCISES["sigmoid-learns"]
# The page's own controls (not config fields), bound to the URL like the experiment's.
# Their words are marked with N_ and read in the visitor's language by app.widgets.
CURE_PICKER = Widget(
    "cures", "multi", N_("Cures to switch on, each alone"), tuple(CURES),
    help=N_("Each ticked cure trains one more copy of the net with that cure alone."),
    fmt={k: c.label for k, c in CURES.items()})     # the link holds these labels
COMBINE = Widget("combine", "toggle", N_("Also train one net with every ticked cure"),
                 help=N_("Not every pair mixes well: try ReLU with residual connections "
                         "and no batch norm (with He init it even diverges)."))
TARGET_ACCURACY = Widget("target", "slider", N_("Target test accuracy"), lo=0.2, hi=0.95,
                         step=0.05, help=N_("The table says at which epoch each net first "
                                            "reached it."), field_lo=0.2, field_hi=0.95)


# Builders of this page's charts from its results (label -> result), kept by
# app.blocks.chart for every visitor.
# Each net is named in the reader's language; its colour stays its registry name's
# (`names`, keyed here by the shown name).
def shown_names(names: dict) -> dict:
    return {tr(label): name for label, name in names.items()}


def shown_frames(results: dict, frame: str):
    frames = labelled_frames(results, frame)
    return frames.assign(net=frames["net"].map(tr))


def gradients_chart(results: dict, names: dict):
    return charts.init_comparison_chart(shown_frames(results, "layers"), series="net",
                                        by="cure", facet=False, names=shown_names(names))


def cures_table(results: dict, target: float, epochs: int) -> pd.DataFrame:
    """The cures side by side: each number the median over the seeds and their range."""
    table = cure_table(results, target)
    seeds = cure_seeds(results, target)
    return pd.DataFrame({
        tr("net"): table["net"].map(tr),
        tr("year"): cells(table["year"], "{:.0f}"),
        tr("speed ratio at init"): spread_cells(seeds, "net", "speed_ratio",
                                                format_ratio).to_numpy(),
        tr("test accuracy, epoch {epochs}", epochs=epochs): spread_cells(
            seeds, "net", "final_test_accuracy", "{:.1%}").to_numpy(),
        # a cell's pattern: its braces doubled in the message
        tr("first epoch ≥ {target:.0%}", target=target): spread_cells(
            seeds, "net", "reached_at", tr("epoch {{:.0f}}")).to_numpy(),
        tr("diverged"): cells(table["diverged_at"], tr("at epoch {{:.0f}}")),
    })


def same_sentence(results: dict, target: float) -> str:
    return no_help_sentence(cure_seeds(results, target))


def learning_chart(results: dict, names: dict):
    return charts.overlay_chart(shown_frames(results, "history").drop(columns="activation"),
                                metric="accuracy", split="test", series="net", log_y=False,
                                names=shown_names(names))

page_intro(tr("How it was fixed"),
           tr("the table. The plain 10-layer sigmoid net's first layer gets ~10⁵× less "
              "gradient than its last and its test accuracy stays at chance; each cure "
              "switched on alone closes some of that gap. Which cures fix the *vanishing* "
              "gradient, and which one is a cure for something else?"))
cfg = page_controls(PAGE)
if cfg is not None:
    # Beside the experiment's controls, not above the table: on a projector's 720 px the
    # table is then on the first screen with the controls that change it.
    st.sidebar.header(tr("Cures"))
    keys = bound(CURE_PICKER, tuple(CURES), st.sidebar)
    combined = bound(COMBINE, False, st.sidebar)
    target = bound(TARGET_ACCURACY, 0.5, st.sidebar)
    runs = cure_runs(cfg, keys, combined=combined)
    # asked for at once: the cures that keep the net's shape train as one run
    results = {label: result for label, result in
               zip(runs, run_experiments(list(runs.values()))) if result is not None}
    if PLAIN in results:
        plain = results[PLAIN]
        for label, result in results.items():
            if not result.diverged().empty:
                st.caption(tr("**{net}:**", net=tr(label)))
                divergence_notice(result, PAGE_EXPERIMENTS[PAGE].controls)

        st.subheader(tr("The cures side by side"))
        st.dataframe(kept(cures_table, results, target, cfg.epochs), hide_index=True)
        st.caption(tr("Speed ratio: the last hidden layer's gradient ÷ hidden layer 1's at "
                      "initialisation (Nielsen's speed of learning); ≫ 1 is vanishing, ≪ 1 "
                      "exploding. Each number: the median over the seeds, their range in "
                      "brackets (a count where only some seeds reached it); chance is "
                      "{chance:.0%}.", chance=1 / DATASETS[cfg.dataset].n_classes))
        st.markdown(tr("**The history, one line each.**"))
        for cure in (CURES[k] for k in CURES if k in keys):
            st.markdown("- " + tr("**{year} · {cure}** ({paper}): {history}.",
                                  year=cure.year, cure=tr(cure.label), paper=cure.paper,
                                  history=tr(cure.history)))
        if COMBINED in results:
            st.caption(tr("*{combined}*: every ticked cure at once. Not all of them mix "
                          "well: ReLU with residual connections and no batch norm adds up "
                          "larger and larger outputs layer after layer; on the default net "
                          "it stays at chance, and with He init it diverges — a result to "
                          "look at, not an error.", combined=tr(COMBINED)))

        st.subheader(tr("The gradient each layer gets at initialisation"))
        names = net_names(runs)
        chart(gradients_chart, results, names)
        st.subheader(tr("Learning"))
        same = kept(same_sentence, results, target)
        if same:
            st.caption(tr("{sentence} (click a legend entry to pick one out).",
                          sentence=same))
        chart(learning_chart, results, names)

        pretrained = results.get(CURES["pretraining"].label)
        if pretrained is not None and not pretrained.pretrain.empty:
            st.subheader(tr("Pretraining, layer by layer"))
            st.markdown(tr(
                "Each hidden layer was first trained alone as an autoencoder of the layer "
                "below for {epochs} epochs, then the whole net was fine-tuned with the "
                "settings above. The autoencoders use their own optimiser: Adam at "
                "η = {lr:g}, mini-batches of {batch}; their decoders end in the activation "
                "of the layer they rebuild (Bengio et al. 2007). With one epoch per layer "
                "the default net stayed at chance; with three it learns.",
                epochs=pretrained.config.pretrain_epochs, lr=PRETRAIN_LR,
                batch=PRETRAIN_BATCH))
            chart(charts.pretrain_chart, pretrained.pretrain, of=pretrained)
        downloads(plain, PAGE, PAGE_EXPERIMENTS[PAGE].config)

st.subheader(tr("Exercise: {title}", title=tr(EXERCISE.title)))
st.markdown(tr("**Goal.** {goal} Try it on the *Exercises* page, where the run is checked "
               "for you.", goal=tr(EXERCISE.goal)))
