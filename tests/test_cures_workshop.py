"""Lesson 8's curriculum (vgcore.workshop.cures): the cures registry, the runs the page
trains, and its table; the lesson's default experiment; the exercise and the preset."""
from __future__ import annotations

import math

import pandas as pd

import pytest

from vgcore import ExperimentConfig, charts, run
from vgcore.charts.palette import named_colors
from vgcore.workshop.cures import (COMBINED, COMBINED_KEY, CURES, PLAIN, TABLE_COLUMNS,
                                   cure_runs, cure_table, labelled_frames, net_names)
from vgcore.workshop.exercises import EXERCISES, LEARN_ACCURACY, _check_sigmoid_learns
from vgcore.workshop.experiments import HOW_FIXED_CONFIG, PAGE_EXPERIMENTS, PAGE_SEEDS

TINY = ExperimentConfig(dataset="digits", train_size=200, test_size=100,
                        activations=("sigmoid",), hidden=(8, 8, 8), init="lecun", lr=0.1,
                        batch_size=20, epochs=2)


def test_the_lessons_net_is_nielsens_deep_sigmoid_net():
    c = HOW_FIXED_CONFIG
    assert c.activations == ("sigmoid",) and c.hidden == (30,) * 10
    assert (c.dataset, c.init, c.optimizer, c.lr, c.batch_size) == \
        ("mnist", "lecun", "sgd", 0.1, 10)
    assert (c.norm, c.residual, c.pretrain_epochs, c.grad_clip) == ("none", False, 0, 0.0)
    assert PAGE_EXPERIMENTS["how_fixed"].config == c.replace(n_seeds=PAGE_SEEDS)


def test_cures_are_in_historical_order_with_a_paper_and_a_history_line():
    years = [c.year for c in CURES.values()]
    assert years == sorted(years)
    for cure in CURES.values():
        assert cure.paper and cure.history and cure.changes
        # every change names a config field and gives it a valid value
        HOW_FIXED_CONFIG.replace(**cure.changes)


def test_each_cure_run_differs_from_the_plain_net_in_that_cure_alone():
    runs = cure_runs(TINY, tuple(CURES))
    assert list(runs) == [PLAIN, *(c.label for c in CURES.values())]
    assert runs[PLAIN] == TINY
    for cure in CURES.values():
        changed = {k for k, v in runs[cure.label].to_dict().items()
                   if v != TINY.to_dict()[k]}
        assert changed == set(cure.changes), cure.key


def test_the_combined_run_has_every_chosen_cure_and_only_when_asked():
    runs = cure_runs(TINY, ("residual", "batch_norm"), combined=True)
    assert list(runs) == [PLAIN, CURES["batch_norm"].label, CURES["residual"].label,
                          COMBINED]
    assert runs[COMBINED].norm == "batch" and runs[COMBINED].residual
    assert COMBINED not in cure_runs(TINY, ("residual", "batch_norm"))
    assert COMBINED not in cure_runs(TINY, ("residual",), combined=True)   # one cure


def test_an_unknown_cure_is_a_clear_error():
    with pytest.raises(ValueError, match="cures: unknown bogus; allowed: pretraining"):
        cure_runs(TINY, ("bogus",))


def test_the_table_has_a_row_per_run_with_the_lessons_numbers():
    runs = cure_runs(TINY.replace(n_seeds=2), ("batch_norm", "clipping"))
    results = {label: run(c) for label, c in runs.items()}
    table = cure_table(results, target=0.0)
    assert list(table.columns) == TABLE_COLUMNS
    assert list(table["net"]) == list(runs)
    assert math.isnan(table["year"].iloc[0]) and list(table["year"].iloc[1:]) == [2013, 2015]
    for (label, result), row in zip(results.items(), table.itertuples()):
        assert row.speed_ratio == pytest.approx(result.summary["speed_ratio"].mean())
        assert row.final_test_accuracy == pytest.approx(
            result.summary["final_test_accuracy"].mean())
        assert row.reached_at == 0.0            # every net reaches 0% at epoch 0
        assert row.n_seeds == 2
    unreachable = cure_table(results, target=1.01)
    assert unreachable["reached_at"].isna().all()
    frames = labelled_frames(results, "history")
    assert list(frames["net"].unique()) == list(runs)


def test_the_exercise_keeps_the_sigmoid_its_depth_and_its_data():
    ex = EXERCISES["sigmoid-learns"]
    assert ex.start == HOW_FIXED_CONFIG
    assert {"norm", "residual", "pretrain_epochs"} <= set(ex.controls) <= \
        set(ex.may_change) | {"seed"}
    assert not {"activations", "hidden", "dataset", "train_size", "epochs"} & ex.may_change
    verdict = ex.check(run(TINY.replace(activations=("relu",), epochs=0)))
    assert not verdict.passed and "activations back to ('sigmoid',)" in verdict.message


def test_the_exercise_passes_on_accuracy_and_says_the_numbers():
    learns = run(TINY.replace(hidden=(32,), lr=0.5, epochs=5))
    assert learns.summary["final_test_accuracy"].min() >= LEARN_ACCURACY
    verdict = _check_sigmoid_learns(learns)
    assert verdict.passed and verdict.message.startswith("It learns: test accuracy")
    stuck = run(TINY.replace(epochs=0))
    verdict = _check_sigmoid_learns(stuck)
    assert not verdict.passed and f"Aim for {LEARN_ACCURACY:.0%}" in verdict.message


def test_every_net_is_named_for_its_colour():
    """The plain sigmoid net is the sigmoid, a cure is its key (the ReLU cure: 'relu', whose
    colour is ReLU's), the combined net 'combined': the palette colours them by name."""
    runs = cure_runs(TINY, tuple(CURES), combined=True)
    names = net_names(runs)
    assert names == {PLAIN: ("activation", "sigmoid"), COMBINED: ("cure", COMBINED_KEY),
                     **{c.label: ("cure", c.key) for c in CURES.values()}}
    colours = named_colors(names)
    assert len(set(colours.values())) == len(colours)            # no two nets alike
    assert colours[PLAIN] == charts.ACTIVATION_COLORS["sigmoid"]
    assert colours[CURES["relu"].label] == charts.ACTIVATION_COLORS["relu"]
    assert colours[CURES["normalised_init"].label] == charts.INIT_COLORS["xavier"]
    tanh = net_names(cure_runs(TINY.replace(activations=("tanh",)), ()))
    assert tanh == {PLAIN: ("activation", "tanh")}
    assert PLAIN not in net_names(cure_runs(TINY.replace(activations=("tanh", "relu")), ()))


def test_a_net_keeps_its_colour_whichever_nets_are_shown():
    runs = cure_runs(TINY, ("clipping", "residual", "relu"))
    results = {label: run(c.replace(epochs=0)) for label, c in runs.items()}
    layers = labelled_frames(results, "layers")
    history = labelled_frames(results, "history").drop(columns="activation")
    names = net_names(runs)
    for chart in (charts.init_comparison_chart(layers, series="net", facet=False,
                                               names=names),
                  charts.overlay_chart(history, "accuracy", series="net", log_y=False,
                                       names=names)):
        scale = chart.to_dict()["encoding"]["color"]["scale"]
        assert scale["range"] == [charts.name_color(*names[n]) for n in scale["domain"]]
        assert set(scale["domain"]) == set(results)
        colour = dict(zip(scale["domain"], scale["range"]))
        assert colour[CURES["relu"].label] == charts.ACTIVATION_COLORS["relu"]
        assert colour[PLAIN] == charts.ACTIVATION_COLORS["sigmoid"]




def test_no_help_compares_each_cure_with_the_plain_net_seed_by_seed():
    """A cure is 'no help at all' when on a majority of the seeds its accuracy is within
    one point of the plain net's on the same seed; the sentence says on how many."""
    from vgcore.workshop.cures import no_help, no_help_sentence
    acc = {PLAIN: [0.10, 0.11, 0.60], "Gradient clipping": [0.105, 0.11, 0.30],
           "Batch norm": [0.85, 0.88, 0.86], "ReLU": [0.10, 0.50, 0.70]}
    seeds = pd.DataFrame([{"net": net, "seed": s, "final_test_accuracy": a}
                          for net, values in acc.items() for s, a in enumerate(values)])
    assert no_help(seeds) == [("Gradient clipping", 2, 3)]
    assert no_help_sentence(seeds) == (
        "No help at all: Gradient clipping (on 2 of 3 seeds within one point of the plain "
        "net's test accuracy) — its line lies on the plain net's")
    assert no_help_sentence(seeds[seeds["net"] != "Gradient clipping"]) is None


def test_the_table_is_the_median_of_each_nets_seeds():
    from vgcore.workshop.cures import cure_seeds
    runs = cure_runs(TINY.replace(n_seeds=3), ("clipping",))
    results = {label: run(c) for label, c in runs.items()}
    seeds = cure_seeds(results, target=0.0)
    assert list(seeds["seed"]) == [0, 1, 2] * 2
    table = cure_table(results, target=0.0).set_index("net")
    for label, result in results.items():
        assert table.loc[label, "final_test_accuracy"] == pytest.approx(
            result.summary["final_test_accuracy"].median())
        assert table.loc[label, "speed_ratio"] == pytest.approx(
            result.summary["speed_ratio"].median())
