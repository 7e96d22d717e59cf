"""Vanishing Gradient Lab: the frame. Page config and navigation; the lessons live in
pages/ (listed in app/catalog.py), the science in vgcore/."""
from pathlib import Path

import streamlit as st
from PIL import Image

from app import links
from app.catalog import PAGES

# A local image, not a ":material/…:" icon: Streamlit fetches a material favicon from
# fonts.gstatic.com, and a page must ask nothing of any host but its own server.
st.set_page_config(page_title="Vanishing Gradient Lab", layout="wide",
                   page_icon=Image.open(Path(__file__).parent / "app" / "favicon.png"))

sections: dict[str, list] = {}
for spec in PAGES:
    sections.setdefault(spec.section, []).append(
        st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path,
                default=spec.url_path == "home"))

st.navigation(sections, position="sidebar", expanded=True).run()
links.finish()      # every parameter of a shared link used or announced
