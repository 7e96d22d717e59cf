"""Workshop — Exercises: a guided sequence, each checked from the run's own numbers."""
import streamlit as st

from app.blocks import chart, downloads, page_intro
from app.runner import run_experiment
from app.widgets import Widget, bound, controls, start_value
from vgcore.i18n import N_, tr
from vgcore.workshop.exercises import on_page

PAGE = "exercises"
EXERCISES = on_page(PAGE)
KEYS = list(EXERCISES)
# A numbered title is no message of its own: it is made here, at every run of the page,
# from the title in the reader's language.
EXERCISE = Widget("exercise", "select", N_("Exercise"), tuple(KEYS),
                  fmt={k: f"{i}. {tr(ex.title)}"
                       for i, (k, ex) in enumerate(EXERCISES.items(), 1)})
# exercise key -> the control values that solved it (a solved exercise reopens solved)
solved: dict = st.session_state.setdefault("exercises_solved", {})


def start_values(key: str) -> dict:
    """Widget values of an exercise's starting config (controls' names and units)."""
    ex = EXERCISES[key]
    return {name: start_value(ex.start, name) for name in ex.controls}


def restart() -> None:
    """A newly picked exercise starts from its own config, not the last one's controls;
    one solved before reopens with the settings that solved it."""
    key = st.session_state["exercise"]
    for name, value in solved.get(key, start_values(key)).items():
        st.session_state[name] = list(value) if isinstance(value, tuple) else value


page_intro(tr("Exercises"),
           tr("the goal, then change the controls in the sidebar until the check turns "
              "green. Each check is computed from your run's own numbers."))
progress = st.empty()        # filled last, so a check solved in this run counts
key = bound(EXERCISE, KEYS[0], on_change=restart)
ex = EXERCISES[key]
st.markdown(tr("**Goal.** {goal}", goal=tr(ex.goal)))
with st.expander(tr("Hints"), icon=":material/lightbulb:"):
    for hint in ex.hints:
        st.markdown(f"- {tr(hint)}")

cfg = controls(ex.start, ex.controls)
answer = st.number_input(tr(ex.question), min_value=0, max_value=200, value=None, step=1,
                         key=f"answer_{ex.key}") if ex.question else None
result = run_experiment(cfg)
if result is not None:
    ref_cfg = ex.reference_config(result.config)
    reference = run_experiment(ref_cfg) if ref_cfg is not None else None
    if ref_cfg is None or reference is not None:
        check = ex.check(result, answer=answer, reference=reference)
        if check.passed:
            solved[ex.key] = {name: st.session_state[name] for name in ex.controls}
            st.success(check.message, icon=":material/check_circle:")
        else:
            st.warning(tr("Not yet. {why}", why=check.message),
                       icon=":material/pending:")
        chart(ex.chart, result, reference, solved=check.passed)
    downloads(result, f"exercise-{ex.key}", ex.start)
# Text, not st.progress: a progress bar on the page reads as "still training".
marks = " ".join("●" if k in solved else "○" for k in KEYS)
progress.markdown(tr("**Your progress:** {marks} — {solved} of {total} solved", marks=marks,
                     solved=len(solved), total=len(KEYS)))
