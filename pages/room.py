"""Workshop — The room's spread: every learner's seed of one experiment, pooled."""
import pandas as pd
import streamlit as st

from app.blocks import chart, page_intro
from app.catalog import PAGES
from app.runner import result_store
from app.widgets import Widget, bound, page_controls
from vgcore import charts
from vgcore.i18n import N_, language, speaking, tr, trn
from vgcore.kinds import kind_of
from vgcore.results import beat_sentences, spread_name, spread_text
from vgcore.store.base import MAX_ROOM_RUNS
from vgcore.workshop.experiments import PAGE_EXPERIMENTS, PAGE_SEEDS
from vgcore.workshop.room import pool, room_runs

PAGE = "room"
REFRESH_S = 10.0                     # how often the view looks for new runs
FRAMES = ("history", "summary")      # what the view pools of each run
TITLES = {spec.url_path: spec.title for spec in PAGES}
LESSON = Widget("lesson", "select", N_("Lesson"), tuple(PAGE_EXPERIMENTS),
                fmt={name: TITLES.get(name, name) for name in PAGE_EXPERIMENTS},
                help=N_("The lesson whose link the room was given"))
# The table's header for the column that names a kind's nets (`Kind.net`, a data name);
# a kind not listed here keeps its column's name.
NET_HEADERS = {"activation": N_("activation"), "cell": N_("cell")}


# A run's result never changes (same config, same numbers): read once per server, and
# only the frames the view draws. A run not (or no longer) stored is not cached.
@st.cache_data(max_entries=2 * MAX_ROOM_RUNS, max_size="128MB", show_spinner=False)
def _stored_frames(run) -> dict:
    result = result_store().get(run)
    if result is None:
        raise LookupError("not stored")
    return {name: getattr(result, name) for name in FRAMES}


def _frames_of(run) -> dict | None:
    try:
        return _stored_frames(run)
    except LookupError:
        return None


page_intro(tr("The room's spread"),
           tr("every stored run of the lesson's experiment, whatever its seed. Give each "
              "learner the lesson's link with their own seeds: a lesson trains {seeds} "
              "seeds from its *Seed* on, so step it by {seeds} (`?seed={seeds}`, "
              "`?seed={second}`, …). One run is one draw; here the room sees its own "
              "spread. The view looks for new runs every {refresh:.0f} s.",
              seeds=PAGE_SEEDS, second=2 * PAGE_SEEDS, refresh=REFRESH_S))
lesson = bound(LESSON, next(iter(PAGE_EXPERIMENTS)))
cfg = page_controls(lesson)
st.sidebar.caption(tr("Set these as the room's link sets them; *Seed* and *Repeats* do "
                      "not matter here: every seed of the experiment is pooled."))


# A fragment's own reruns do not pass through the app's frame, which sets the language:
# the view is given the page's and speaks it on every rerun.
@st.fragment(run_every=REFRESH_S)
def room_view(config, lang: str) -> None:
    with speaking(lang):
        _draw_room(config)


def _draw_room(config) -> None:
    kind = kind_of(config)
    room = pool(config, room_runs(result_store(), config), _frames_of, FRAMES)
    if not room.seeds:
        st.info(tr("No stored run of this experiment yet. Runs appear here as learners "
                   "open the lesson with these settings (each with their own seed)."),
                icon=":material/hourglass_empty:")
        return
    history = room.frames["history"]
    nets = list(dict.fromkeys(history[kind.net].astype(str)))
    listed = ", ".join(map(str, room.seeds[:12])) + (", …" if len(room.seeds) > 12 else "")
    st.markdown(trn("**{n} seed in this room**, from {runs} (seeds {seeds}).",
                    "**{n} seeds in this room**, from {runs} (seeds {seeds}).",
                    len(room.seeds), seeds=listed,
                    runs=trn("{n} stored run", "{n} stored runs", room.runs)))
    for sentence in beat_sentences(room.frames["summary"], kind.net, kind.net_label):
        st.markdown(f"- {sentence}")
    chart(charts.overlay_chart(history, metric="accuracy", split="test", series=kind.net,
                               log_y=False, names={n: (kind.net, n) for n in nets}))
    summary = room.frames["summary"]
    st.dataframe(pd.DataFrame({
        tr(NET_HEADERS[kind.net]) if kind.net in NET_HEADERS else kind.net:
            [kind.net_label(n) for n in nets],
        tr("seeds"): [int(summary.loc[summary[kind.net] == n, "seed"].nunique())
                      for n in nets],
        tr("final test accuracy: median ({spread})", spread=spread_name(len(room.seeds))): [
            spread_text(summary.loc[summary[kind.net] == n, "final_test_accuracy"],
                        "{:.1%}") for n in nets]}), hide_index=True)


if cfg is not None:
    room_view(cfg, language())
