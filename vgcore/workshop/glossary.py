"""The field's terms in both languages, as the lessons use them.

A term's Chinese is its translation in the catalog (vgcore/locale), the one the lessons'
sentences use, so the glossary cannot drift from the pages. Where a source text of the
lab (../shared/seeds, a Chinese learning site's glosses) renders a term otherwise, that
older rendering is noted once here and nowhere else.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from vgcore.i18n import LANGUAGES, N_, speaking, tr


@dataclass(frozen=True)
class Term:
    english: str          # marked for the catalog: its translation is the Chinese term
    older: str = ""       # a source text's older Chinese rendering, where it differs


GLOSSARY: tuple[Term, ...] = (
    Term(N_("gradient")),
    Term(N_("vanishing gradient"), older="消失梯度"),
    Term(N_("exploding gradient"), older="爆发梯度"),
    Term(N_("backpropagation")),
    Term(N_("chain rule")),
    Term(N_("activation function")),
    Term(N_("saturation")),
    Term(N_("speed of learning")),
    Term(N_("hidden layer")),
    Term(N_("output layer")),
    Term(N_("weight")),
    Term(N_("bias")),
    Term(N_("weight initialisation")),
    Term(N_("learning rate")),
    Term(N_("mini-batch")),
    Term(N_("epoch")),
    Term(N_("random seed")),
    Term(N_("training set")),
    Term(N_("test set")),
    Term(N_("accuracy")),
    Term(N_("loss")),
    Term(N_("cost function")),
    Term(N_("cross-entropy")),
    Term(N_("logit")),
    Term(N_("overfitting")),
    Term(N_("regularisation")),
    Term(N_("weight decay")),
    Term(N_("dropout")),
    Term(N_("decision boundary")),
    Term(N_("gradient clipping")),
    Term(N_("layer-wise pretraining")),
    Term(N_("autoencoder")),
    Term(N_("restricted Boltzmann machine"), older="受限波兹曼机"),
    Term(N_("batch normalisation")),
    Term(N_("residual connection")),
    Term(N_("recurrent neural network (RNN)")),
    Term(N_("long short-term memory (LSTM)")),
    Term(N_("gated recurrent unit (GRU)")),
    Term(N_("forget gate")),
    Term(N_("cell state")),
    Term(N_("sequence length")),
    Term(N_("backpropagation through time")),
)


def glossary_table() -> pd.DataFrame:
    """One row per term: the term in each language (columns named by the language's own
    name, as the picker shows it) and, in the reader's language, the older rendering a
    source text uses."""
    rows = []
    for term in GLOSSARY:
        row = {}
        for code, name in LANGUAGES.items():
            with speaking(code):
                row[name] = tr(term.english)
        row[tr("In the source texts")] = (
            tr("written {older} there", older=term.older) if term.older else "")
        rows.append(row)
    return pd.DataFrame(rows)


__all__ = ["GLOSSARY", "Term", "glossary_table"]
