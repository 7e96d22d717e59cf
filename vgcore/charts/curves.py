"""Curves over epochs: train and test loss or accuracy per activation (a diverged run
marked where it stopped), and one net's overfitting gap with its best-test epoch."""
from __future__ import annotations

import altair as alt
import pandas as pd

from vgcore.results import activation_label, net_outcome

from vgcore.results import registry_order

from ._common import (_EPOCH_AXIS, HEIGHT, WIDTH, _activation_encoding,
                      _activation_label_expr, _check_choice, _data, _finite, _highlight,
                      _legend, _legend_select, _percent_y, _require, _title, _tooltip, _y)
from .palette import ACTIVATION_COLORS, ACTIVATION_SHAPES, CATEGORY_COLORS, DIVERGED_COLOR


def _metric_y(metric: str, log_y: bool, values: pd.Series | None = None) -> alt.Y:
    if metric == "accuracy":
        return _percent_y("accuracy", "accuracy (% of samples classified correctly)")
    return _y("loss", "loss (average cost per sample)", log=log_y, values=values)


def _metric_rows(df: pd.DataFrame, metric: str, log_y: bool) -> pd.DataFrame:
    _check_choice("metric", metric, ["loss", "accuracy"])
    use_log = log_y and metric == "loss"
    return _finite(df, ["epoch", metric], positive=[metric] if use_log else [])


def _split_dash() -> alt.StrokeDash:
    return alt.StrokeDash("split:N", legend=_legend("split", symbolType="stroke"),
                          scale=alt.Scale(domain=["train", "test"], range=[[1, 0], [6, 3]]))


def _activation_shape(df: pd.DataFrame) -> alt.Shape:
    """Each activation's point marker (palette.ACTIVATION_SHAPES), in the colour legend's
    order and words so Vega-Lite merges the two into one legend."""
    names = registry_order(df["activation"])
    return alt.Shape("activation:N", sort=names, scale=alt.Scale(
        domain=names, range=[ACTIVATION_SHAPES.get(n, "circle") for n in names]),
        legend=_legend("activation", labelExpr=_activation_label_expr()))


def _divergence_marks(history: pd.DataFrame, summary_df: pd.DataFrame, metric: str
                      ) -> alt.LayerChart | None:
    """A red cross where each diverged run stopped, at its last finite value: one cross
    and label per activation and epoch (its seeds counted, not overprinted), labels of
    the same epoch stacked."""
    _require(summary_df, ["activation", "seed", "diverged_at"], "summary_df")
    diverged = _finite(summary_df, ["diverged_at"])
    marks = []
    for row in diverged.itertuples(index=False):
        run = history[(history["activation"].astype(str) == str(row.activation))
                      & (history["seed"] == row.seed)].sort_values("epoch")
        at = int(row.diverged_at)
        # The training loss is what blew up; mark its last finite value before the end.
        train = run[run["split"].astype(str) == "train"]
        run = train if not train.empty else run
        before = run[run["epoch"] <= at]
        run = before if not before.empty else run
        if run.empty:
            continue
        marks.append({"activation": str(row.activation), "seed": str(row.seed),
                      "epoch": at, metric: float(run[metric].iloc[-1]), "diverged_at": at})
    if not marks:
        return None
    per_net = pd.DataFrame(marks)
    df = per_net.groupby(["activation", "epoch"], as_index=False, sort=False).agg(
        **{metric: (metric, "max"), "diverged_at": ("diverged_at", "first"),
           "seed": ("seed", ", ".join), "seeds": ("seed", "size")})
    several = df["activation"].nunique() > 1
    df["note"] = [(f"{activation_label(a)} " if several else "") + f"diverged at epoch {e}"
                  + (f" ({n} seeds)" if n > 1 else "")
                  for a, e, n in zip(df["activation"], df["epoch"], df["seeds"])]
    df["stack"] = df.groupby("epoch").cumcount()      # 0, 1, 2 … among the same epoch
    base = alt.Chart(_data(df)).encode(
        x="epoch:Q", y=f"{metric}:Q",
        tooltip=_tooltip("activation", "seed", "diverged_at"))
    cross = base.mark_point(shape="cross", filled=True, size=180, color=DIVERGED_COLOR)
    # Labels of one epoch would print over each other: each goes one line lower.
    texts = [base.transform_filter(alt.datum.stack == k).mark_text(
        align="left", dx=9, dy=-9 + 14 * k, color=DIVERGED_COLOR, fontWeight="bold"
    ).encode(text="note:N") for k in range(int(df["stack"].max()) + 1)]
    return alt.layer(cross, *texts)


def loss_chart(history_df: pd.DataFrame, metric: str = "loss", *, log_y: bool = True,
               summary_df: pd.DataFrame | None = None, width: int | str = WIDTH,
               height: int = HEIGHT) -> alt.LayerChart:
    """Train (solid) and test (dashed) curves for every activation on one chart. A diverged
    run just ends early; with `summary_df` its end is marked by a red cross."""
    _check_choice("metric", metric, ["loss", "accuracy"])
    _require(history_df, ["activation", "seed", "epoch", "split", metric], "history_df")
    df = _metric_rows(history_df, metric, log_y)
    select = _legend_select("activation")
    # Points carry each activation's shape: where ReLU's and leaky ReLU's curves coincide
    # the line on top hides the other, the two markers do not.
    lines = alt.Chart(_data(df)).mark_line(
        point=alt.OverlayMarkDef(size=30, filled=True)).encode(
        x=alt.X("epoch:Q", title=_EPOCH_AXIS, axis=alt.Axis(tickMinStep=1)),
        y=_metric_y(metric, log_y, df[metric]),
        color=_activation_encoding(df),
        shape=_activation_shape(df),
        strokeDash=_split_dash(),
        detail="seed:N",
        opacity=_highlight(select),
        tooltip=_tooltip("activation", "seed", "split", "epoch", metric),
    ).add_params(select)
    layers: list[alt.Chart | alt.LayerChart] = [lines]
    if summary_df is not None:
        marks = _divergence_marks(df, summary_df, metric)
        if marks is not None:
            layers.append(marks)
    what = "Loss" if metric == "loss" else "Accuracy"
    return alt.layer(*layers).properties(width=width, height=height, title=_title(
        f"{what} on the training (solid) and test (dashed) sets",
        "click a legend entry to highlight one activation"))


def overfitting_chart(history_df: pd.DataFrame, activation: str | None = None, *,
                      seed: int | None = None, log_y: bool = True,
                      width: int | str = WIDTH, height: int = HEIGHT) -> alt.LayerChart:
    """One net's train and test loss, the gap between them shaded, and a rule at the
    best-test epoch (argmin of the test loss): the early-stopping point."""
    _require(history_df, ["activation", "seed", "epoch", "split", "loss"], "history_df")
    names = list(dict.fromkeys(history_df["activation"].astype(str)))
    activation = names[0] if activation is None else str(activation)
    _check_choice("activation", activation, names)
    rows = history_df[history_df["activation"].astype(str) == activation]
    seed = rows["seed"].min() if seed is None else seed
    _check_choice("seed", seed, sorted(pd.unique(rows["seed"]).tolist()))
    df = _metric_rows(rows[rows["seed"] == seed], "loss", log_y)

    # Wide frame for the shaded gap: epochs where both splits have a finite loss.
    wide = (df.pivot_table(index="epoch", columns="split", values="loss").reset_index()
            .reindex(columns=["epoch", "train", "test"]).dropna())
    wide.columns.name = None
    wide["gap"] = wide["test"] - wide["train"]
    color = ACTIVATION_COLORS.get(activation, CATEGORY_COLORS[0])

    x = alt.X("epoch:Q", title=_EPOCH_AXIS, axis=alt.Axis(tickMinStep=1))
    select = _legend_select("split")
    area = alt.Chart(_data(wide)).mark_area(color=color, opacity=0.18).encode(
        x=x, y="train:Q", y2="test:Q", tooltip=_tooltip("epoch", "train", "test", "gap"))
    lines = alt.Chart(_data(df)).mark_line(
        color=color, point=alt.OverlayMarkDef(size=18, filled=True, color=color)).encode(
        x=x, y=_metric_y("loss", log_y, df["loss"]), strokeDash=_split_dash(),
        opacity=_highlight(select), tooltip=_tooltip("split", "epoch", "loss"),
    ).add_params(select)
    layers: list[alt.Chart] = [area, lines]
    test = df[df["split"] == "test"]
    subtitle = (f"{activation_label(activation)}, seed {seed}; "
                "shaded: the gap between test and training loss")
    if not test.empty:
        outcome = net_outcome(df)
        best_epoch = int(outcome["best_test_epoch"])
        marker = pd.DataFrame({"epoch": [best_epoch], "test": [outcome["best_test_loss"]],
                               "note": [f"best test epoch {best_epoch}"]})
        rule_base = alt.Chart(_data(marker)).encode(
            x="epoch:Q", tooltip=_tooltip("note", "epoch", "test"))
        layers += [rule_base.mark_rule(color="#333333", strokeDash=[4, 3]),
                   rule_base.mark_text(align="left", dx=4, baseline="top", color="#333333"
                                       ).encode(y=alt.value(4), text="note:N")]
    return alt.layer(*layers).properties(width=width, height=height, title=_title(
        "Overfitting: training loss keeps falling, test loss turns up", subtitle))
