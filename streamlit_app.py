"""Vanishing Gradient Lab: the frame. Page config and navigation; the lessons live in
pages/ (listed in app/catalog.py), the science in vgcore/."""
import streamlit as st

from app import links
from app.catalog import PAGES

st.set_page_config(page_title="Vanishing Gradient Lab", page_icon=":material/trending_down:", layout="wide")

sections: dict[str, list] = {}
for spec in PAGES:
    sections.setdefault(spec.section, []).append(
        st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path,
                default=spec.url_path == "home"))

st.navigation(sections, position="sidebar", expanded=True).run()
links.finish()      # every parameter of a shared link used or announced
