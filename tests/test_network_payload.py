"""What the Gradient flow page sends: every chart it draws at its default settings fits
in a budget of spec bytes, and the network picture, redrawn at each step of its epoch
slider and of ▶ Play, carries only the epoch and the seed it shows.

Bytes, not speed: the sizes are the spec's JSON (`len(json.dumps(chart.to_dict()))`),
which is also what Streamlit validates and turns into Arrow for the browser. The run is the
page's own default (3 seeds, all its epochs): the lines' size grows with the epochs."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from vgcore import charts, train
from vgcore.config import layer_sizes
from vgcore.probes import drawn_units, input_groups
from vgcore.workshop.experiments import PAGE_EXPERIMENTS

CHART_BUDGET = 300_000     # bytes of spec per chart (issue 24: none over 300 kB)
NETWORK_BUDGET = 150_000   # the picture, resent at every slider or Play step


@pytest.fixture(scope="module")
def result():
    return train.run(PAGE_EXPERIMENTS["gradient_flow"].config)


def spec_bytes(chart) -> int:
    return len(json.dumps(chart.to_dict()))


def network(result, epoch: int, edge_by: str | None = "weight"):
    """The picture as pages/gradient_flow.py draws it: its own slider picks the epoch."""
    return charts.network_chart(result.units, result.edges, edge_by=edge_by,
                                input_size=layer_sizes(result.config)[0], epoch=epoch,
                                slider=False)


def test_every_chart_of_the_gradient_flow_page_fits_its_budget(result):
    epochs = sorted(int(e) for e in pd.unique(result.units["epoch"]))
    page = {"grad_norm_bars": charts.grad_norm_bars(result.layers, epoch=0),
            "grad_norm_lines": charts.grad_norm_lines(result.layers),
            "grad_heatmap": charts.grad_heatmap(result.layers)}
    # every edge mode, at the first and the last epoch kept (the numbers grow longer)
    pictures = {f"network_chart({by}, epoch {e})": network(result, e, by)
                for by in ("weight", "weight_grad", None) for e in (epochs[0], epochs[-1])}
    sizes = {name: spec_bytes(c) for name, c in {**page, **pictures}.items()}
    over = {n: s for n, s in sizes.items() if s > CHART_BUDGET}
    assert not over, f"charts over {CHART_BUDGET} bytes: {over}"
    heavy = {n: s for n, s in sizes.items() if n in pictures and s > NETWORK_BUDGET}
    assert not heavy, f"network pictures over {NETWORK_BUDGET} bytes: {heavy}"


def test_the_picture_carries_the_shown_epoch_and_seed_only(result):
    """One record per drawn unit of each net's lowest seed at the epoch shown, one per
    layer of edges, the input column once for every panel; no column a mark does not
    draw or say."""
    cfg = result.config
    sizes = layer_sizes(cfg)
    epoch = int(result.units["epoch"].max())
    spec = network(result, epoch).to_dict()
    data = spec["datasets"]
    nets = len(cfg.activations)
    units = [r for name, rows in data.items() if name.startswith("net-units-") for r in rows]
    per_net = sum(len(drawn_units(w)) for w in sizes[1:])
    assert len(units) == nets * per_net
    assert set().union(*map(set, units)) == {"layer", "unit", "grad_rel", "bias_grad",
                                             "act_mean"}
    edges = [r for name, rows in data.items() if name.startswith("net-edges-") for r in rows]
    assert len(edges) == nets * (len(sizes) - 1)          # one record per layer of edges
    assert set().union(*map(set, edges)) == {"layer", "weight", "weight_grad"}
    first = next(r for r in edges if r["layer"] == 1)
    assert len(first["weight"].split(" ")) == len(input_groups(sizes[0])) * \
        len(drawn_units(sizes[1]))
    inputs = [rows for name, rows in data.items() if name == "net-inputs"]
    assert len(inputs) == 1 and len(inputs[0]) == len(input_groups(sizes[0]))
