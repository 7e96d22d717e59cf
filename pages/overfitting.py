"""Lesson 5 — Overfitting: Nielsen's small net on 1,000 images, and the remedies."""
import streamlit as st

from app.blocks import chart, divergence_notice, downloads, page_intro
from app.runner import run_experiments
from app.widgets import page_controls
from vgcore import charts
from vgcore.i18n import tr
from vgcore.results import median, seed_outcomes, seeds_text, spread_text, weight_decay_sentence
from vgcore.workshop.experiments import PAGE_EXPERIMENTS, unregularised

PAGE = "overfitting"

page_intro(tr("Overfitting"),
           tr("Nielsen's [784, 30, 10] net reaches 100% on its 1,000 training images while the "
              "test loss bottoms out early (the marked best-test epoch) and then climbs: the "
              "shaded gap is what the net memorised. Set L2 weight decay to 0.001 and compare "
              "the numbers with the unregularised run: the test loss climbs far less after "
              "its best epoch. Stopping "
              "at the best epoch (early stopping) is the other remedy."))
cfg = page_controls(PAGE)
# the unregularised run is asked for with the learner's, so both train at once
result, baseline = run_experiments([cfg, None if cfg is None else unregularised(cfg)],
                                   live=lambda r: charts.loss_chart(r.history))
if result is not None:
    divergence_notice(result, PAGE_EXPERIMENTS[PAGE].controls)
    regularised = unregularised(result.config) != result.config
    baseline = baseline if regularised else None
    names = list(result.config.activations)
    # The figure first, its numbers under it: on a projector's first screen.
    which = st.radio(tr("Activation"), names, horizontal=True, key="overfit_activation",
                     format_func=charts.activation_label) if len(names) > 1 else names[0]
    chart(charts.overfitting_chart, result.history, activation=which, of=result)

    def delta(now, before, key: str, points: bool = False) -> str | None:
        """This run's median over the seeds against the unregularised run's, for
        st.metric (`points`: a fraction's change in percentage points). The number comes
        first in every language: st.metric reads its sign for the arrow."""
        if before is None:
            return None
        change = median(now[key]) - median(before[key])
        if points:
            return tr("{change:+.3g} pts vs no regularisation", change=change * 100)
        return tr("{change:+.3g} vs no regularisation", change=change)

    # One row of numbers per activation (its own seeds', never another's): the median
    # over the seeds and, with several, their range
    for name in names:
        now = seed_outcomes(result.history, name)
        before = seed_outcomes(baseline.history, name) if baseline else None
        if len(names) > 1:
            st.markdown(f"**{charts.activation_label(name)}**")
        c1, c2, c3, c4 = st.columns(4)
        c1.metric(tr("Best test epoch (early stopping)"),
                  spread_text(now["best_test_epoch"], "{:.0f}"),
                  delta(now, before, "best_test_epoch"), delta_color="off")
        c2.metric(tr("Test loss rise after it"), spread_text(now["rise"], "{:+.3f}"),
                  delta(now, before, "rise"), delta_color="inverse")
        c3.metric(tr("Final gap (test − train loss)"), spread_text(now["gap"], "{:.3f}"),
                  delta(now, before, "gap"), delta_color="inverse")
        c4.metric(tr("Final test accuracy"), spread_text(now["final_test_accuracy"], "{:.1%}"),
                  delta(now, before, "final_test_accuracy", points=True))
    seeds = int(result.summary["seed"].nunique())
    st.caption(tr("Each number: the median of {seeds}, their range in brackets.",
                  seeds=seeds_text(seeds))
               if seeds > 1 else
               tr("Each number: {seeds} (seed {seed}), one draw; raise *Repeats* to see how "
                  "far seeds differ.", seeds=seeds_text(1),
                  seed=int(result.summary["seed"].min())))
    if baseline is None:
        st.caption(tr("No regularisation in this run. Add L2 weight decay (try 0.001) or "
                      "dropout in the sidebar: these numbers then show the change against "
                      "this run."))
    st.caption(weight_decay_sentence(result.config.weight_decay, result.config.train_size))
    chart(charts.loss_chart, result.history, metric="accuracy", of=result)
    downloads(result, PAGE, PAGE_EXPERIMENTS[PAGE].config)
