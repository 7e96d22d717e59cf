"""Vanishing Gradient Lab: the frame. Page config and navigation; the lessons live in
pages/ (listed in app/catalog.py), the science in vgcore/."""
from pathlib import Path

import streamlit as st
from PIL import Image

from app import links
from app.blocks import page_style
from app.catalog import PAGES
from app.language import choose_language
from vgcore.i18n import tr

# A local image, not a ":material/…:" icon: Streamlit fetches a material favicon from
# fonts.gstatic.com, and a page must ask nothing of any host but its own server.
st.set_page_config(page_title="Vanishing Gradient Lab", layout="wide",
                   page_icon=Image.open(Path(__file__).parent / "app" / "favicon.png"))

# The reader's language first: every word below, the page's too, is made in it.
choose_language()
sections: dict[str, list] = {}
for spec in PAGES:      # page URLs are the same in every language
    sections.setdefault(tr(spec.section), []).append(
        st.Page(spec.path, title=tr(spec.title), icon=spec.icon, url_path=spec.url_path,
                default=spec.url_path == "home"))

page_style()
# The pages in the top bar, one menu per section: the sidebar keeps only the page's
# experiment controls, so they start at its top even on a projector's 720 px (in the
# sidebar the 13 pages ran to y ≈ 610). On a phone Streamlit moves the menus into the
# sidebar, where it would show 10 of them behind "View more" once the sidebar holds a
# control (the language picker, on every page): expanded lists all.
st.navigation(sections, position="top", expanded=True).run()
links.finish()      # every parameter of a shared link used or announced
