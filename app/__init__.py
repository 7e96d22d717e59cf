"""Streamlit-only helpers for the page scripts in pages/, split by concern:

- `catalog`: the table of contents (plain data) streamlit_app.py builds navigation from;
- `widgets`: experiment controls bound to the URL, built from the config's field
  declarations, and the checks of a shared link's parameters;
- `runner`: the result store shared by every session, training slots and live progress;
- `blocks`: what every page shares (its intro and first-visitor guard, notices,
  downloads, drawing a chart).

Pages import these; vgcore never does.
"""

from vgcore.malloc import limit_arenas

# A server process: Streamlit's session threads and the training threads would each get
# a malloc arena of their own that keeps its freed pages (vgcore/malloc.py).
limit_arenas()
