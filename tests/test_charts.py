"""Chart builders: every spec validates (`to_dict`), embeds the rows it should, keeps
colours stable, drops what a log axis cannot show, and rejects bad frames by name.

Frames are small synthetic ones built here (the training loop is not needed)."""
from __future__ import annotations

import itertools
import math
import subprocess
import sys
from typing import Any, Callable, Iterator

import altair as alt
import numpy as np
import pandas as pd
import pytest

from picture import picture_rows as read_picture
from vgcore import charts
from vgcore.activations import chain_product, curves

ACTS = ["sigmoid", "relu"]


# -- synthetic frames -------------------------------------------------------------------
@pytest.fixture
def layers_df() -> pd.DataFrame:
    """3 hidden layers + output. Sigmoid: norm 10^(l-4), so last/first hidden = 100.
    ReLU: the first layer's norm is 4× the last's (exploding)."""
    rows = []
    for act, seed, epoch, layer in itertools.product(ACTS, [0, 1], [0, 1, 2], [1, 2, 3, 4]):
        if act == "sigmoid":
            norm = 10.0 ** (layer - 4)
        else:
            norm = {1: 0.4, 2: 0.2, 3: 0.1, 4: 1.0}[layer]
        rows.append({"activation": act, "seed": seed, "epoch": epoch, "layer": layer,
                     "layer_name": "output" if layer == 4 else f"hidden {layer}",
                     "weight_grad_norm": 2 * norm, "bias_grad_norm": norm,
                     "act_mean": 0.5, "act_std": 0.1,
                     "saturation": np.nan if layer == 4 else 0.1 * layer})
    return pd.DataFrame(rows)


@pytest.fixture
def history_df() -> pd.DataFrame:
    rows = []
    for act, seed, epoch, split in itertools.product(ACTS, [0], range(6), ["train", "test"]):
        loss = 1 / (epoch + 1) + (0.05 * epoch if split == "test" else 0.0)
        rows.append({"activation": act, "seed": seed, "epoch": epoch, "split": split,
                     "loss": loss, "accuracy": 0.5 + 0.05 * epoch, "run": f"run {act}"})
    return pd.DataFrame(rows)


@pytest.fixture
def summary_df() -> pd.DataFrame:
    return pd.DataFrame({"activation": ACTS, "seed": [0, 0], "diverged_at": [np.nan, 3.0]})


@pytest.fixture
def hist_df() -> pd.DataFrame:
    rows = []
    for act, seed, epoch, layer, quantity, b in itertools.product(
            ACTS, [0, 1], [0, 1], [1, 2, 3], ["activation", "gradient"], range(5)):
        rows.append({"activation": act, "seed": seed, "epoch": epoch, "layer": layer,
                     "layer_name": f"hidden {layer}", "quantity": quantity,
                     "bin_start": b / 5, "bin_end": (b + 1) / 5, "count": b,
                     "fraction": b / 10})
    return pd.DataFrame(rows)


@pytest.fixture
def units_df() -> pd.DataFrame:
    """Two activations × seeds × epochs; a 40-unit hidden layer (drawn as a sample), a
    5-unit one and 2 outputs; one unit with no gradient at all (a dead ReLU)."""
    rows = []
    for act, seed, epoch in itertools.product(ACTS, [0, 1], [0, 1]):
        for layer, width, name in ((1, 40, "hidden 1"), (2, 5, "hidden 2"), (3, 2, "output")):
            for unit in range(1, width + 1):
                grad = 0.0 if (act == "relu" and layer == 2 and unit == 1) else \
                    (-1) ** unit * 10.0 ** (layer - 4) * (1 + unit / 100)
                rows.append({"activation": act, "seed": seed, "epoch": epoch,
                             "layer": layer, "layer_name": name, "unit": unit,
                             "bias_grad": grad, "act_mean": 0.5})
    return pd.DataFrame(rows)


@pytest.fixture
def edges_df(units_df) -> pd.DataFrame:
    """res.edges for units_df's nets: 8 input groups -> the 16 drawn units of hidden 1
    (group means, positive), those -> the 5 of hidden 2 -> the 2 outputs (signed), |w|
    and |∂C/∂w| spread over decades; one edge with no gradient (out of the dead unit)."""
    from vgcore.probes import drawn_units
    rows = []
    for act, seed, epoch in itertools.product(ACTS, [0, 1], [0, 1]):
        for layer, src, dst in ((1, range(1, 9), drawn_units(40)),
                                (2, drawn_units(40), range(1, 6)), (3, range(1, 6), [1, 2])):
            for s, d in itertools.product(src, dst):
                sign = 1 if layer == 1 else (-1) ** (s + d)
                grad = 0.0 if (act == "relu" and layer == 3 and s == 1) else \
                    sign * 10.0 ** (layer - 5) * (1 + d / 10)
                rows.append({"activation": act, "seed": seed, "epoch": epoch,
                             "layer": layer, "layer_name": "output" if layer == 3 else
                             f"hidden {layer}", "src": s, "dst": d,
                             "weight": sign * 0.01 * (s + d), "weight_grad": grad})
    return pd.DataFrame(rows)


@pytest.fixture
def grid_df() -> pd.DataFrame:
    ticks = np.linspace(-1, 1, 4)
    return pd.DataFrame([{"activation": a, "seed": s, "x1": x, "x2": y,
                          "prob": 1 / (1 + np.exp(-4 * x * y))}
                         for a in ACTS for s in [0, 1] for x in ticks for y in ticks])


@pytest.fixture
def points_df() -> pd.DataFrame:
    return pd.DataFrame({"x1": [0.0, 0.5, -0.5], "x2": [0.2, -0.3, 0.9], "label": [0, 1, 1],
                         "split": ["train", "test", "train"]})


@pytest.fixture
def softmax_df() -> pd.DataFrame:
    z = np.array([1.0, 2.0, 3.0])
    p = np.exp(z) / np.exp(z).sum()
    return pd.DataFrame({"class": ["0", "1", "2"], "logit": z, "probability": p})


@pytest.fixture
def lvp_df() -> pd.DataFrame:
    p = np.linspace(0.0, 1.0, 11)  # includes p = 0 (loss inf) and p = 1 (gradient 0)
    with np.errstate(divide="ignore"):
        parts = {("softmax + cross-entropy", "loss"): -np.log(p),
                 ("softmax + cross-entropy", "gradient"): p - 1,
                 ("sigmoid + MSE", "loss"): 0.5 * (1 - p) ** 2,
                 ("sigmoid + MSE", "gradient"): (1 - p) * p * (1 - p)}
    return pd.concat([pd.DataFrame({"p": p, "head": h, "quantity": q, "value": v})
                      for (h, q), v in parts.items()], ignore_index=True)


@pytest.fixture
def frames(layers_df, history_df, summary_df, hist_df, grid_df, points_df, softmax_df,
           lvp_df, units_df, edges_df) -> dict[str, pd.DataFrame]:
    return {"curves": curves(ACTS + ["tanh"], points=41),
            "chain": chain_product([0.25, 1 / 3, 0.25]),
            "layers": layers_df, "history": history_df, "summary": summary_df,
            "hist": hist_df, "grid": grid_df, "points": points_df,
            "softmax": softmax_df, "lvp": lvp_df, "units": units_df, "edges": edges_df,
            "inits": pd.concat([layers_df.assign(init="He / Kaiming"),
                                layers_df.assign(init="N(0, 1)",
                                                 bias_grad_norm=layers_df["bias_grad_norm"] * 9)],
                               ignore_index=True)}


# Each builder: (frame names it takes, call).
BUILDERS: dict[str, tuple[tuple[str, ...], Callable[..., alt.TopLevelMixin]]] = {
    "activation_chart": (("curves",), charts.activation_chart),
    "chain_rule_chart": (("chain",), charts.chain_rule_chart),
    "grad_norm_bars": (("layers",), charts.grad_norm_bars),
    "grad_norm_lines": (("layers",), charts.grad_norm_lines),
    "grad_heatmap": (("layers",), charts.grad_heatmap),
    "init_comparison_chart": (("inits",), charts.init_comparison_chart),
    "saturation_chart": (("layers",), charts.saturation_chart),
    "histogram_chart": (("hist",), lambda df: charts.histogram_chart(df, epoch=1)),
    "loss_chart": (("history", "summary"),
                   lambda h, s: charts.loss_chart(h, summary_df=s)),
    "accuracy_chart": (("history",), lambda h: charts.loss_chart(h, "accuracy")),
    "overfitting_chart": (("history",), charts.overfitting_chart),
    "zoomed_test_loss_chart": (("history",), charts.zoomed_test_loss_chart),
    "softmax_chart": (("softmax",), charts.softmax_chart),
    "loss_vs_prob_chart": (("lvp",), charts.loss_vs_prob_chart),
    "decision_boundary_chart": (("grid", "points"), charts.decision_boundary_chart),
    "overlay_chart": (("history",), charts.overlay_chart),
    "network_chart": (("units",), lambda u: charts.network_chart(u, input_size=64)),
    "network_chart_edges": (("units", "edges"),
                            lambda u, e: charts.network_chart(u, e, input_size=64)),
    "network_chart_grads": (("units", "edges"), lambda u, e: charts.network_chart(
        u, e, edge_by="weight_grad", input_size=64, epoch=1, slider=False)),
}
# One column each builder cannot do without (in its first frame).
REQUIRED_COLUMN = {
    "activation_chart": "saturated", "chain_rule_chart": "product",
    "grad_norm_bars": "bias_grad_norm", "grad_norm_lines": "layer_name",
    "grad_heatmap": "layer", "init_comparison_chart": "init",
    "saturation_chart": "saturation",
    "histogram_chart": "fraction", "loss_chart": "split", "accuracy_chart": "accuracy",
    "overfitting_chart": "loss", "zoomed_test_loss_chart": "loss", "softmax_chart": "logit", "loss_vs_prob_chart": "head",
    "decision_boundary_chart": "prob", "overlay_chart": "run", "network_chart": "bias_grad",
    "network_chart_edges": "bias_grad", "network_chart_grads": "bias_grad",
}
# Charts whose only legends are continuous (nothing to click) or that have no legend.
NO_SERIES_LEGEND = {"softmax_chart", "zoomed_test_loss_chart", "grad_heatmap", "chain_rule_chart", "network_chart",
                    "network_chart_edges", "network_chart_grads"}


def build(name: str, frames: dict[str, pd.DataFrame]) -> alt.TopLevelMixin:
    needs, fn = BUILDERS[name]
    return fn(*(frames[n] for n in needs))


# -- spec helpers ----------------------------------------------------------------------
def datasets(spec: dict) -> list[list[dict]]:
    """Every embedded data set (Altair moves inline values to top-level `datasets`)."""
    found = list(spec.get("datasets", {}).values())

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            values = node.get("values")
            # inline data are lists of records; axis tick `values` are lists of numbers
            if isinstance(values, list) and all(isinstance(v, dict) for v in values):
                found.append(values)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk({k: v for k, v in spec.items() if k != "datasets"})
    return found


def main_rows(chart: alt.TopLevelMixin) -> pd.DataFrame:
    """The largest embedded data set: the one the chart is about."""
    return pd.DataFrame(max(datasets(chart.to_dict()), key=len))


def units(node: Any, inherited: dict | None = None) -> Iterator[dict]:
    """Every unit spec (a dict with a mark) in a (layered/faceted/concatenated) spec, with
    the encodings it inherits from the layers around it (as Vega-Lite draws it)."""
    if isinstance(node, dict):
        encoding = {**(inherited or {}), **node.get("encoding", {})}
        if "mark" in node:
            yield {**node, "encoding": encoding}
        for key, value in node.items():
            if key not in ("datasets", "data", "encoding"):
                yield from units(value, encoding)
    elif isinstance(node, list):
        for value in node:
            yield from units(value, inherited)


def title_of(spec: dict, part: str = "text") -> str:
    """A chart's title (or subtitle) as one string: long ones are broken into lines."""
    value = spec["title"][part]
    return " ".join(value) if isinstance(value, list) else value


def color_scales(spec: dict) -> list[dict]:
    return [u["encoding"]["color"]["scale"] for u in units(spec)
            if u.get("encoding", {}).get("color", {}).get("field") == "activation"]


# -- every builder ---------------------------------------------------------------------
@pytest.mark.parametrize("name", list(BUILDERS))
def test_spec_is_valid_and_saves(name, frames, tmp_path):
    chart = build(name, frames)
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    assert spec["title"]["text"], "every chart has a title"
    chart.save(tmp_path / f"{name}.html")
    assert (tmp_path / f"{name}.html").stat().st_size > 1000


@pytest.mark.parametrize("name", list(BUILDERS))
def test_titles_fit_a_phone(name, frames):
    """Every title and subtitle line fits a phone's ~360 px column (Vega would cut a
    longer line with "…"): long ones are broken into lines."""
    from vgcore.charts._common import SUBTITLE_CHARS, TITLE_CHARS
    title = build(name, frames).to_dict()["title"]
    for part, limit in (("text", TITLE_CHARS), ("subtitle", SUBTITLE_CHARS)):
        lines = title.get(part, [])
        for line in [lines] if isinstance(lines, str) else lines:
            assert len(line) <= limit, f"{name}: {part} line of {len(line)} characters " \
                                       f"(> {limit}): {line!r}"


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_mark_has_a_tooltip(name, frames):
    marks = list(units(build(name, frames).to_dict()))
    assert marks
    for unit in marks:
        assert "tooltip" in unit.get("encoding", {}), unit["mark"]


@pytest.mark.parametrize("name", sorted(set(BUILDERS) - NO_SERIES_LEGEND))
def test_legend_selects_a_series(name, frames):
    spec = build(name, frames).to_dict()
    params = [p for p in _all_params(spec) if p.get("bind") == "legend"]
    assert len(params) == 1
    names = {p["name"] for p in params}
    conditioned = [u for u in units(spec)
                   if any(c.get("param") in names for c in _conditions(u))]
    assert conditioned, "the selection must change something (opacity)"


def _all_params(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        for p in node.get("params", []):
            yield p
        for key, value in node.items():
            if key != "params":
                yield from _all_params(value)
    elif isinstance(node, list):
        for value in node:
            yield from _all_params(value)


def _conditions(unit: dict) -> list[dict]:
    out = []
    for enc in unit.get("encoding", {}).values():
        cond = enc.get("condition") if isinstance(enc, dict) else None
        out += cond if isinstance(cond, list) else [cond] if cond else []
    return out


@pytest.mark.parametrize("name", list(BUILDERS))
def test_input_frames_are_not_mutated(name, frames):
    before = {k: v.copy(deep=True) for k, v in frames.items()}
    build(name, frames)
    for key, frame in frames.items():
        pd.testing.assert_frame_equal(frame, before[key])


@pytest.mark.parametrize("name", list(BUILDERS))
def test_missing_column_is_named(name, frames):
    needs, fn = BUILDERS[name]
    column = REQUIRED_COLUMN[name]
    broken = {**frames, needs[0]: frames[needs[0]].drop(columns=[column])}
    with pytest.raises(ValueError, match=f"missing column.*{column}"):
        fn(*(broken[n] for n in needs))


@pytest.mark.parametrize("name", list(BUILDERS))
def test_empty_frame_is_an_error(name, frames):
    needs, fn = BUILDERS[name]
    empty = {**frames, needs[0]: frames[needs[0]].iloc[0:0]}
    with pytest.raises(ValueError, match="empty"):
        fn(*(empty[n] for n in needs))


def test_not_a_frame_is_an_error():
    with pytest.raises(ValueError, match="DataFrame"):
        charts.loss_chart(None)  # type: ignore[arg-type]


def test_require_names_every_missing_column():
    with pytest.raises(ValueError, match="loss, accuracy"):
        charts._require(pd.DataFrame({"epoch": [0]}), ["epoch", "loss", "accuracy"])


def test_large_frames_are_not_refused(layers_df):
    """Altair's default 5,000-row cap must not break a 20-layer, 200-epoch run."""
    big = pd.concat([layers_df.assign(epoch=layers_df["epoch"] + 3 * k) for k in range(150)],
                    ignore_index=True)
    assert len(big) > 5000
    assert len(main_rows(charts.grad_norm_lines(big))) > 5000


# -- colours ---------------------------------------------------------------------------
def test_palette_covers_the_registry():
    from vgcore.activations import ACTIVATIONS
    assert set(charts.ACTIVATION_COLORS) == set(ACTIVATIONS)
    assert len(set(charts.ACTIVATION_COLORS.values())) == len(ACTIVATIONS)
    assert "#F0E442" not in charts.ACTIVATION_COLORS.values()  # pure yellow: unreadable


def test_colour_is_stable_for_any_subset():
    def mapping(names):
        scale = charts.activation_color(names).to_dict()
        return dict(zip(scale["domain"], scale["range"]))

    alone = mapping(["sigmoid"])
    together = mapping(["relu", "sigmoid"])
    everything = mapping(list(charts.ACTIVATION_COLORS))
    assert alone["sigmoid"] == together["sigmoid"] == everything["sigmoid"] \
        == charts.ACTIVATION_COLORS["sigmoid"]
    assert together["relu"] == charts.ACTIVATION_COLORS["relu"]
    assert list(mapping(["relu", "sigmoid"])) == ["sigmoid", "relu"]  # registry order
    assert set(mapping(["sigmoid", "mystery"])) == {"sigmoid", "mystery"}


def test_colour_is_stable_across_charts(history_df):
    only_sigmoid = history_df[history_df["activation"] == "sigmoid"]
    for df in (only_sigmoid, history_df):
        for scale in color_scales(charts.loss_chart(df).to_dict()):
            colour = dict(zip(scale["domain"], scale["range"]))
            assert colour["sigmoid"] == charts.ACTIVATION_COLORS["sigmoid"]
            assert set(scale["domain"]) == set(df["activation"])  # no absent names


# -- log axes and non-finite values ----------------------------------------------------
def test_log_charts_drop_non_positive_and_non_finite(layers_df):
    bad = layers_df.copy()
    hidden = bad["layer_name"] != "output"
    idx = bad[hidden].index[:3]
    bad.loc[idx, "bias_grad_norm"] = [0.0, np.nan, np.inf]
    rows = main_rows(charts.grad_norm_lines(bad))
    rows = rows[rows["curve"] == "seed"]            # each seed's own rows, beside the median
    assert len(rows) == hidden.sum() - 3
    assert (rows["bias_grad_norm"] > 0).all() and np.isfinite(rows["bias_grad_norm"]).all()
    heat = main_rows(charts.grad_heatmap(bad))
    assert (heat["bias_grad_norm"] > 0).all()


def test_loss_chart_drops_diverged_values_but_keeps_the_run(history_df):
    diverged = history_df.copy()
    diverged.loc[diverged.index[-4:], "loss"] = [np.nan, np.inf, 0.0, -1.0]
    rows = main_rows(charts.loss_chart(diverged))
    assert len(rows) == len(history_df) - 4
    linear = main_rows(charts.loss_chart(diverged, log_y=False))
    assert len(linear) == len(history_df) - 2  # 0 and -1 are fine on a linear axis


def test_accuracy_is_a_percentage_axis(history_df):
    spec = charts.loss_chart(history_df, "accuracy").to_dict()
    y = next(units(spec))["encoding"]["y"]
    assert y["scale"]["domain"] == [0, 1] and y["axis"]["format"] == "%"


def test_loss_chart_rejects_unknown_metric(history_df):
    with pytest.raises(ValueError, match="metric"):
        charts.loss_chart(history_df, "f1")


def test_divergence_is_marked(history_df, summary_df):
    spec = charts.loss_chart(history_df, summary_df=summary_df).to_dict()
    notes = [r for d in datasets(spec) for r in d if "note" in r]
    assert [r["note"] for r in notes] == ["diverged at epoch 3"]
    assert notes[0]["activation"] == "relu"


def test_chain_rule_labels_and_log_axis():
    chart = charts.chain_rule_chart(chain_product([0.25, 1 / 3, 0.25, 0.0]))
    rows = main_rows(chart)
    assert len(rows) == 3  # the product 0 cannot sit on a log axis
    assert rows["product"].iloc[-1] == pytest.approx(1 / 48)
    spec = chart.to_dict()
    texts = [u for u in units(spec) if u["mark"] == "text" or
             (isinstance(u["mark"], dict) and u["mark"].get("type") == "text")]
    assert any(u["encoding"].get("text", {}).get("format") == ".3~g" for u in texts)
    assert any(u["encoding"].get("y", {}).get("scale", {}).get("type") == "log"
               for u in units(spec))


# -- gradient flow ---------------------------------------------------------------------
def test_grad_norm_bars_one_epoch_hidden_layers_mean_over_seeds(layers_df):
    chart = charts.grad_norm_bars(layers_df, epoch=1)
    rows = main_rows(chart)
    assert len(rows) == 2 * 3  # activations × hidden layers, seeds averaged
    assert set(rows["n_seeds"]) == {2}
    assert "epoch 1" in title_of(chart.to_dict())
    assert "untrained" in title_of(charts.grad_norm_bars(layers_df).to_dict())
    with pytest.raises(ValueError, match="epoch"):
        charts.grad_norm_bars(layers_df, epoch=99)


def test_grad_lines_colour_by_layer_facet_by_activation(layers_df):
    spec = charts.grad_norm_lines(layers_df).to_dict()
    assert spec["facet"]["field"] == "activation"
    assert spec["spec"]["encoding"]["color"]["field"] == "layer"
    assert "output" not in set(main_rows(charts.grad_norm_lines(layers_df))["layer_name"])
    with_output = main_rows(charts.grad_norm_lines(layers_df, include_output=True))
    assert "output" in set(with_output["layer_name"])


def test_init_comparison_one_line_per_scheme(frames):
    chart = charts.init_comparison_chart(frames["inits"])
    rows = main_rows(chart)
    rows = rows[rows["curve"] == "median"]
    assert set(rows["init"]) == {"He / Kaiming", "N(0, 1)"}
    assert len(rows) == 2 * 2 * 3  # schemes × activations × hidden layers at epoch 0
    spec = chart.to_dict()
    assert spec["facet"]["field"] == "activation"
    assert spec["spec"]["encoding"]["color"]["field"] == "init"


def test_saturation_drops_output_rows(layers_df):
    rows = main_rows(charts.saturation_chart(layers_df))
    assert "output" not in set(rows["layer_name"])
    assert rows["saturation"].between(0, 1).all()


def test_histogram_one_epoch_one_quantity_one_seed(hist_df):
    rows = main_rows(charts.histogram_chart(hist_df, epoch=1, quantity="gradient"))
    assert set(rows["epoch"]) == {1} and set(rows["quantity"]) == {"gradient"}
    assert set(rows["seed"]) == {0}
    assert len(rows) == 2 * 3 * 5  # activations × layers × bins
    with pytest.raises(ValueError, match="quantity"):
        charts.histogram_chart(hist_df, epoch=1, quantity="weights")


def test_histogram_subtitle_describes_its_quantity(hist_df):
    """The gradient histograms' subtitle describes gradients, not activations."""
    sub = lambda q: title_of(charts.histogram_chart(hist_df, 1, q).to_dict(), "subtitle")  # noqa: E731
    assert "gradient" in sub("gradient") and "saturat" not in sub("gradient")
    assert "saturat" in sub("activation")


def test_activation_means_get_their_own_y_scale_per_panel(layers_df):
    """A diverging net's mean of ~300 must not flatten a sigmoid panel that lives in
    [0, 1]."""
    exploded = layers_df.copy()
    exploded.loc[exploded["activation"] == "relu", "act_mean"] *= 300
    spec = charts.activation_mean_chart(exploded).to_dict()
    assert spec["resolve"]["scale"]["y"] == "independent"
    assert "own y scale" in title_of(spec, "subtitle")


# -- overfitting, softmax, heads, boundary, overlay ------------------------------------
def test_overfitting_marks_best_test_epoch(history_df):
    spec = charts.overfitting_chart(history_df, "relu").to_dict()
    notes = [r["note"] for d in datasets(spec) for r in d if "note" in r]
    # test loss 1/(e+1) + 0.05 e is smallest at e = 3
    assert notes == ["best test epoch 3"]
    gap = next(d for d in datasets(spec) if d and "gap" in d[0])
    assert len(gap) == 6 and all(r["gap"] >= 0 for r in gap)
    assert title_of(spec, "subtitle").startswith("ReLU, seed")
    with pytest.raises(ValueError, match="activation"):
        charts.overfitting_chart(history_df, "gelu")


def test_softmax_chart_domain_and_tooltip(softmax_df):
    spec = charts.softmax_chart(softmax_df).to_dict()
    bar = next(u for u in units(spec) if u["mark"] in ("bar", {"type": "bar"})
               or (isinstance(u["mark"], dict) and u["mark"].get("type") == "bar"))
    assert bar["encoding"]["y"]["scale"]["domain"] == [0, 1]
    assert "logit" in {t["field"] for t in bar["encoding"]["tooltip"]}


def test_softmax_chart_accepts_integer_classes(softmax_df):
    rows = main_rows(charts.softmax_chart(softmax_df.assign(**{"class": [0, 1, 2]})))
    assert rows["class"].tolist() == ["0", "1", "2"]


def test_loss_vs_prob_gradient_magnitude_on_log_axis(lvp_df):
    chart = charts.loss_vs_prob_chart(lvp_df)
    rows = main_rows(chart)
    grads = rows[rows["quantity"] == "gradient"]
    assert (grads["value"] > 0).all()  # |p − 1| ≥ 0 kept as magnitude, zeros dropped
    assert np.isfinite(rows["value"]).all()  # −log 0 = inf dropped
    scale = next(s for s in (u["encoding"].get("color", {}).get("scale") for u in
                             units(chart.to_dict())) if s)
    colours = dict(zip(scale["domain"], scale["range"]))
    assert colours["softmax + cross-entropy"] != colours["sigmoid + MSE"]


def test_decision_boundary_repeats_points_per_activation(grid_df, points_df):
    rows = main_rows(charts.decision_boundary_chart(grid_df, points_df))
    grid, points = rows[rows["kind"] == "grid"], rows[rows["kind"] == "point"]
    assert len(grid) == 2 * 16  # one seed (the smallest) per activation
    assert len(points) == 2 * len(points_df)
    assert set(points["activation"]) == set(ACTS)
    spec = charts.decision_boundary_chart(grid_df, points_df).to_dict()
    heat = next(u for u in units(spec) if u["encoding"].get("color", {}).get("field") == "prob")
    assert heat["encoding"]["color"]["scale"]["domain"] == [0, 1]


def test_overlay_colours_runs(history_df):
    rows = main_rows(charts.overlay_chart(history_df))
    assert set(rows["split"]) == {"test"}
    spec = charts.overlay_chart(history_df, split=None).to_dict()
    unit = next(units(spec))
    assert unit["encoding"]["color"]["field"] == "run"
    assert "strokeDash" in unit["encoding"]


def _runs(n: int, acts: list[str] = ["relu"]) -> pd.DataFrame:
    """n uploaded runs (labels as long as a room's short names), each with `acts`."""
    rows = [{"run": f"weight-decay0.0{k}_dropout0.2_seed{k}", "activation": act, "seed": k,
             "epoch": epoch, "split": split, "loss": 1 / (epoch + 1 + k), "accuracy": 0.5}
            for k in range(n) for act in acts for epoch in range(3)
            for split in ("train", "test")]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("acts", [["relu"], ["sigmoid", "relu"]])
def test_thirty_runs_get_thirty_distinct_looks_in_one_legend_that_highlights(acts):
    from vgcore.workshop.uploads import MAX_FILES
    df = _runs(MAX_FILES, acts)
    spec = charts.overlay_chart(df, "loss", "test").to_dict()
    unit = next(units(spec))
    color, dash = unit["encoding"]["color"], unit["encoding"]["strokeDash"]
    names = df["run"].unique().tolist()
    assert color["field"] == dash["field"] == "run"
    assert color["scale"]["domain"] == dash["scale"]["domain"] == names
    looks = list(zip(color["scale"]["range"], map(tuple, dash["scale"]["range"])))
    assert len(set(looks)) == MAX_FILES
    assert len(set(color["scale"]["range"])) == len(charts.CATEGORY_COLORS)  # no grey pile
    # one legend (colour and dash alike), below the plot, no wider than the plot
    assert color["legend"] == dash["legend"] and color["legend"]["orient"] == "bottom"
    assert color["legend"]["symbolType"] == "stroke"
    longest = max(map(len, names))
    room = charts.FACET_WIDTH * (charts.FACET_COLUMNS if len(acts) > 1 else 2)
    assert color["legend"]["columns"] * (7 * longest + 40) <= room
    # a click on a legend entry highlights that run, as on the other charts
    params = spec.get("params", []) + unit.get("params", [])
    select = next(p for p in params if p.get("bind") == "legend")
    assert select["select"]["fields"] == ["run"]
    assert unit["encoding"]["opacity"]["condition"][0]["param"] == select["name"]


def test_a_few_runs_stay_solid_and_both_splits_are_dashed_for_test():
    spec = charts.overlay_chart(_runs(3), "loss", None).to_dict()
    enc = spec["encoding"]
    assert enc["strokeDash"]["field"] == "split"
    assert len(set(enc["color"]["scale"]["range"])) == 3


def test_many_runs_on_both_splits_get_a_panel_per_split_and_activation():
    spec = charts.overlay_chart(_runs(12, ["sigmoid", "relu"]), "accuracy", None,
                                log_y=False).to_dict()
    assert spec["facet"]["field"] == "panel" and spec["columns"] == 2
    assert spec["facet"]["sort"] == ["sigmoid · training set", "sigmoid · test set",
                                     "ReLU · training set", "ReLU · test set"]
    assert set(main_rows(charts.overlay_chart(_runs(12, ["sigmoid", "relu"]), "accuracy",
                                              None))["panel"]) == set(spec["facet"]["sort"])
    assert next(units(spec))["encoding"]["strokeDash"]["field"] == "run"


@pytest.mark.parametrize("metric", ["loss", "accuracy"])
def test_panel_rows_have_y_titles_shorter_than_a_panel(metric):
    """Two rows of panels: a y title longer than the panel runs into the next row's."""
    spec = charts.overlay_chart(_runs(2, ["sigmoid", "relu", "tanh"]), metric).to_dict()
    title = next(units(spec))["encoding"]["y"]["title"]
    assert 7 * len(title) <= charts.FACET_HEIGHT, title


def test_activation_chart_saturated_band_and_quarter_rule():
    spec = charts.activation_chart(curves(["sigmoid"], points=41)).to_dict()
    assert any("max σ' = 1/4" == r.get("note") for d in datasets(spec) for r in d)
    filters = [t.get("filter") for u in units(spec) for t in u.get("transform", [])]
    assert "datum.saturated" in filters


# -- hygiene ---------------------------------------------------------------------------
def test_charts_module_does_not_import_streamlit():
    code = "import sys, vgcore.charts; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(__import__("pathlib").Path(__file__).parents[1]))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_charts_are_small_modules_of_small_functions():
    """One module per subject, each under ~600 lines, no function over ~80: the network
    picture was one 190-line function."""
    import ast
    from pathlib import Path
    folder = Path(charts.__file__).parent
    for path in folder.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 600, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                assert length <= 80, f"{path.name}: {node.name} has {length} lines"


def test_charts_only_draw():
    """A sentence about a result is written where results are analysed
    (`vgcore.results.speed_sentences`), never by a chart builder: translating the words
    must not touch chart code."""
    assert not hasattr(charts, "speed_ratio_text")
    public = [n for n in dir(charts) if callable(getattr(charts, n)) and not n.startswith("_")]
    assert all(n.endswith(("_chart", "_bars", "_lines", "_heatmap", "_color")) or
               n == "activation_label" for n in public), public


def test_png_render_when_vl_convert_is_installed(frames, tmp_path):
    pytest.importorskip("vl_convert")
    for name in BUILDERS:
        path = tmp_path / f"{name}.png"
        build(name, frames).save(path)
        assert path.stat().st_size > 0


def test_png_render_in_chinese_has_every_glyph(frames, tmp_path):
    """Every chart in Chinese renders to PNG, and the font has the glyphs: text a font
    lacks is drawn as the same empty boxes whatever it says, so two Chinese titles that
    differ must give two different images (two strings of unassigned code points, the
    control, give one)."""
    vlc = pytest.importorskip("vl_convert")
    from vgcore.i18n import speaking
    with speaking("zh"):
        for name in BUILDERS:
            path = tmp_path / f"{name}.png"
            build(name, frames).save(path)
            assert path.stat().st_size > 0
    df = pd.DataFrame({"x": [1, 2], "y": [1, 2]})

    def png(title: str) -> bytes:
        chart = alt.Chart(df, title=title).mark_line().encode(x=alt.X("x", title=title), y="y")
        return vlc.vegalite_to_png(chart.to_dict(), scale=1)
    assert png("\U000F0000\U000F0001") == png("\U000F0010\U000F0011"), "the control"
    assert png("梯度消失") != png("梯度爆炸"), "no CJK font (Debian: fonts-noto-cjk)"


def test_log_axes_tick_on_decades():
    layers = pd.DataFrame({"activation": "sigmoid", "seed": 0, "epoch": 0,
                           "layer": [1, 2, 3, 4], "layer_name": ["hidden 1", "hidden 2",
                                                               "hidden 3", "output"],
                           "bias_grad_norm": [0.0004, 0.003, 0.09, 1.0]})
    spec = charts.grad_norm_bars(layers).to_dict()
    ticks = spec["encoding"]["y"]["axis"]["values"]
    assert ticks == [1e-4, 1e-3, 1e-2, 1e-1]
    assert charts._log_ticks(pd.Series([0.3, 0.9])) == [0.1, 0.2, 0.5, 1.0, 2.0, 5.0]



def test_legends_and_facet_headers_show_display_names(layers_df):
    """Widgets say ReLU / leaky ReLU; legends and facet headers must say the same, while
    the data (tooltips, CSV) keeps the registry keys."""
    expr = charts._activation_label_expr()
    assert '"leaky_relu" ? "leaky ReLU"' in expr and '"relu" ? "ReLU"' in expr
    # Vega-Lite pastes an expression for each datum.label in headers: keep it bracketed
    assert "datum.label" not in expr.replace("(datum.label)", "")
    bars = charts.grad_norm_bars(layers_df).to_dict()
    assert next(units(bars))["encoding"]["color"]["legend"]["labelExpr"] == expr
    lines = charts.grad_norm_lines(layers_df).to_dict()
    assert lines["facet"]["header"]["labelExpr"] == expr
    assert charts.activation_label("leaky_relu") == "leaky ReLU"
    assert charts.activation_label("not_registered") == "not_registered"


def test_diverged_seeds_share_one_label_and_labels_do_not_overprint(history_df, summary_df):
    """Three seeds diverging at one epoch print one label, not three on one spot."""
    summary = pd.concat([summary_df.assign(seed=s) for s in (0, 1, 2)], ignore_index=True)
    history = pd.concat([history_df.assign(seed=s) for s in (0, 1, 2)], ignore_index=True)
    summary.loc[summary["activation"] == "relu", "diverged_at"] = 1.0
    summary.loc[summary["activation"] == "sigmoid", "diverged_at"] = 1.0
    spec = charts.loss_chart(history, summary_df=summary).to_dict()
    notes = [r for d in datasets(spec) for r in d if "note" in r]
    assert sorted(r["note"] for r in notes) == [
        "ReLU diverged at epoch 1 (3 seeds)", "sigmoid diverged at epoch 1 (3 seeds)"]
    offsets = {u["mark"].get("dy") for u in units(spec) if isinstance(u.get("mark"), dict)
               and u["mark"].get("type") == "text"}
    assert len(offsets) == 2                       # same epoch: stacked, not overprinted


def test_a_diverged_net_keeps_its_boundary_panel_with_a_note(grid_df, points_df):
    summary = pd.DataFrame({"activation": ["sigmoid", "relu"], "seed": [0, 0],
                            "diverged_at": [float("nan"), 2.0]})
    grid = grid_df[grid_df["activation"] != "relu"]
    rows = main_rows(charts.decision_boundary_chart(grid, points_df, summary_df=summary))
    assert set(rows["activation"]) == {"sigmoid", "relu"}
    relu = rows[rows["activation"] == "relu"]
    assert relu["note"].dropna().tolist() == ["diverged at epoch 2: no boundary"]


def test_chain_rule_chart_reads_at_factor_one_and_at_thirty_layers():
    """Factor 1: a flat line mid-axis between whole decades (the degenerate domain put
    tick labels on top of each other); 30 layers: at most CHAIN_LABELS value labels."""
    flat = charts.chain_rule_chart(chain_product([1.0] * 8)).to_dict()
    y = flat["layer"][0]["encoding"]["y"]
    assert y["scale"]["domain"] == [0.1, 10.0] and y["axis"]["values"][0] == 0.1
    deep = chain_product([0.25] * 30)
    rows = main_rows(charts.chain_rule_chart(deep))
    assert rows["labelled"].sum() <= charts.CHAIN_LABELS and rows["labelled"].iloc[-1]


def picture_rows(chart: alt.TopLevelMixin) -> pd.DataFrame:
    """The network picture's marks as rows, as Vega draws them (tests/picture.py)."""
    return read_picture(chart.to_dict())


def test_network_picture_draws_every_unit_of_narrow_layers_and_a_sample_of_wide_ones(
        units_df):
    """The net as columns of units: one shared log colour scale for every panel, an epoch
    slider, wide layers sampled (and said so), dead units drawn apart."""
    spec = charts.network_chart(units_df, input_size=64).to_dict()
    rows = picture_rows(charts.network_chart(units_df, input_size=64))
    units = rows[rows["kind"] == "unit"]
    drawn = units[(units["activation"] == "sigmoid") & (units["epoch"] == 0)]
    assert drawn.groupby("layer")["unit"].nunique().to_dict() == \
        {1: charts.NET_UNITS_DRAWN, 2: 5, 3: 2}
    # one net per panel: the lowest seed's (seed 1's numbers here differ, 7×)
    other = units_df.assign(bias_grad=units_df["bias_grad"].where(
        units_df["seed"] == 0, units_df["bias_grad"] * 7))
    shown = picture_rows(charts.network_chart(other, input_size=64))
    shown = shown[shown["kind"] == "unit"]
    assert not shown.duplicated(["activation", "epoch", "layer", "unit"]).any()
    seed0 = other[other["seed"] == 0].merge(shown, on=["activation", "epoch", "layer", "unit"])
    assert len(seed0) == len(shown)
    assert np.allclose(seed0["bias_grad_x"], seed0["bias_grad_y"], rtol=5e-3)
    subtitle = " ".join(spec["title"]["subtitle"])
    assert "16 evenly spaced units" in subtitle and "stand for the 64 inputs" in subtitle
    params = [p for p in _all_params(spec) if p.get("name") == "net_epoch"]
    assert params and params[0]["bind"]["input"] == "range"
    with pytest.raises(ValueError, match="epoch"):
        charts.network_chart(units_df, epoch=7)


def test_network_picture_draws_the_units_the_engine_recorded_edges_for(units_df):
    """One home for which units and inputs the picture draws: vgcore.probes (res.edges is
    recorded for exactly those); the chart has no sampling of its own."""
    from vgcore import probes
    assert charts.NET_UNITS_DRAWN is probes.NET_UNITS_DRAWN
    assert charts.NET_INPUTS_DRAWN is probes.NET_INPUTS_DRAWN
    assert not hasattr(charts, "_drawn_units")
    rows = picture_rows(charts.network_chart(units_df, input_size=64))
    hidden1 = rows[(rows["kind"] == "unit") & (rows["layer"] == 1)]
    assert set(hidden1["unit"]) == set(probes.drawn_units(40))
    inputs = rows[(rows["kind"] == "input") & (rows["activation"] == "sigmoid")]
    assert len(inputs) == len(probes.input_groups(64)) == 8
    assert inputs["what"].iloc[0] == "inputs 1–8: data, no gradient"


@pytest.mark.parametrize("edge_by", ["weight", "weight_grad", None])
@pytest.mark.parametrize("slider", [True, False])
def test_network_picture_edges_follow_w_or_its_gradient(units_df, edges_df, edge_by,
                                                        slider):
    """Edges by |w| or |∂C/∂w|: opacity and width from one log scale for every panel and
    epoch, tooltips with the signed numbers; None: faint structure, as without edges."""
    chart = charts.network_chart(units_df, edges_df, edge_by=edge_by, input_size=64,
                                 epoch=1, slider=slider)
    spec = chart.to_dict()
    rows = picture_rows(chart)
    lines = rows[rows["kind"] == "weighted"]
    marks = list(units(spec))
    # the marks whose width follows a value (a dead unit's ring is a fixed width)
    weighted = [u for u in marks if u.get("encoding", {}).get("strokeWidth", {}).get("field")]
    if edge_by is None:
        assert lines.empty and not weighted
        assert (rows["kind"] == "edge").any()
        return
    # lowest seed only; with slider=False only the epoch shown
    assert set(lines["epoch"]) == ({0, 1} if slider else {1})
    per_epoch = 8 * 16 + 16 * 5 + 5 * 2
    assert len(lines) == per_epoch * 2 * (2 if slider else 1)
    edge = weighted[0]["encoding"]
    assert edge["opacity"]["scale"]["domain"] == [0, 1]        # t on the shared log scale
    calc = next(t["calculate"] for u in weighted for t in u.get("transform", [])
                if t.get("as") == "edge_t")
    assert f"datum.{edge_by}" in calc and "log(" in calc
    assert {t["field"] for t in edge["tooltip"]} >= {"from", "to", "weight", "weight_grad"}
    assert "edges by" in " ".join(spec["title"]["subtitle"])
    names = next(t["calculate"] for u in weighted for t in u["transform"]
                 if t.get("as") == "from")                  # made in Vega, from the layout
    assert "inputs 1–8 (mean |·| of the group)" in names    # input groups say so
    params = [p["name"] for p in _all_params(spec)]
    assert ("net_epoch" in params) == slider


def test_network_picture_keeps_a_diverged_nets_panel_with_a_note(units_df, edges_df):
    """ReLU's numbers stop after epoch 0 (it diverged): at epoch 1 its panel keeps the
    structure and says so; sigmoid's edges are drawn."""
    gone = lambda df: df[(df["activation"] == "sigmoid") | (df["epoch"] == 0)]  # noqa: E731
    for slider in (True, False):
        chart = charts.network_chart(gone(units_df), gone(edges_df), edge_by="weight_grad",
                                     input_size=64, epoch=1, slider=slider)
        chart.to_dict()
        rows = picture_rows(chart)
        relu = rows[rows["activation"] == "relu"]
        assert relu.loc[relu["kind"] == "note", "note"].tolist() == \
            ["no numbers after epoch 0: it diverged"]
        if not slider:
            assert (relu["kind"] == "edge").any() and not (relu["kind"] == "unit").any()
            sigmoid = rows[rows["activation"] == "sigmoid"]
            assert (sigmoid["kind"] == "weighted").any()


def test_network_picture_rejects_an_unknown_edge_mode(units_df, edges_df):
    with pytest.raises(ValueError, match="edge_by"):
        charts.network_chart(units_df, edges_df, edge_by="bias")
    with pytest.raises(ValueError, match="edges_df.*missing column.*weight_grad"):
        charts.network_chart(units_df, edges_df.drop(columns="weight_grad"),
                             edge_by="weight_grad")


def test_edge_legend_ticks_are_readable():
    assert charts._log_legend_ticks(-5, -1) == [1e-5, 1e-4, 1e-3, 1e-2, 1e-1]
    assert charts._log_legend_ticks(-1.7, -0.3) == [0.02, 0.05, 0.1, 0.2, 0.5]


# -- epoch axes end where the data do ---------------------------------------------------
@pytest.mark.parametrize("build_chart", [
    lambda h: charts.overlay_chart(h, "accuracy", "test", series="run"),
    lambda h: charts.loss_chart(h), charts.overfitting_chart,
    charts.zoomed_test_loss_chart])
def test_epoch_axes_end_at_the_last_epoch_trained(build_chart):
    """The softmax page's accuracy axis ran on to epoch 16 for a 15-epoch run: Vega's
    'nice' domain rounded it up."""
    rows = [{"activation": "sigmoid", "seed": 0, "epoch": e, "split": split,
             "loss": 1 / (e + 1) + (0.02 * e if split == "test" else 0), "accuracy": 0.5,
             "run": "softmax + cross-entropy"}
            for e in range(16) for split in ("train", "test")]
    spec = build_chart(pd.DataFrame(rows)).to_dict()
    xs = [u["encoding"]["x"] for u in units(spec)
          if u.get("encoding", {}).get("x", {}).get("field") == "epoch"
          and "scale" in u["encoding"]["x"]]
    assert xs and all(x["scale"] == {"domain": [0.0, 15.0], "nice": False} for x in xs)


def test_loss_chart_axis_reaches_a_divergence_past_the_last_finite_epoch(history_df):
    """A net diverging at epoch 6 when every finite value ends at 5: its cross stays on
    the chart."""
    summary = pd.DataFrame({"activation": ACTS, "seed": [0, 0], "diverged_at": [np.nan, 6.0]})
    spec = charts.loss_chart(history_df, summary_df=summary).to_dict()
    x = next(u["encoding"]["x"] for u in units(spec) if "scale" in u["encoding"].get("x", {}))
    assert x["scale"]["domain"] == [0.0, 6.0]


def _unit_colour(spec: dict) -> dict:
    """The colour encoding of the network picture's units."""
    return next(u["encoding"]["color"] for u in units(spec)
                if "color" in u.get("encoding", {})
                and u["encoding"]["color"].get("field") in ("grad_size", "grad_rel"))


def test_network_picture_colours_each_net_on_its_own_log_scale_over_its_decades(units_df):
    """one colour scale for every net spent the colours on the gap between nets
    and sigmoid's hidden 1 and 4 (100× apart) looked alike. Each unit is coloured by
    |∂C/∂b| ÷ the largest in its net, on a log scale from whole decades below the
    smallest present up to 1, with one legend for all panels, and the subtitle says so."""
    from vgcore.charts.network import NET_UNIT_LOW, unit_colour_domain
    chart = charts.network_chart(units_df, input_size=64)
    spec = chart.to_dict()
    colour = _unit_colour(spec)
    assert colour["field"] == "grad_rel"
    assert colour["scale"]["type"] == "log"
    lo, hi = colour["scale"]["domain"]
    rows = picture_rows(chart)
    rel = rows.loc[rows["kind"] == "unit", "grad_rel"]
    assert hi == 1.0
    # the decades present: the domain reaches below the NET_UNIT_LOW quantile, by less
    # than a decade
    low = rel[rel > 0].quantile(NET_UNIT_LOW)
    assert lo <= low < lo * 10
    assert math.log10(lo) == round(math.log10(lo))            # whole decades
    # per net: each net's largest unit is the top of the scale, and the fade spans it
    for _, own in rows[rows["kind"] == "unit"].groupby("activation"):
        assert own["grad_rel"].max() == pytest.approx(1.0)
        by_layer = own.groupby("layer")["grad_rel"].median()
        assert by_layer[1] / by_layer.max() < 0.05            # 100× apart in the fixture
    assert "its own log colour scale" in " ".join(spec["title"]["subtitle"])
    assert unit_colour_domain(pd.Series([0.5, 1.0])) == [0.1, 1.0]      # at least a decade
    assert unit_colour_domain(pd.Series([1e-12, 1.0] * 100))[0] == 1e-6  # at most six


def test_activation_chart_calls_the_input_z_everywhere():
    """the axes said z while tooltips and quantities said x."""
    from vgcore.activations import curves
    chart = charts.activation_chart(curves(["sigmoid"], points=11))
    spec = chart.to_dict()
    fields = {t["field"] for u in units(spec) for t in u["encoding"].get("tooltip", [])
              if isinstance(t, dict)}
    assert "z" in fields and "x" not in fields
    rows = main_rows(chart)
    assert set(rows["quantity"]) == {"f(z)", "f'(z)"}


# -- every curve over seeds: the median as the line, the min–max range as its band -----
FACTORS = (0.5, 1.0, 1.2)     # seed k's values = seed 0's × FACTORS[k]


def three_seeds(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    """Seed 0's rows of `frame` repeated as seeds 0, 1, 2, `value` scaled per seed."""
    one = frame[frame["seed"] == frame["seed"].min()]
    return pd.concat([one.assign(seed=k, **{value: one[value] * f})
                      for k, f in enumerate(FACTORS)], ignore_index=True)


def subtitle_of(spec: dict) -> str:
    sub = spec["title"].get("subtitle", "")
    return " ".join(sub) if isinstance(sub, list) else sub


def mark_type(unit: dict) -> str:
    return unit["mark"]["type"] if isinstance(unit["mark"], dict) else unit["mark"]


def assert_band_over_three_seeds(chart: alt.TopLevelMixin, frame: pd.DataFrame,
                                 keys: list[str], value: str, *, each: bool = True) -> None:
    """The drawn median rows hold, per key, the median of the three seeds' values and
    their min and max; the band (an area, or a bar's whisker) spans _lo to _hi, a line
    (or bar) draws the median, each seed its own thin line, and the subtitle says so."""
    spec = chart.to_dict()
    rows = pd.DataFrame(max(datasets(spec), key=len))
    grouped = frame.groupby(keys)[value]
    expected = pd.DataFrame({"mid": grouped.median(), "lo": grouped.min(),
                             "hi": grouped.max()}).reset_index()
    drawn = expected.merge(rows[rows["curve"] == "median"], on=keys, how="outer")
    assert len(drawn) == len(expected)
    np.testing.assert_allclose(drawn[value], drawn["mid"], rtol=1e-9)
    np.testing.assert_allclose(drawn[f"{value}_lo"], drawn["lo"], rtol=1e-9)
    np.testing.assert_allclose(drawn[f"{value}_hi"], drawn["hi"], rtol=1e-9)
    assert set(drawn["n_seeds"]) == {3}
    assert (drawn["over_seeds"].str.startswith("median of 3 seeds; range ")).all()
    marks = list(units(spec))
    bands = [u for u in marks if "y2" in u["encoding"]]
    assert bands and all(u["encoding"]["y"]["field"] == f"{value}_lo" and
                         u["encoding"]["y2"]["field"] == f"{value}_hi" and
                         mark_type(u) in ("area", "rule") for u in bands)
    middles = [u for u in marks if "y2" not in u["encoding"]
               and u["encoding"].get("y", {}).get("field") == value
               and mark_type(u) in ("line", "bar")]
    assert middles
    seeds = rows[rows["curve"] == "seed"]
    assert len(seeds) == (len(frame) if each else 0)
    assert "range over 3 seeds" in subtitle_of(spec)


def assert_one_seed_draws_no_band(chart: alt.TopLevelMixin) -> None:
    spec = chart.to_dict()
    assert not [u for u in units(spec) if "y2" in u["encoding"]]
    assert "range over" not in subtitle_of(spec)
    assert set(pd.DataFrame(max(datasets(spec), key=len))["curve"]) == {"median"}


def _hidden_at(frame: pd.DataFrame, epoch: int = 0) -> pd.DataFrame:
    return frame[(frame["layer_name"] != "output") & (frame["epoch"] == epoch)]


BAND_CASES = {
    # name: (frame fixture, value, chart, the rows it draws, keys of one point)
    "loss_chart": ("history", "loss", charts.loss_chart, lambda f: f,
                   ["activation", "split", "epoch"]),
    "accuracy_chart": ("history", "accuracy", lambda f: charts.loss_chart(f, "accuracy"),
                       lambda f: f, ["activation", "split", "epoch"]),
    "grad_norm_lines": ("layers", "bias_grad_norm", charts.grad_norm_lines,
                        lambda f: f[f["layer_name"] != "output"],
                        ["activation", "layer", "epoch"]),
    "init_comparison_chart": ("inits", "bias_grad_norm", charts.init_comparison_chart,
                              _hidden_at, ["activation", "init", "layer"]),
    "cures_chart": ("inits", "bias_grad_norm", lambda f: charts.init_comparison_chart(
        f, facet=False), _hidden_at, ["activation", "init", "layer"]),
    "overlay_chart": ("history", "loss", charts.overlay_chart,
                      lambda f: f[f["split"] == "test"], ["run", "epoch"]),
    "overlay_both_splits": ("history", "accuracy", lambda f: charts.overlay_chart(
        f, "accuracy", None, log_y=False), lambda f: f, ["run", "split", "epoch"]),
}


def assert_band_case(case: tuple, frames: dict[str, pd.DataFrame]) -> None:
    """A BAND_CASES entry: with 3 seeds the median and range over them, 1 seed no band."""
    source, value, build_chart, drawn, keys = case
    frame = three_seeds(frames[source], value)
    assert_band_over_three_seeds(build_chart(frame), drawn(frame), keys, value)
    assert_one_seed_draws_no_band(build_chart(frame[frame["seed"] == 0]))


@pytest.mark.parametrize("name", list(BAND_CASES))
def test_curves_are_the_median_of_the_seeds_with_their_range(name, frames):
    assert_band_case(BAND_CASES[name], frames)


def test_bars_stand_at_the_median_with_a_whisker_over_the_seeds(layers_df):
    frame = three_seeds(layers_df, "bias_grad_norm")
    chart = charts.grad_norm_bars(frame)
    assert_band_over_three_seeds(chart, _hidden_at(frame), ["activation", "layer"],
                                 "bias_grad_norm", each=False)
    spec = chart.to_dict()
    assert "bar: median; whisker: range over 3 seeds" in subtitle_of(spec)
    assert {mark_type(u) for u in units(spec)} == {"bar", "rule"}
    assert_one_seed_draws_no_band(charts.grad_norm_bars(frame[frame["seed"] == 0]))


def test_log_charts_take_the_middle_of_two_seeds_in_log_space(layers_df):
    """Two seeds 100× apart: on a log axis their middle is the geometric mean, 10×."""
    frame = pd.concat([layers_df[layers_df["seed"] == 0].assign(
        seed=k, bias_grad_norm=lambda d, f=f: d["bias_grad_norm"] * f)
        for k, f in enumerate((1.0, 100.0))], ignore_index=True)
    rows = main_rows(charts.grad_norm_lines(frame))
    med = rows[rows["curve"] == "median"]
    np.testing.assert_allclose(med["bias_grad_norm"], med["bias_grad_norm_lo"] * 10)
    assert "range over 2 seeds" in subtitle_of(charts.grad_norm_lines(frame).to_dict())


def test_a_run_file_with_several_seeds_is_drawn_with_its_band():
    """Compare runs: two uploaded runs, one of three seeds, one of a single seed."""
    rows = [{"run": run, "activation": "relu", "seed": s, "epoch": e, "split": "test",
             "loss": (1 + s) / (e + 1), "accuracy": 0.5}
            for run, seeds in (("alice", (0, 1, 2)), ("bob", (0,)))
            for s in seeds for e in range(4)]
    df = pd.DataFrame(rows)
    drawn = main_rows(charts.overlay_chart(df, "loss", "test"))
    alice = drawn[(drawn["run"] == "alice") & (drawn["curve"] == "median")]
    bob = drawn[(drawn["run"] == "bob") & (drawn["curve"] == "median")]
    np.testing.assert_allclose(alice["loss"], 2 / (alice["epoch"] + 1))
    np.testing.assert_allclose(alice["loss_hi"] - alice["loss_lo"], 2 / (alice["epoch"] + 1))
    assert set(bob["n_seeds"]) == {1} and (bob["loss_lo"] == bob["loss_hi"]).all()
    assert len(drawn[(drawn["curve"] == "seed")]) == len(df)   # thin line per seed


def test_a_long_axis_title_comes_in_lines_a_phones_plot_holds():
    """A title wider than a phone's plot would reach past the chart's edge (and Vega's fit
    shrinks the plot to make room): it is broken into lines of at most AXIS_CHARS."""
    from vgcore.charts._common import AXIS_CHARS, _axis_title, _y
    text = "share of step T's gradient reaching step t, ‖∂L/∂h_t‖ ÷ ‖∂L/∂h_T‖"
    lines = _axis_title(text)
    assert isinstance(lines, list) and " ".join(lines) == text
    assert all(len(line) <= AXIS_CHARS for line in lines)
    assert _axis_title("epoch") == "epoch"
    assert " ".join(_y("loss", text, log=True).to_dict()["title"]).endswith("(log scale)")
