"""Recurrent cells through time (vgcore.recurrent frames): the gradient reaching each
time step, accuracy per epoch, and accuracy against the sequence length."""
from __future__ import annotations

from typing import Any, Sequence

import altair as alt
import pandas as pd

from vgcore.i18n import N_, tr
from vgcore.recurrent import CELLS, SOLVED_ACCURACY, cell_order
from vgcore.results import mean_over_seeds

from ._common import (_EPOCH_AXIS, _axis_title, HEIGHT, WIDTH, _check_choice, _data, _finite,
                      _label_expr, _legend, _legend_select, _percent_y, _require, _title,
                      _tooltip, _y, _band_frame, _marked, _median_band, _seeds_note,
                      _subtitle)
from .palette import CELL_COLORS, _fixed_colors

_TIME_AXIS = N_("time step t (1 = the first input; the loss is read after the last, T)")


def _cell_encoding(df: pd.DataFrame) -> alt.Color:
    names = cell_order(df["cell"]) if "cell" in df else []
    return alt.Color("cell:N", scale=_fixed_colors(names, CELL_COLORS), sort=names,
                     legend=_legend(tr("cell"), labelExpr=_label_expr(
                         {k: _marked(c.label) for k, c in CELLS.items()})))


def _levels(chance: float | None) -> list[tuple[float, str]]:
    """The reference accuracies and their labels: solved, and chance when known."""
    levels = [(SOLVED_ACCURACY, tr("solved ({accuracy:.0%})", accuracy=SOLVED_ACCURACY))]
    if chance is not None:
        levels.append((chance, tr("chance ({accuracy:.0%})", accuracy=chance)))
    return levels


def _reference_rules(levels: Sequence[tuple[float, str]], field: str, width: int | str
                     ) -> alt.LayerChart:
    """Grey dashed rules at fixed accuracies (chance, solved), each labelled at the right
    end (the curves start at the left, where they would cover the label)."""
    df = pd.DataFrame([{field: v, "note": n} for v, n in levels])
    base = alt.Chart(_data(df)).encode(y=f"{field}:Q", tooltip=_tooltip("note", field))
    rule = base.mark_rule(color="#888888", strokeDash=[4, 3])
    at = alt.value(width) if isinstance(width, int) else alt.value(0)
    text = base.mark_text(align="right" if isinstance(width, int) else "left",
                          baseline="bottom", dx=-3 if isinstance(width, int) else 3, dy=-2,
                          color="#666666").encode(x=at, text="note:N")
    return alt.layer(rule, text)


# What time_grad_chart can draw: column -> y-axis title and subtitle (marked for the
# catalog, translated where drawn).
TIME_GRAD_VALUES: dict[str, tuple[str, str]] = {
    "grad_norm": (N_("gradient reaching step t, ‖∂L/∂h_t‖"),
                  N_("read it right to left: every step back through time multiplies the "
                     "gradient by one more factor")),
    "grad_rel": (N_("share of step T's gradient reaching step t, ‖∂L/∂h_t‖ ÷ ‖∂L/∂h_T‖"),
                 N_("each net divided by its own gradient at the last step, so a loss near "
                    "0 after training does not read as vanishing; 1 at T")),
}


def time_grad_chart(time_grads_df: pd.DataFrame, epochs: Sequence[int] = (0,), *,
                    value: str = "grad_norm", width: int | str = WIDTH,
                    height: int = HEIGHT) -> alt.Chart:
    """`value` against the time step t (log y), one colour per cell, one line per seed:
    ‖∂L/∂h_t‖ ("grad_norm"), how much of the loss's gradient, taken at the last step T,
    reaches each earlier state; or that ÷ the net's own ‖∂L/∂h_T‖ ("grad_rel", from
    `vgcore.recurrent.relative_time_grads`), which compares nets whose losses differ.
    With several `epochs` the first is dashed (0: the untrained nets)."""
    _check_choice("value", value, list(TIME_GRAD_VALUES))
    _require(time_grads_df, ["cell", "seed", "epoch", "t", value], "time_grads_df")
    available = sorted(int(e) for e in pd.unique(time_grads_df["epoch"]))
    for epoch in epochs:
        _check_choice("epoch", epoch, available)
    rows = time_grads_df[time_grads_df["epoch"].isin(list(epochs))]
    df = _finite(rows, ["t", value], positive=[value])
    whens = [(tr("untrained (epoch 0)") if e == 0 else tr("after epoch {epoch}", epoch=e))
             for e in epochs]
    df["when"] = df["epoch"].map(dict(zip(epochs, whens)))
    # median in log space: the same middle the log axis shows
    drawn, n = _band_frame(df, ["cell", "when", "epoch", "t"], value, log=True)
    shared: dict[str, Any] = {}
    if len(epochs) > 1:
        shared["strokeDash"] = alt.StrokeDash(
            "when:N", sort=whens, legend=_legend(tr("when"), symbolType="stroke"),
            scale=alt.Scale(domain=whens, range=[[6, 3]] + [[1, 0]] * (len(whens) - 1)))
    last = int(df["t"].max()) if not df.empty else 1
    y_title, subtitle = (tr(words) for words in TIME_GRAD_VALUES[value])
    spread = pd.concat([drawn[value], drawn[f"{value}_lo"], drawn[f"{value}_hi"]])
    shared["x"] = alt.X("t:Q", title=_axis_title(tr(_TIME_AXIS)),
                        axis=alt.Axis(tickMinStep=1),
                        scale=alt.Scale(domain=[1, last], nice=False))
    shared["color"] = _cell_encoding(df)
    chart = _median_band(shared, _y(value, y_title, log=True, values=spread), value, n,
                         _legend_select("cell"), ["cell", "when"], ["cell", "epoch", "t"],
                         data=_data(drawn))
    return chart.properties(width=width, height=height, title=_title(
        tr("The gradient reaching each time step"), _subtitle(_seeds_note(n), subtitle)))


def recurrent_accuracy_chart(history_df: pd.DataFrame, split: str = "test", *,
                             chance: float | None = None, width: int | str = WIDTH,
                             height: int = HEIGHT) -> alt.LayerChart:
    """Accuracy per epoch on one split, one colour per cell: the median over seeds, their
    range as a band and each seed a thin line of its cell's colour, with rules at
    `chance` (a net that learned nothing) and at the 'solved' accuracy."""
    _check_choice("split", split, ["train", "test"])
    _require(history_df, ["cell", "seed", "epoch", "split", "accuracy"], "history_df")
    df = _finite(history_df[history_df["split"].astype(str) == split],
                 ["epoch", "accuracy"])
    drawn, n = _band_frame(df, ["cell", "epoch"], "accuracy")
    lines = _median_band(
        {"x": alt.X("epoch:Q", title=_axis_title(tr(_EPOCH_AXIS)),
                    axis=alt.Axis(tickMinStep=1)),
         "color": _cell_encoding(df)},
        _percent_y("accuracy", tr("train accuracy (% of sequences answered right)")
                   if split == "train" else
                   tr("test accuracy (% of sequences answered right)")),
        "accuracy", n, _legend_select("cell"), ["cell"], ["cell", "epoch"],
        line={"point": alt.OverlayMarkDef(size=16, filled=True)}, data=_data(drawn))
    return alt.layer(lines, _reference_rules(_levels(chance), "accuracy", width)).properties(
        width=width, height=height, title=_title(
            tr("Accuracy on the train set, per epoch") if split == "train" else
            tr("Accuracy on the test set, per epoch"),
            _subtitle(_seeds_note(n), tr("click a legend entry to highlight one cell"))))


def length_sweep_chart(sweep_df: pd.DataFrame, *, chance: float | None = None,
                       width: int | str = WIDTH, height: int = HEIGHT) -> alt.LayerChart:
    """Final test accuracy against the sequence length (log x; the median over seeds,
    their range a band), one colour per cell: where each cell falls to chance. Frame:
    `vgcore.recurrent.length_sweep`."""
    _require(sweep_df, ["cell", "seq_len", "seed", "final_test_accuracy", "solved"],
             "sweep_df")
    rows = _finite(sweep_df, ["seq_len", "final_test_accuracy"])
    drawn, n = _band_frame(rows, ["cell", "seq_len"], "final_test_accuracy")
    # the share of seeds that solved it, beside the median accuracy in the tooltip
    solved = mean_over_seeds(rows, ["cell", "seq_len"], ["solved"], sort=False)
    drawn = drawn.drop(columns="solved", errors="ignore").merge(
        solved, on=["cell", "seq_len"], how="left")
    lengths = sorted(int(v) for v in pd.unique(rows["seq_len"]))
    lines = _median_band(
        {"x": alt.X("seq_len:Q", title=tr("sequence length T (log scale)"),
                    scale=alt.Scale(type="log", nice=False, padding=14, domain=(
                        [lengths[0], lengths[-1]] if lengths else alt.Undefined)),
                    axis=alt.Axis(values=lengths, format="d")),
         "color": _cell_encoding(rows)},
        _percent_y("final_test_accuracy", tr("final test accuracy")), "final_test_accuracy",
        n, _legend_select("cell"), ["cell"], ["cell", "seq_len", "solved"],
        line={"point": alt.OverlayMarkDef(size=50, filled=True)}, data=_data(drawn))
    rules = _reference_rules(_levels(chance), "final_test_accuracy", width)
    return alt.layer(lines, rules).properties(width=width, height=height, title=_title(
        tr("Test accuracy against the sequence length"),
        _subtitle(_seeds_note(n), tr("after the same training at every length: where does "
                                     "each cell fall to chance?"))))
