"""Lesson 9 — Through time: the gradient reaching step 1 of a sequence, RNN vs LSTM vs GRU."""
import dataclasses
import math

import pandas as pd
import streamlit as st

from app.blocks import (cells, chart, divergence_notice, downloads, kept, page_intro,
                        spread_cells)
from app.runner import run_experiment, run_experiments
from app.widgets import bound, page_controls, widgets_for
from vgcore import charts
from vgcore.i18n import N_, tr
from vgcore.recurrent import (TASKS, cell_label, forget_gate_carry, length_sweep,
                              ratio_sentences, solved_counts, solved_sentences)
from vgcore.recurrent.results import relative_time_grads
from vgcore.workshop.exercises import on_page
from vgcore.workshop.experiments import PAGE_EXPERIMENTS, SWEEP_LENGTHS, length_runs

PAGE = "through_time"
(EXERCISE,) = on_page(PAGE).values()
# The exercise's one control, bound to the URL like the experiment's but its own
# parameter: the sidebar's forget bias is the lesson's, this one the exercise's LSTM's.
EXERCISE_BIAS = dataclasses.replace(widgets_for(EXERCISE.start)["forget_bias"],
                                    field="exercise_forget_bias",
                                    label=N_("Forget-gate bias of the exercise's LSTM"))


# Builders of this page's charts from its results, kept by app.blocks.chart.
def time_grads_chart(result, epochs: tuple[int, ...]):
    """The gradient reaching each step, each net's divided by its own at step T."""
    return charts.time_grad_chart(relative_time_grads(result.time_grads), epochs=epochs,
                                  value="grad_rel")


def solved_table(result) -> pd.DataFrame:
    """Per cell: on how many seeds it solved the task, when first, its final accuracy."""
    counts = solved_counts(result.summary)
    return pd.DataFrame({
        tr("cell"): counts["cell"].map(cell_label),
        tr("seeds that solved it (test accuracy ≥ 95%)"): [
            tr("{solved} of {seeds}", solved=s, seeds=n)
            for s, n in zip(counts["solved"], counts["seeds"])],
        # a cell's pattern: its braces doubled in the message
        tr("first solved at"): cells(counts["first_solved_at"], tr("epoch {{:.0f}}")),
        tr("final test accuracy, median (range)"): spread_cells(
            result.summary, "cell", "final_test_accuracy", "{:.1%}").reindex(
            counts["cell"]).to_numpy()})


def sweep_chart(sweep: dict, chance: float):
    """Final accuracy against the sequence length (T -> result)."""
    return charts.length_sweep_chart(length_sweep(sweep), chance=chance)

page_intro(tr("Through time: RNN vs LSTM vs GRU"),
           tr("the gradient reaching step 1 of the sequence, before any training. In a "
              "recurrent net the deep direction is time: a vanilla RNN passes ~10⁻¹¹ of the "
              "gradient at step 50 back to step 1, so it cannot learn that the first bit "
              "matters. The LSTM's cell state carries it, but only because its forget gate "
              "starts open (forget bias 3): set the forget bias to 0 and it vanishes too."))
cfg = page_controls(PAGE)
# The sweep's runs are asked for with the learner's own, so they train side by side.
lengths = length_runs(cfg) if cfg is not None else {}
result, *swept = run_experiments([cfg, *lengths.values()], live=lambda r: (
    charts.recurrent_accuracy_chart(r.history, chance=TASKS[r.config.task].chance)))
if result is not None:
    config = result.config
    task = TASKS[config.task]
    divergence_notice(result, PAGE_EXPERIMENTS[PAGE].controls)
    st.subheader(tr("The gradient reaching each step"))
    # The figure first (it shows the epoch the slider below picks), its words under it:
    # on a projector's first screen.
    figure = st.container()
    note = tr(task.note)
    st.caption(tr("**Task: {task}.** {note}. Each cell reads one step at a time and answers "
                  "after step {seq_len}; chance is {chance:.0%}.", task=tr(task.label),
                  note=f"{note[:1].upper()}{note[1:]}", seq_len=config.seq_len,
                  chance=task.chance))
    st.markdown(tr("Before training:"))
    for sentence in kept(ratio_sentences, result.time_grads, epoch=0, of=result):
        st.markdown(f"- {sentence}")
    epochs = sorted(int(e) for e in result.time_grads["epoch"].unique())
    later = st.select_slider(tr("Compare with the nets after epoch"), epochs,
                             value=epochs[-1], key="time_epoch") if len(epochs) > 1 else 0
    if later:
        st.markdown(tr("After epoch {epoch}:", epoch=later))
        for sentence in kept(ratio_sentences, result.time_grads, epoch=later, of=result):
            st.markdown(f"- {sentence}")
    chart(time_grads_chart, result, (0, later) if later else (0,), where=figure)
    figure.caption(tr("Each line is divided by its own net's gradient at the last step T. A "
                      "net that has learned the task has a loss near 0, so after training "
                      "its raw gradient is tiny at every step, step T included: that is not "
                      "vanishing. What vanishes is the share of step T's gradient that gets "
                      "back to step 1."))
    if "lstm" in config.cells:
        carry = forget_gate_carry(config.forget_bias, config.seq_len)
        closed = forget_gate_carry(0.0, config.seq_len)
        st.markdown(tr(
            "**The LSTM claim holds only with the forget gate open.** The cell state is "
            "c_t = f_t·c_(t−1) + i_t·g_t, so what step 1 wrote is multiplied by one "
            "forget gate f_t per later step. This LSTM starts its gates at "
            "σ({bias:g}) = {gate:.2f}: {carry:.2g} of the cell survives to step "
            "{seq_len}. At bias 0, about PyTorch's default, it is {closed:.1g}: the LSTM "
            "then forgets like the RNN (the exercise below starts there).",
            bias=config.forget_bias, gate=1 / (1 + math.exp(-config.forget_bias)),
            carry=carry, seq_len=config.seq_len, closed=closed))

    st.subheader(tr("Learning the task"))
    chart(charts.recurrent_accuracy_chart, result.history, chance=task.chance, of=result)
    for sentence in kept(solved_sentences, result.summary, config.seq_len, of=result):
        st.markdown(f"- {sentence}")
    st.dataframe(kept(solved_table, result), hide_index=True)
    if config.n_seeds < 3:
        st.caption(tr("One seed is one draw: with Adam and clipping a vanilla RNN "
                      "sometimes gets lucky (on 5 seeds of this page's default it solved "
                      "T = 50 once). Set **Repeats** to 3 or more before drawing a "
                      "conclusion."))

    st.subheader(tr("Accuracy against sequence length"))
    st.caption(tr("The same experiment at T = {lengths} (and your T): where does each cell "
                  "fall to chance? Each length is one more run whose time grows with T, so "
                  "the sweep stops at 50, which keeps this page's default at about 13 s on "
                  "one core; T = 100 alone would take as long as the four shorter lengths "
                  "together. Set the sequence length to 100 to add it.",
                  lengths=", ".join(map(str, SWEEP_LENGTHS))))
    sweep = dict(zip(lengths, swept))
    if all(r is not None for r in sweep.values()):
        chart(sweep_chart, sweep, task.chance)
    downloads(result, PAGE, PAGE_EXPERIMENTS[PAGE].config)

st.subheader(tr("Exercise: {title}", title=tr(EXERCISE.title)))
st.markdown(tr("**Goal.** {goal}", goal=tr(EXERCISE.goal)))
with st.expander(tr("Hints"), icon=":material/lightbulb:"):
    for hint in EXERCISE.hints:
        st.markdown(f"- {tr(hint)}")
bias = bound(EXERCISE_BIAS, EXERCISE.start.forget_bias, st)
attempt = run_experiment(EXERCISE.start.replace(forget_bias=float(bias)))
if attempt is not None:
    check = EXERCISE.check(attempt)
    if check.passed:
        st.success(check.message, icon=":material/check_circle:")
    else:
        st.warning(tr("Not yet. {why}", why=check.message),
                   icon=":material/pending:")
    chart(EXERCISE.chart, attempt)
