"""Welcome page: what the lab shows and where to start."""
import streamlit as st

from app.blocks import page_intro
from app.catalog import PAGES
from vgcore.i18n import tr
from vgcore.workshop.glossary import glossary_table

page_intro(tr("Vanishing Gradient Lab"))
st.markdown(tr(
    """
Why were deep nets so hard to train before 2010? Because the gradient that reaches the
first layers is a **product of one factor per layer above them** — and with sigmoid units
each factor is at most ¼. This lab trains small nets in seconds, on toy 2-D data and
MNIST-like digits, and puts **sigmoid, tanh, ReLU and leaky ReLU side by side** so you can
*see* it happen:

- how fast each layer learns (Nielsen, *Neural Networks and Deep Learning*, ch. 5),
- how units saturate and gradients shrink layer by layer (Glorot & Bengio, 2010),
- how the right initialisation keeps them level (He et al., 2015),
- and the everyday companions: loss curves, overfitting, softmax + cross-entropy.

Every experiment is in the page's URL: copy the link to share exactly what you see.
"""
))
st.subheader(tr("Lessons"))
for spec in PAGES:
    if spec.section == "Lessons":
        st.page_link(spec.path, label=tr(spec.title), icon=spec.icon)
st.caption(tr("Everything runs on the CPU. Results are cached: a config someone already "
              "ran appears instantly."))

with st.expander(tr("Glossary"), icon=":material/translate:"):
    st.caption(tr("The field's terms as the lessons use them, in both languages."))
    st.dataframe(glossary_table(), hide_index=True, height="content")
