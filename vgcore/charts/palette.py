"""Colours: one per activation, output head and recurrent cell on every chart, fixed
whatever else is drawn beside them, and categorical colours for any other series."""
from __future__ import annotations

from typing import Iterable, Sequence

import altair as alt

from vgcore.results import registry_order

# -- colours -------------------------------------------------------------------------
# Okabe & Ito (2008), distinct under the common colour-vision deficiencies: saturating
# activations warm, the ReLU family blue/green, so the story's two camps read at a glance.
ACTIVATION_COLORS: dict[str, str] = {
    "sigmoid": "#D55E00",     # vermillion
    "tanh": "#CC79A7",        # reddish purple (orange sat too close to sigmoid's red)
    "relu": "#0072B2",        # blue
    "leaky_relu": "#56B4E9",  # sky blue
    "elu": "#009E73",         # bluish green
    "gelu": "#E69F00",        # orange
    "silu": "#A89400",        # darkened yellow (readable on white)
    "linear": "#000000",      # black: the no-non-linearity reference
}
# Names outside the registry (uploaded runs, future activations) and other categorical
# series: Okabe–Ito order first, then neutral tones, handed out in order of appearance.
CATEGORY_COLORS: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00",
                                    "#56B4E9", "#A89400", "#000000", "#999999", "#8C564B")
HEAD_COLORS: dict[str, str] = {
    "softmax + cross-entropy": "#0072B2",
    "softmax_ce": "#0072B2",
    "sigmoid + MSE": "#D55E00",
    "sigmoid_mse": "#D55E00",
}
DIVERGED_COLOR = "#B00020"  # a deep red cross: clearly "something went wrong"
CLASS_COLORS = ("#0072B2", "#E69F00")  # class 0 / class 1, matching the blue–orange heatmap
# Layers are ordered (1 = nearest the input), so they get a sequential scheme. Viridis is
# colour-blind safe; its last 15% is pale yellow, unreadable on white, so it is cut.
LAYER_SCHEME = alt.SchemeParams(name="viridis", extent=[0.0, 0.85])
# One colour per cell on every recurrent chart: the vanilla RNN warm (its gradient
# vanishes, like the sigmoid's), the gated cells cool.
CELL_COLORS: dict[str, str] = {"rnn": "#D55E00", "lstm": "#0072B2", "gru": "#009E73"}


# Colour pairs of CATEGORY_COLORS too alike to tell apart side by side (Okabe & Ito's
# orange and vermillion, sky blue and blue): a spare colour is never a taken one's twin.
_TWINS = {"#E69F00": "#D55E00", "#D55E00": "#E69F00", "#56B4E9": "#0072B2",
          "#0072B2": "#56B4E9"}


# Line styles of the series beyond the colours: solid, then dashed, dotted, dash-dot. Ten
# CATEGORY_COLORS × three dashes = 30 runs, a workshop's upload cap, each its own pair.
SERIES_DASHES: tuple[tuple[int, ...], ...] = ((1, 0), (7, 3), (2, 3), (9, 3, 2, 3))


def series_styles(names: Sequence[str], known: dict[str, str]
                  ) -> list[tuple[str, tuple[int, ...]]]:
    """(colour, dash) per name. Known names keep their colour, solid; the others take the
    spare CATEGORY_COLORS in order (none taken by, or the twin of, a known colour) solid,
    then the same colours dashed, then dotted…: series k of n spare colours is colour
    k mod n, dash k div n, so no two of n × len(SERIES_DASHES) series look alike."""
    taken = set(known.values())
    taken |= {_TWINS[c] for c in taken if c in _TWINS}    # orange beside vermillion reads
    spare = [c for c in CATEGORY_COLORS if c not in taken] or list(CATEGORY_COLORS)
    styles, k = [], 0
    for name in names:
        if name in known:
            styles.append((known[name], SERIES_DASHES[0]))
        else:
            styles.append((spare[k % len(spare)],
                           SERIES_DASHES[k // len(spare) % len(SERIES_DASHES)]))
            k += 1
    return styles


def _fixed_colors(names: Sequence[str], known: dict[str, str]) -> alt.Scale:
    """A scale whose domain is only the names present (the legend lists nothing absent)
    but whose colours come from a fixed table, so a name's colour never depends on which
    other names are shown. Unknown names take CATEGORY_COLORS in order (`series_styles`)."""
    return alt.Scale(domain=list(names), range=[c for c, _ in series_styles(names, known)])


def activation_color(domain_names: Iterable[str]) -> alt.Scale:
    """Colour scale for the activations present; sigmoid is #D55E00 whether alone or not."""
    return _fixed_colors(registry_order(domain_names), ACTIVATION_COLORS)
