"""Altair chart builders: a tidy (long-format) DataFrame in, an Altair chart out.

Every builder works the same way, in Streamlit (`st.altair_chart`) or in Jupyter:

- it never mutates its input (it filters copies);
- it raises `ValueError` naming the missing columns (or saying the frame is empty);
- it drops NaN/inf rows (a diverged run) and, on log axes, values <= 0, so a chart never
  breaks;
- one colour per activation, init scheme, cure, cell and head everywhere (`palette`:
  Okabe–Ito for activations, Paul Tol's sets for the rest, colour-blind safe), keyed by
  registry name, tooltips on every mark, a legend that highlights the clicked series, a title,
  axis titles in words.

Charts only draw: the words on a chart are its title, axis titles, legends and marks'
labels; a sentence about a result (how much slower layer 1 learns …) is written where
results are analysed, in `vgcore.results`.

One module per subject, all re-exported here (`from vgcore import charts;
charts.loss_chart(...)`):

- `palette`       colours of activations, inits, cures, heads, cells, layers and other
                  series; activation point shapes and seed dashes
- `_common`       the building blocks: sizes, field titles, frame checks, inline data,
                  tooltips, legends, log axes, titles, facets
- `activations`   f(z) and f'(z); the chain-rule calculator
- `layers`        per-layer gradient (bars, lines, heatmap, by init), saturation, mean
                  activation, layer-wise pretraining
- `network`       the network picture: units shaded by gradient, edges by |w| or |∂C/∂w|
- `histograms`    per-layer histograms of activations and gradients
- `curves`        loss and accuracy over epochs, divergence marks, overfitting
- `softmax`       softmax probabilities; loss and gradient against p
- `boundary`      the decision boundary of a 2-D toy set
- `through_time`  recurrent cells: gradient through time, accuracy, length sweep
- `comparison`    several runs on one chart (workshop uploads, presets)

Frame contracts: see `vgcore.results` (history, layers, histograms, summary, boundary,
points), `vgcore.activations.curves` / `chain_product`, `vgcore.heads` and
`vgcore.recurrent`.
"""
from __future__ import annotations

from .activations import activation_chart, chain_rule_chart
from .boundary import decision_boundary_chart
from .comparison import overlay_chart
from .curves import loss_chart, overfitting_chart, zoomed_test_loss_chart
from .histograms import histogram_chart
from .layers import (activation_mean_chart, grad_heatmap, grad_norm_bars, grad_norm_lines,
                     init_comparison_chart, pretrain_chart, saturation_chart)
from .network import network_chart
from .palette import (ACTIVATION_COLORS, ACTIVATION_SHAPES, CATEGORY_COLORS, CELL_COLORS,
                      CURE_COLORS, HEAD_COLORS, INIT_COLORS, PALETTES, SEED_DASHES,
                      activation_color, name_color)
from .softmax import loss_vs_prob_chart, softmax_chart
from .through_time import length_sweep_chart, recurrent_accuracy_chart, time_grad_chart

# Also reachable as `charts.<name>` (not by `import *`): constants a page or notebook may
# want, helpers the tests pin down, and engine names pages reach through the charts.
from vgcore.probes import NET_INPUTS_DRAWN, NET_UNITS_DRAWN  # noqa: F401
from vgcore.results import activation_label  # noqa: F401

from ._common import FACET_COLUMNS, FACET_HEIGHT, FACET_WIDTH, FADED  # noqa: F401
from ._common import HEIGHT, WIDTH, _activation_label_expr, _log_ticks  # noqa: F401
from ._common import _require  # noqa: F401
from .activations import CHAIN_LABELS  # noqa: F401
from .histograms import HISTOGRAM_SUBTITLES  # noqa: F401
from .network import NET_EDGE_DECADES, NET_EDGE_LOW, NET_EDGE_MODES  # noqa: F401
from ._common import _log_legend_ticks  # noqa: F401
from .network import NET_EDGE_OPACITY, NET_EDGE_WIDTH  # noqa: F401
from .palette import CLASS_COLORS, DIVERGED_COLOR, LAYER_SCHEME  # noqa: F401

__all__ = ["ACTIVATION_COLORS", "CATEGORY_COLORS", "HEAD_COLORS", "activation_color",
           "INIT_COLORS", "CURE_COLORS", "PALETTES", "ACTIVATION_SHAPES", "SEED_DASHES",
           "name_color",
           "activation_chart", "chain_rule_chart", "grad_norm_bars",
           "grad_norm_lines", "grad_heatmap", "init_comparison_chart", "saturation_chart",
           "activation_mean_chart", "network_chart",
           "histogram_chart", "loss_chart", "overfitting_chart", "zoomed_test_loss_chart",
           "softmax_chart",
           "loss_vs_prob_chart", "decision_boundary_chart", "overlay_chart",
           "CELL_COLORS", "time_grad_chart", "recurrent_accuracy_chart",
           "length_sweep_chart", "pretrain_chart"]
