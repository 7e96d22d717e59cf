"""The app's table of contents: one entry per page, grouped in sections.

Plain data (no streamlit import) so tests can check that every page is reachable from
the navigation exactly once.
"""
from __future__ import annotations

from pathlib import PurePosixPath
from typing import NamedTuple

from vgcore.i18n import N_


class PageSpec(NamedTuple):
    section: str       # in English, marked for the catalog: shown with tr(section)
    path: str          # relative to the project root
    title: str         # likewise
    icon: str

    @property
    def url_path(self) -> str:
        """The page's URL: its file name. Streamlit serves the very first script run of a
        fresh server as an old-style multipage app (it sees a pages/ folder before any
        st.navigation call), where a page's URL *is* its file name; any other URL would
        show a "Page not found" dialog to whoever opens a shared link first.
        `app.blocks.require_app_frame` then reroutes that run through streamlit_app.py."""
        return PurePosixPath(self.path).stem


PAGES: tuple[PageSpec, ...] = (
    PageSpec(N_("Start"), "pages/home.py", N_("Welcome"), ":material/home:"),
    PageSpec(N_("Lessons"), "pages/activations.py", N_("1 · Activations"), ":material/show_chart:"),
    PageSpec(N_("Lessons"), "pages/gradient_flow.py", N_("2 · Gradient flow"), ":material/waves:"),
    PageSpec(N_("Lessons"), "pages/inside_layers.py", N_("3 · Inside the layers"), ":material/biotech:"),
    PageSpec(N_("Lessons"), "pages/loss_curves.py", N_("4 · Loss curves"), ":material/trending_down:"),
    PageSpec(N_("Lessons"), "pages/overfitting.py", N_("5 · Overfitting"), ":material/target:"),
    PageSpec(N_("Lessons"), "pages/softmax.py", N_("6 · Softmax & cross-entropy"), ":material/casino:"),
    PageSpec(N_("Lessons"), "pages/exploding.py", N_("7 · Exploding gradients & fixes"), ":material/bolt:"),
    PageSpec(N_("Lessons"), "pages/how_fixed.py", N_("8 · How it was fixed"), ":material/healing:"),
    PageSpec(N_("Lessons"), "pages/through_time.py", N_("9 · Through time: RNN vs LSTM"),
             ":material/timeline:"),
    PageSpec(N_("Workshop"), "pages/presets.py", N_("Presets"), ":material/school:"),
    PageSpec(N_("Workshop"), "pages/exercises.py", N_("Exercises"), ":material/checklist:"),
    PageSpec(N_("Workshop"), "pages/compare_runs.py", N_("Compare runs"), ":material/stacked_line_chart:"),
    PageSpec(N_("Workshop"), "pages/room.py", N_("The room's spread"), ":material/groups:"),
)
