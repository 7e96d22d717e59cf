"""The app's table of contents: one entry per page, grouped in sections.

Plain data (no streamlit import) so tests can check that every page is reachable from
the navigation exactly once.
"""
from __future__ import annotations

from typing import NamedTuple


class PageSpec(NamedTuple):
    section: str
    path: str          # relative to the project root
    title: str
    icon: str
    url_path: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("Start", "pages/home.py", "Welcome", ":material/home:", "home"),
    PageSpec("Lessons", "pages/activations.py", "1 · Activations", ":material/show_chart:", "activations"),
    PageSpec("Lessons", "pages/gradient_flow.py", "2 · Gradient flow", ":material/waves:", "gradient-flow"),
    PageSpec("Lessons", "pages/inside_layers.py", "3 · Inside the layers", ":material/biotech:",
             "inside-the-layers"),
    PageSpec("Lessons", "pages/loss_curves.py", "4 · Loss curves", ":material/trending_down:", "loss-curves"),
    PageSpec("Lessons", "pages/overfitting.py", "5 · Overfitting", ":material/target:", "overfitting"),
    PageSpec("Lessons", "pages/softmax.py", "6 · Softmax & cross-entropy", ":material/casino:", "softmax"),
    PageSpec("Lessons", "pages/exploding.py", "7 · Exploding gradients & fixes", ":material/bolt:",
             "exploding-gradients"),
    PageSpec("Workshop", "pages/workshop.py", "Presets", ":material/school:", "presets"),
    PageSpec("Workshop", "pages/exercises.py", "Exercises", ":material/checklist:", "exercises"),
    PageSpec("Workshop", "pages/compare_runs.py", "Compare runs", ":material/stacked_line_chart:",
             "compare-runs"),
)
