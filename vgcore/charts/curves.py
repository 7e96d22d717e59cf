"""Curves over epochs: train and test loss or accuracy per activation (a diverged run
marked where it stopped), and one net's overfitting gap with its best-test epoch."""
from __future__ import annotations

import altair as alt
import pandas as pd

from vgcore.i18n import tr
from vgcore.results import activation_label, net_outcome

from vgcore.results import registry_order

from ._common import (_EPOCH_AXIS, _axis_title, HEIGHT, WIDTH, _activation_encoding, _band_frame,
                      _median_band, _subtitle, _seeds_note,
                      _activation_label_expr, _check_choice, _data, _finite, _highlight,
                      _legend, _legend_select, _percent_y, _require, _title, _tooltip, _y,
                      _shown_as, _split_labels)
from .palette import ACTIVATION_COLORS, ACTIVATION_SHAPES, CATEGORY_COLORS, DIVERGED_COLOR


def _epoch_x(epochs: pd.Series | list, title: str = _EPOCH_AXIS) -> alt.X:
    """The epoch axis, ending at the data's last epoch: Vega's 'nice' domain would run a
    0–15 run on to 16, an epoch nothing was trained for. `title`: a title marked for the
    catalog (N_), translated here."""
    values = pd.to_numeric(pd.Series(list(epochs)), errors="coerce").dropna()
    scale = (alt.Scale(domain=[float(values.min()), float(values.max())], nice=False)
             if not values.empty and values.max() > values.min() else alt.Undefined)
    return alt.X("epoch:Q", title=_axis_title(tr(title)), axis=alt.Axis(tickMinStep=1),
                 scale=scale)


def _metric_y(metric: str, log_y: bool, values: pd.Series | None = None) -> alt.Y:
    if metric == "accuracy":
        return _percent_y("accuracy", tr("accuracy (% of samples classified correctly)"))
    return _y("loss", tr("loss (average cost per sample)"), log=log_y, values=values)


def _metric_rows(df: pd.DataFrame, metric: str, log_y: bool) -> pd.DataFrame:
    _check_choice("metric", metric, ["loss", "accuracy"])
    use_log = log_y and metric == "loss"
    return _finite(df, ["epoch", metric], positive=[metric] if use_log else [])


def _split_dash() -> alt.StrokeDash:
    return alt.StrokeDash("split:N", legend=_legend(tr("split"), symbolType="stroke",
                                                    **_shown_as(_split_labels())),
                          scale=alt.Scale(domain=["train", "test"], range=[[1, 0], [6, 3]]))


def _activation_shape(df: pd.DataFrame) -> alt.Shape:
    """Each activation's point marker (palette.ACTIVATION_SHAPES), in the colour legend's
    order and words so Vega-Lite merges the two into one legend."""
    names = registry_order(df["activation"])
    return alt.Shape("activation:N", sort=names, scale=alt.Scale(
        domain=names, range=[ACTIVATION_SHAPES.get(n, "circle") for n in names]),
        legend=_legend(tr("activation"), labelExpr=_activation_label_expr()))


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
    df["note"] = [_diverged_note(activation_label(a) if several else None, e, n)
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


def _diverged_note(net: str | None, epoch: int, seeds: int) -> str:
    """The label beside a divergence cross: which net (when several are drawn), the epoch
    and, when more than one seed diverged there, how many."""
    if net is None:
        return (tr("diverged at epoch {epoch} ({n} seeds)", epoch=epoch, n=seeds)
                if seeds > 1 else tr("diverged at epoch {epoch}", epoch=epoch))
    return (tr("{net} diverged at epoch {epoch} ({n} seeds)", net=net, epoch=epoch, n=seeds)
            if seeds > 1 else tr("{net} diverged at epoch {epoch}", net=net, epoch=epoch))


def loss_chart(history_df: pd.DataFrame, metric: str = "loss", *, log_y: bool = True,
               summary_df: pd.DataFrame | None = None, width: int | str = WIDTH,
               height: int = HEIGHT) -> alt.LayerChart:
    """Train (solid) and test (dashed) curves for every activation on one chart. A diverged
    run just ends early; with `summary_df` its end is marked by a red cross."""
    _check_choice("metric", metric, ["loss", "accuracy"])
    _require(history_df, ["activation", "seed", "epoch", "split", metric], "history_df")
    df = _metric_rows(history_df, metric, log_y)
    drawn, n = _band_frame(df, ["activation", "split", "epoch"], metric,
                           log=log_y and metric == "loss")
    select = _legend_select("activation")
    # a diverged run's cross may sit one epoch past every finite value
    stops = ([] if summary_df is None or "diverged_at" not in summary_df else
             list(_finite(summary_df, ["diverged_at"])["diverged_at"]))
    values = pd.concat([drawn[metric], drawn[f"{metric}_lo"], drawn[f"{metric}_hi"]])
    # Points carry each activation's shape: where ReLU's and leaky ReLU's curves coincide
    # the line on top hides the other, the two markers do not.
    lines = _median_band(
        {"x": _epoch_x([*df["epoch"], *stops]), "color": _activation_encoding(df),
         "strokeDash": _split_dash()},
        _metric_y(metric, log_y, values), metric, n, select, ["activation", "split"],
        ["activation", "split", "epoch"],
        line={"point": alt.OverlayMarkDef(size=30, filled=True)},
        on_line={"shape": _activation_shape(df)}, data=_data(drawn))
    layers: list[alt.Chart | alt.LayerChart] = [lines]
    if summary_df is not None:
        marks = _divergence_marks(df, summary_df, metric)
        if marks is not None:
            layers.append(marks)
    title = (tr("Loss on the training (solid) and test (dashed) sets") if metric == "loss"
             else tr("Accuracy on the training (solid) and test (dashed) sets"))
    return alt.layer(*layers).properties(width=width, height=height, title=_title(
        title, _subtitle(_seeds_note(n), tr("click a legend entry to highlight one "
                                            "activation"))))


def _best_epoch_rule(df: pd.DataFrame) -> list[alt.Chart]:
    """A dashed rule and its label at one net's best-test epoch (argmin of its test loss,
    `net_outcome`): the early-stopping point."""
    outcome = net_outcome(df)
    best_epoch = int(outcome["best_test_epoch"])
    marker = pd.DataFrame({"epoch": [best_epoch], "test": [outcome["best_test_loss"]],
                           "note": [tr("best test epoch {epoch}", epoch=best_epoch)]})
    rule_base = alt.Chart(_data(marker)).encode(
        x="epoch:Q", tooltip=_tooltip("note", "epoch", "test"))
    return [rule_base.mark_rule(color="#333333", strokeDash=[4, 3]),
            rule_base.mark_text(align="left", dx=4, baseline="top", color="#333333"
                                ).encode(y=alt.value(4), text="note:N")]


def _one_net(history_df: pd.DataFrame, activation: str | None, seed: int | None
             ) -> tuple[str, int, pd.DataFrame]:
    """(activation, seed, its rows): the first activation and its lowest seed unless
    named; a name or seed the frame does not hold is a ValueError naming the choices."""
    _require(history_df, ["activation", "seed", "epoch", "split", "loss"], "history_df")
    names = list(dict.fromkeys(history_df["activation"].astype(str)))
    activation = names[0] if activation is None else str(activation)
    _check_choice("activation", activation, names)
    rows = history_df[history_df["activation"].astype(str) == activation]
    seed = rows["seed"].min() if seed is None else seed
    _check_choice("seed", seed, sorted(pd.unique(rows["seed"]).tolist()))
    return activation, seed, rows[rows["seed"] == seed]


def overfitting_chart(history_df: pd.DataFrame, activation: str | None = None, *,
                      seed: int | None = None, log_y: bool = True,
                      width: int | str = WIDTH, height: int = HEIGHT) -> alt.LayerChart:
    """One net's train and test loss, the gap between them shaded, and a rule at the
    best-test epoch (argmin of the test loss): the early-stopping point."""
    activation, seed, rows = _one_net(history_df, activation, seed)
    df = _metric_rows(rows, "loss", log_y)

    # Wide frame for the shaded gap: epochs where both splits have a finite loss.
    wide = (df.pivot_table(index="epoch", columns="split", values="loss").reset_index()
            .reindex(columns=["epoch", "train", "test"]).dropna())
    wide.columns.name = None
    wide["gap"] = wide["test"] - wide["train"]
    color = ACTIVATION_COLORS.get(activation, CATEGORY_COLORS[0])

    x = _epoch_x(df["epoch"])
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
    subtitle = tr("{net}, seed {seed}; shaded: the gap between test and training loss",
                  net=activation_label(activation), seed=seed)
    if not test.empty:
        layers += _best_epoch_rule(df)
    return alt.layer(*layers).properties(width=width, height=height, title=_title(
        tr("Overfitting: training loss keeps falling, test loss turns up"), subtitle))


def zoomed_test_loss_chart(history_df: pd.DataFrame, activation: str | None = None, *,
                           seed: int | None = None, mark_best: bool = False,
                           width: int | str = WIDTH, height: int = HEIGHT
                           ) -> alt.LayerChart:
    """One net's test loss alone on a linear axis zoomed to its minimum and what follows
    it, a point per epoch to hover: on a log axis spanning the training loss's decades a
    rise from 0.73 to 0.80 looks flat. `mark_best`: a rule at the best-test epoch (argmin
    of the test loss)."""
    activation, seed, rows = _one_net(history_df, activation, seed)
    df = _metric_rows(rows[rows["split"].astype(str) == "test"], "loss", False)
    _require(df, ["epoch", "loss"], "test rows of history_df")
    # Zoomed on the minimum and what follows it: the untrained net's first epochs (8.1
    # for Nielsen's net, against 0.73 at best) would flatten the turn again; they stay
    # above the top edge (the chart above shows them).
    best = int(net_outcome(df)["best_test_epoch"])
    lo = float(df["loss"].min())
    after = float(df.loc[df["epoch"] >= best, "loss"].max())
    hi = min(max(after, lo * 1.25), float(df["loss"].max()))
    pad = (hi - lo) * 0.08 or abs(hi) * 0.05 or 0.05
    color = ACTIVATION_COLORS.get(activation, CATEGORY_COLORS[0])
    x = _epoch_x(df["epoch"])
    line = alt.Chart(_data(df)).mark_line(
        color=color, strokeDash=[6, 3], clip=True,
        point=alt.OverlayMarkDef(size=60, filled=True, color=color)).encode(
        x=x, y=alt.Y("loss:Q", title=tr("test loss (linear scale, zoomed)"),
                     scale=alt.Scale(domain=[lo - pad, hi + pad], nice=False, zero=False)),
        tooltip=_tooltip("epoch", "loss"))
    layers: list[alt.Chart] = [line]
    if mark_best:
        layers += _best_epoch_rule(df)
    return alt.layer(*layers).properties(width=width, height=height, title=_title(
        tr("Test loss alone, zoomed around its lowest point"),
        tr("{net}, seed {seed}; earlier epochs above the top edge; hover over a point to "
           "read its epoch and loss", net=activation_label(activation), seed=seed)))
