"""Presets reproduce the published figures: every number within the band the preset
states, against the published value (the oracle is the paper, not our last run)."""
from __future__ import annotations

import math

import pytest

from vgcore import run
from vgcore.runs import run_config
from vgcore.workshop.presets import COMPARE_COLUMNS, PRESETS, Band, factor_band


@pytest.fixture(scope="module")
def results():
    """label -> Result per preset, each run once for the whole module."""
    cache: dict[str, dict] = {}

    def get(key: str) -> dict:
        if key not in cache:
            cache[key] = PRESETS[key].run_all(run_config)
        return cache[key]
    return get


@pytest.mark.parametrize("key", list(PRESETS))
def test_preset_reproduces_the_published_numbers_within_its_band(key, results):
    preset = PRESETS[key]
    table = preset.compare(results(key))
    assert list(table.columns) == COMPARE_COLUMNS
    assert list(table["quantity"]) == [b.quantity for b in preset.bands]
    for row in table.itertuples():
        published = preset.published[row.quantity]
        assert (math.isnan(row.published) and math.isnan(published)) \
            or row.published == published
        assert math.isfinite(row.ours), row.quantity
    outside = table[~table["within_band"]]
    assert outside.empty, outside.to_string()
    assert preset.chart(results(key)).to_dict()       # the page's chart builds


def test_nielsen_ch5_numbers_are_the_books_and_ratios_grow_with_depth(results):
    preset = PRESETS["nielsen-ch5"]
    assert preset.published["4 layers: hidden 1 bias-gradient norm"] == 0.003
    assert preset.published["2 layers: hidden 2 bias-gradient norm"] == 0.31
    ours = preset.ours(results("nielsen-ch5"))
    ratios = [ours[f"{d} layers: last ÷ first"] for d in (2, 3, 4)]
    assert ratios == sorted(ratios) and ratios[-1] > 30      # "roughly 100 times slower"
    assert all(cfg.n_seeds == 5 and cfg.epochs == 0 for _, cfg in preset.configs)


def test_glorot_normalised_init_is_level_and_standard_is_not(results):
    ours = PRESETS["glorot-init"].ours(results("glorot-init"))
    assert ours["tanh, normalised init: last ÷ first"] < 1.5
    assert ours["tanh, standard init: last ÷ first"] > 2 * ours[
        "tanh, normalised init: last ÷ first"]


def test_compare_marks_numbers_outside_the_band():
    band = factor_band("x", 1.0)
    assert band.holds(0.5) and band.holds(3.0) and not band.holds(3.1)
    assert not band.holds(math.nan) and not Band("y", 0, 1, "").holds(float("nan"))
    # a deep ReLU net that stayed level under every init would reproduce He, not the rest
    he = PRESETS["he-init"]
    assert [b.holds(1.0) for b in he.bands] == [True, False, False]
    with pytest.raises(ValueError, match="no result for"):
        he.compare({})


def test_multi_config_preset_refuses_a_single_result(tiny_config):
    with pytest.raises(ValueError, match="needs the results of 2 configs"):
        PRESETS["glorot-init"].compare(run(tiny_config))


def test_every_preset_is_described_and_cites_its_source():
    for preset in PRESETS.values():
        assert preset.title and preset.source and preset.shows and preset.note
        assert preset.published.keys() == {b.quantity for b in preset.bands}
        assert all(b.tolerance for b in preset.bands)


def test_the_headline_rows_come_first_and_ours_shares_nielsens_colours(results):
    """A projector shows ~10 rows: the '~100× slower' ratios lead the table; in the
    chart each depth has one colour, ours solid and Nielsen's dashed."""
    preset = PRESETS["nielsen-ch5"]
    assert [q.label for q in preset.quantities[:3]] == [
        f"{d} layers: last ÷ first" for d in (2, 3, 4)]
    spec = preset.chart(results("nielsen-ch5")).to_dict()
    encoding = spec["spec"]["encoding"]
    assert encoding["color"]["field"] == "net" and encoding["strokeDash"]["field"] == "source"
    nets = {v for d in spec["datasets"].values() for v in (r.get("net") for r in d) if v}
    assert nets == {"2 hidden layers", "3 hidden layers", "4 hidden layers"}


def _small_runs(preset_key: str) -> dict:
    """The preset's configs shrunk to an untrained 2-layer net on 2-D data: what its chart
    draws, at a test's cost (its colours do not depend on the numbers)."""
    return {label: run(cfg.replace(dataset="xor", train_size=64, test_size=32,
                                   hidden=(6, 6), n_seeds=1, epochs=0,
                                   pretrain_epochs=min(cfg.pretrain_epochs, 1)))
            for label, cfg in PRESETS[preset_key].configs}


@pytest.mark.parametrize("key", ["glorot-init", "he-init", "cures"])
def test_a_presets_lines_wear_their_schemes_and_cures_colours(key):
    """Whatever a preset calls a scheme or a net, its line has that scheme's or cure's
    colour from the palette, the one it has on the lesson pages."""
    from vgcore import charts
    from vgcore.workshop.cures import net_names
    results = _small_runs(key)
    spec = PRESETS[key].chart(results).to_dict()
    color = (spec.get("spec") or spec)["encoding"]["color"]
    colours = dict(zip(color["scale"]["domain"], color["scale"]["range"]))
    if key == "cures":
        names = net_names({label: r.config for label, r in results.items()})
        assert names[PRESETS[key].configs[0][0]] == ("activation", "sigmoid")
    else:
        names = {label: ("init", r.config.init) for label, r in results.items()}
    assert colours == {label: charts.name_color(*names[label]) for label in results}
    assert len(set(colours.values())) == len(colours)


def test_a_preset_judges_the_median_of_its_seeds_and_keeps_each_seeds_number(tiny_config):
    """Each quantity is measured on each seed alone; ours is their median and the band
    judges it (a mean would let one odd seed move the verdict)."""
    from vgcore import run
    from vgcore.results import median
    from vgcore.workshop.presets import Preset, Quantity, between

    result = run(tiny_config.replace(n_seeds=3, epochs=0, activations=("sigmoid",)))
    ratios = result.summary.set_index("seed")["speed_ratio"]

    def ratio(results):
        return float(next(iter(results.values())).summary["speed_ratio"].mean())
    middle = median(ratios)
    preset = Preset(key="t", title="t", source="s", shows="s",
                    configs=(("net", result.config),),
                    quantities=(Quantity(between("ratio", middle * 0.999, middle * 1.001),
                                         math.nan, ratio),),
                    draw=lambda results: None)
    per_seed = preset.per_seed(result)
    assert per_seed["seed"].tolist() == [0, 1, 2]
    assert per_seed["value"].tolist() == pytest.approx(ratios.loc[[0, 1, 2]].tolist())
    assert preset.ours(result)["ratio"] == pytest.approx(middle)
    assert bool(preset.compare(result)["within_band"].iloc[0])
    if abs(ratios.mean() - middle) > 0.002 * middle:      # the mean is outside this band
        assert not preset.quantities[0].band.holds(float(ratios.mean()))
