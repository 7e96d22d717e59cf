"""The app's table of contents: one entry per page, grouped in sections.

Plain data (no streamlit import) so tests can check that every page is reachable from
the navigation exactly once.
"""
from __future__ import annotations

from pathlib import PurePosixPath
from typing import NamedTuple


class PageSpec(NamedTuple):
    section: str
    path: str          # relative to the project root
    title: str
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
    PageSpec("Start", "pages/home.py", "Welcome", ":material/home:"),
    PageSpec("Lessons", "pages/activations.py", "1 · Activations", ":material/show_chart:"),
    PageSpec("Lessons", "pages/gradient_flow.py", "2 · Gradient flow", ":material/waves:"),
    PageSpec("Lessons", "pages/inside_layers.py", "3 · Inside the layers", ":material/biotech:"),
    PageSpec("Lessons", "pages/loss_curves.py", "4 · Loss curves", ":material/trending_down:"),
    PageSpec("Lessons", "pages/overfitting.py", "5 · Overfitting", ":material/target:"),
    PageSpec("Lessons", "pages/softmax.py", "6 · Softmax & cross-entropy", ":material/casino:"),
    PageSpec("Lessons", "pages/exploding.py", "7 · Exploding gradients & fixes", ":material/bolt:"),
    PageSpec("Lessons", "pages/how_fixed.py", "8 · How it was fixed", ":material/healing:"),
    PageSpec("Lessons", "pages/through_time.py", "9 · Through time: RNN vs LSTM",
             ":material/timeline:"),
    PageSpec("Workshop", "pages/presets.py", "Presets", ":material/school:"),
    PageSpec("Workshop", "pages/exercises.py", "Exercises", ":material/checklist:"),
    PageSpec("Workshop", "pages/compare_runs.py", "Compare runs", ":material/stacked_line_chart:"),
    PageSpec("Workshop", "pages/room.py", "The room's spread", ":material/groups:"),
)
