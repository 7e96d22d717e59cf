"""Colours (and the few line styles that stand in for colour): one per activation, init
scheme, cure, output head and recurrent cell on every chart of the lab, fixed whatever else
is drawn beside them, and categorical colours for any other series.

Every table is keyed by registry *name* (`relu`, `he`, `batch_norm`), never by a label a
page prints; a chart whose series are labels is told each label's (group, name) and takes
its colour from here (`named_colors`)."""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import altair as alt

from vgcore.heads import HEAD_LABELS
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
# Init schemes (vgcore.inits): Paul Tol's muted set, darker than and apart from every
# activation colour, so lesson 7's bars (activations) and its init lines never read alike.
INIT_COLORS: dict[str, str] = {
    "auto": "#555555",        # dark grey: resolves to Glorot or He, never drawn beside them
    "normal": "#882255",      # wine: N(0, 1), the init that explodes
    "lecun": "#117733",       # green
    "xavier": "#44AA99",      # teal (Tol's green sits on sigmoid's red for deuteranopes)
    "he": "#332288",          # indigo: apart from ReLU's blue by its darkness
    "pytorch": "#AA4499",     # purple
}
# Lesson 8's cures (vgcore.workshop.cures), by key. A cure that *is* an activation or an
# init scheme is drawn in that one's colour; the others take colours no activation has.
# The plain net is no cure: it is drawn in its activation's colour (sigmoid's, by default).
CURE_COLORS: dict[str, str] = {
    "pretraining": "#8C564B",                 # brown
    "normalised_init": INIT_COLORS["xavier"],  # it is Glorot's normalised init
    "relu": ACTIVATION_COLORS["relu"],         # it is the ReLU
    "clipping": "#999999",    # grey: on the plain net's line, since it changes nothing there
    "batch_norm": "#222255",                  # Tol's dark blue
    "residual": "#CC6677",                    # Tol's rose
    "combined": "#AA3377",    # Tol's purple-red: every ticked cure at once
}
# Output heads, by name (vgcore.heads); their labels (the softmax page's run names) share
# the colour, so the table is written once.
_HEAD_BY_NAME: dict[str, str] = {"softmax_ce": "#0072B2", "sigmoid_mse": "#D55E00",
                                 "sigmoid_ce": "#009E73"}
HEAD_COLORS: dict[str, str] = {**_HEAD_BY_NAME, **{HEAD_LABELS[k]: c for k, c in
                                                   _HEAD_BY_NAME.items()}}
DIVERGED_COLOR = "#B00020"  # a deep red cross: clearly "something went wrong"
CLASS_COLORS = ("#0072B2", "#E69F00")  # class 0 / class 1, matching the blue–orange heatmap
# Layers are ordered (1 = nearest the input), so they get a sequential scheme. Viridis is
# colour-blind safe; its last 15% is pale yellow, unreadable on white, so it is cut.
LAYER_SCHEME = alt.SchemeParams(name="viridis", extent=[0.0, 0.85])
# One colour per cell on every recurrent chart: the vanilla RNN warm (its gradient
# vanishes, like the sigmoid's), the gated cells cool.
CELL_COLORS: dict[str, str] = {"rnn": "#D55E00", "lstm": "#0072B2", "gru": "#009E73"}

# Each group's table, for series named by (group, registry name).
PALETTES: dict[str, Mapping[str, str]] = {
    "activation": ACTIVATION_COLORS, "init": INIT_COLORS, "cure": CURE_COLORS,
    "cell": CELL_COLORS, "head": _HEAD_BY_NAME}

# -- line styles -----------------------------------------------------------------------
# A point shape per activation, one each: ReLU and leaky ReLU share the blue family and
# often the same curve; where their lines lie on each other the markers still tell them
# apart. (Line dashes are taken on those charts: solid = training, dashed = test.)
ACTIVATION_SHAPES: dict[str, str] = {
    "sigmoid": "circle", "tanh": "square", "relu": "diamond", "leaky_relu": "triangle-up",
    "elu": "triangle-down", "gelu": "cross", "silu": "triangle-right",
    "linear": "triangle-left"}
# Dash per seed, where one cell's seeds are drawn in its one colour (the exercises'
# "one line per seed"): solid, long dash, dots, dash-dot, then repeats.
SEED_DASHES: tuple[list[int], ...] = ([1, 0], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4])


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


def name_color(group: str, name: str) -> str:
    """The colour of registry name `name` in `group` ('activation', 'init', 'cure', 'cell',
    'head'). KeyError for an unknown group or name: a registry entry without a colour is
    a bug the tests catch."""
    return PALETTES[group][name]


def named_colors(names: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """Series label -> colour, for series whose labels a page prints but whose colours
    belong to registry names: {"He / Kaiming": ("init", "he")} -> {"He / Kaiming": "#332288"}.
    Names without a colour are left out (the chart gives them a spare colour)."""
    return {label: PALETTES[group][name] for label, (group, name) in names.items()
            if name in PALETTES.get(group, {})}


def activation_color(domain_names: Iterable[str]) -> alt.Scale:
    """Colour scale for the activations present; sigmoid is #D55E00 whether alone or not."""
    return _fixed_colors(registry_order(domain_names), ACTIVATION_COLORS)
