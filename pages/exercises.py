"""Workshop — Exercises: a guided sequence, each checked from the run's own numbers."""
import streamlit as st

from app.blocks import chart, downloads, page_intro
from app.runner import run_experiment
from app.widgets import controls
from vgcore.workshop.exercises import EXERCISES

PAGE = "exercises"
KEYS = list(EXERCISES)
solved: set = st.session_state.setdefault("exercises_solved", set())

def start_values(key: str) -> dict:
    """Widget values of an exercise's starting config (controls' names and units)."""
    ex = EXERCISES[key]
    shape = {"depth": ex.start.depth, "width": ex.start.hidden[0]}
    return {name: shape[name] if name in shape else getattr(ex.start, name)
            for name in ex.controls}

def restart() -> None:
    """A newly picked exercise starts from its own config, not the last one's controls."""
    for name, value in start_values(st.session_state["exercise"]).items():
        st.session_state[name] = list(value) if isinstance(value, tuple) else value

page_intro("Exercises",
           "the goal, then change the controls in the sidebar until the check turns green. "
           "Each check is computed from your run's own numbers.")
progress = st.empty()        # filled last, so a check solved in this run counts
key = st.selectbox("Exercise", KEYS, key="exercise", on_change=restart,
                   format_func=lambda k: f"{KEYS.index(k) + 1}. {EXERCISES[k].title}")
ex = EXERCISES[key]
done = "  \n:material/check_circle: *You have solved this one.*" if key in solved else ""
st.markdown(f"**Goal.** {ex.goal}{done}")
with st.expander("Hints", icon=":material/lightbulb:"):
    for hint in ex.hints:
        st.markdown(f"- {hint}")

cfg = controls(PAGE, ex.start, ex.controls)
answer = st.number_input(ex.question, min_value=0, max_value=200, value=None, step=1,
                         key=f"answer_{ex.key}") if ex.question else None
result = run_experiment(cfg)
if result is not None:
    ref_cfg = ex.reference_config(result.config)
    reference = run_experiment(ref_cfg) if ref_cfg is not None else None
    if ref_cfg is None or reference is not None:
        check = ex.check(result, answer=answer, reference=reference)
        if check.passed:
            solved.add(ex.key)
            st.success(check.message, icon=":material/check_circle:")
        else:
            st.warning(f"Not yet. {check.message}", icon=":material/pending:")
        drawn = ex.chart(result, reference)
        if drawn is not None:
            chart(drawn)
    downloads(result, f"exercise-{ex.key}")
# Text, not st.progress: a progress bar on the page reads as "still training".
marks = " ".join("●" if k in solved else "○" for k in KEYS)
progress.markdown(f"**Your progress:** {marks} — {len(solved)} of {len(KEYS)} solved")
