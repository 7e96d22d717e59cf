"""The lab's colours (vgcore.charts.palette): every registry name — activation, init
scheme, cure, recurrent cell, output head — has exactly one colour, no two names of a group
share one, an init or a cure never wears an activation's colour unless the cure *is* that
activation, and every colour reads on white. The charts that show names from two groups
side by side (lessons 4, 7, 8 and the through-time exercise) keep them apart."""
from __future__ import annotations

import pandas as pd
import pytest

from vgcore import charts
from vgcore.charts.palette import named_colors
from vgcore.activations import ACTIVATIONS
from vgcore.heads import HEAD_LABELS
from vgcore.inits import INIT_SCHEMES
from vgcore.recurrent import CELLS
from vgcore.workshop.cures import COMBINED_KEY, CURES

GROUPS = {"activation": set(ACTIVATIONS), "init": set(INIT_SCHEMES),
          "cure": {*CURES, COMBINED_KEY}, "cell": set(CELLS), "head": set(HEAD_LABELS)}


def _relative_luminance(colour: str) -> float:
    def channel(c: int) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(int(colour[i:i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_on_white(colour: str) -> float:
    """WCAG 2 contrast ratio of `colour` against white."""
    return 1.05 / (_relative_luminance(colour) + 0.05)


def _cure_is(cure_key: str) -> tuple[str, str] | None:
    """What a cure is, when it is a registry entry of another group: the ReLU cure is the
    activation 'relu', the normalised-init cure the init scheme 'xavier'."""
    changes = dict(CURES[cure_key].changes) if cure_key in CURES else {}
    if list(changes) == ["activations"] and len(changes["activations"]) == 1:
        return "activation", changes["activations"][0]
    if list(changes) == ["init"]:
        return "init", changes["init"]
    return None


@pytest.mark.parametrize("group", list(GROUPS))
def test_every_registry_name_has_exactly_one_colour(group):
    assert set(charts.PALETTES[group]) == GROUPS[group]
    for name in GROUPS[group]:
        assert charts.name_color(group, name).startswith("#")


@pytest.mark.parametrize("group", list(GROUPS))
def test_no_two_names_of_a_group_share_a_colour(group):
    colours = [c.upper() for c in charts.PALETTES[group].values()]
    assert len(set(colours)) == len(colours), charts.PALETTES[group]


def test_no_init_wears_an_activation_colour():
    activation = {c.upper() for c in charts.ACTIVATION_COLORS.values()}
    assert not activation & {c.upper() for c in charts.INIT_COLORS.values()}


@pytest.mark.parametrize("key", [*CURES, COMBINED_KEY])
def test_a_cure_wears_its_own_colour_unless_it_is_an_activation_or_an_init(key):
    colour = charts.CURE_COLORS[key].upper()
    activation = {c.upper() for c in charts.ACTIVATION_COLORS.values()}
    init = {c.upper() for c in charts.INIT_COLORS.values()}
    what = _cure_is(key)
    if what is None:
        assert colour not in activation | init
    else:
        assert colour == charts.name_color(*what).upper()


def test_the_relu_cure_is_relu_and_the_normalised_init_cure_is_xavier():
    assert charts.CURE_COLORS["relu"] == charts.ACTIVATION_COLORS["relu"]
    assert charts.CURE_COLORS["normalised_init"] == charts.INIT_COLORS["xavier"]


def test_a_head_label_has_its_heads_colour():
    for name, label in HEAD_LABELS.items():
        assert charts.HEAD_COLORS[label] == charts.HEAD_COLORS[name] \
            == charts.name_color("head", name)


def test_every_colour_reads_on_white():
    """At least 2:1 against white (Okabe–Ito's sky blue, the palest kept, is 2.2:1); pure
    yellow (#F0E442, 1.2:1) and Tol's pale tones are out."""
    for group, table in charts.PALETTES.items():
        for name, colour in table.items():
            assert contrast_on_white(colour) >= 2.0, (group, name, colour)


def test_every_activation_has_its_own_point_shape():
    assert set(charts.ACTIVATION_SHAPES) == set(ACTIVATIONS)
    assert len(set(charts.ACTIVATION_SHAPES.values())) == len(ACTIVATIONS)


def test_named_colors_take_each_label_to_its_names_colour():
    named = named_colors({"He / Kaiming": ("init", "he"), "ReLU": ("cure", "relu"),
                                 "mystery": ("init", "nonesuch")})
    assert named == {"He / Kaiming": charts.INIT_COLORS["he"],
                     "ReLU": charts.ACTIVATION_COLORS["relu"]}


# -- the charts that show two groups at once ---------------------------------------------
def _scale(spec: dict, channel: str, field: str) -> dict[str, object]:
    """label -> value of the one `channel` scale on `field` in a (possibly layered) spec."""
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            enc = node.get("encoding", {}).get(channel)
            if isinstance(enc, dict) and enc.get("field") == field and "scale" in enc:
                found.append(dict(zip(enc["scale"]["domain"], enc["scale"]["range"])))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(spec)
    assert found, (channel, field)
    assert all(f == found[0] for f in found)
    return found[0]


def _layers(inits: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"activation": "relu", "seed": 0, "epoch": 0, "layer": layer,
                          "layer_name": f"hidden {layer}", "bias_grad_norm": 1.0 + layer,
                          "init": label} for label in inits for layer in (1, 2)])


def test_lesson_7s_init_lines_wear_the_schemes_colours_not_the_activations():
    inits = {INIT_SCHEMES[s].label: s for s in ("normal", "lecun", "xavier", "he")}
    chart = charts.init_comparison_chart(
        _layers(inits), names={label: ("init", s) for label, s in inits.items()})
    colours = _scale(chart.to_dict(), "color", "init")
    assert colours == {label: charts.INIT_COLORS[s] for label, s in inits.items()}
    assert not set(colours.values()) & set(charts.ACTIVATION_COLORS.values())


def test_lesson_4s_relu_and_leaky_relu_differ_in_shape_as_well_as_colour():
    history = pd.DataFrame([{"activation": a, "seed": 0, "epoch": e, "split": s,
                             "loss": 1.0 / (e + 1), "accuracy": 0.5}
                            for a in ("sigmoid", "tanh", "relu", "leaky_relu")
                            for e in range(3) for s in ("train", "test")])
    spec = charts.loss_chart(history).to_dict()
    shapes = _scale(spec, "shape", "activation")
    colours = _scale(spec, "color", "activation")
    assert shapes["relu"] != shapes["leaky_relu"]
    assert len(set(shapes.values())) == len(shapes) == 4
    assert shapes == {a: charts.ACTIVATION_SHAPES[a] for a in shapes}
    assert colours["relu"] != colours["leaky_relu"]


def test_one_cells_seeds_are_each_a_thin_line_of_the_cells_colour():
    """Issue 23: seeds within one colour are thin lines of that colour (a dash per seed
    read as different series); the median is the line, their range the band."""
    history = pd.DataFrame([{"cell": "lstm", "seed": seed, "epoch": e, "split": "test",
                             "accuracy": 0.5 + 0.1 * seed} for seed in (0, 1, 2)
                            for e in range(3)])
    spec = charts.recurrent_accuracy_chart(history, chance=0.5).to_dict()
    assert _scale(spec, "color", "cell") == {"lstm": charts.CELL_COLORS["lstm"]}
    seeds = [u for u in _units(spec) if "!(datum.curve" in str(u.get("transform"))]
    assert len(seeds) == 1 and seeds[0]["mark"]["strokeWidth"] == 1
    assert {"field": "seed", "type": "nominal"} in seeds[0]["encoding"]["detail"]
    assert all("strokeDash" not in u.get("encoding", {}) for u in _units(spec))
    assert "thin lines: seeds" in " ".join(spec["title"]["subtitle"])


def _units(node: object) -> list[dict]:
    if isinstance(node, dict):
        return ([node] if "mark" in node else []) + [
            u for k, v in node.items() if k not in ("data", "datasets") for u in _units(v)]
    if isinstance(node, list):
        return [u for v in node for u in _units(v)]
    return []