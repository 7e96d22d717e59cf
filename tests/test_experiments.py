"""Each lesson page's default experiment shows what the page says it shows: the defaults
are chosen for the science, and these tests pin the effect with margins wide enough that
the lesson clearly happens."""
from __future__ import annotations

import pytest

from vgcore import run
from vgcore.results import net_outcome
from vgcore.workshop.experiments import (NIELSEN_CH3_CONFIG, PAGE_EXPERIMENTS, PAGE_SEEDS,
                                         head_runs, init_probes, unregularised)


@pytest.fixture(scope="module")
def overfitting():
    cfg = PAGE_EXPERIMENTS["overfitting"].config
    return (net_outcome(run(cfg).history),
            net_outcome(run(cfg.replace(weight_decay=0.001)).history))


def test_overfitting_defaults_are_nielsens_net_and_data():
    cfg = PAGE_EXPERIMENTS["overfitting"].config
    assert cfg.n_seeds == PAGE_SEEDS
    assert cfg.replace(epochs=NIELSEN_CH3_CONFIG.epochs, n_seeds=1) == NIELSEN_CH3_CONFIG


def test_the_default_net_overfits_unmistakably(overfitting):
    """It memorises the training set while the test loss climbs well above its minimum."""
    plain, _ = overfitting
    assert plain["final_train_accuracy"] == 1.0
    assert plain["final_test_accuracy"] < 0.93
    assert plain["rise"] > 0.1
    assert plain["best_test_epoch"] < plain["last_epoch"] / 3


def test_weight_decay_visibly_cures_it(overfitting):
    """L2 (0.001, about Nielsen's λ = 0.1 × 400 epochs in total shrinkage over 60 epochs):
    the test loss stops climbing, the gap narrows, test accuracy goes up."""
    plain, l2 = overfitting
    assert l2["rise"] < plain["rise"] / 3
    assert l2["gap"] < plain["gap"] - 0.2
    assert l2["final_test_accuracy"] > plain["final_test_accuracy"]


def test_extra_runs_are_derived_from_the_learners_config():
    cfg = PAGE_EXPERIMENTS["overfitting"].config.replace(weight_decay=0.01, dropout=0.2)
    assert unregularised(cfg) == cfg.replace(weight_decay=0.0, dropout=0.0)
    assert set(c.head for c in head_runs(cfg).values()) == {"softmax_ce", "sigmoid_mse"}
    probes = init_probes(cfg, ("he", "lecun"))
    assert list(probes) == ["He / Kaiming", "LeCun N(0, 1/fan_in)"]
    assert all(c.epochs == 0 for c in probes.values())


def test_lesson_two_quotes_the_chain_rule_calculators_default():
    """lesson 2 quoted '¼ · ⅓ · ¼' while the calculator shows ¼ per layer."""
    from vgcore.workshop.experiments import CHAIN_PRESETS, chain_example
    assert next(iter(CHAIN_PRESETS.values())) == 0.25
    assert chain_example() == "¼ · ¼ · ¼"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_inside_layers_default_saturates_the_sigmoids_top_layer_only(seed):
    """Glorot & Bengio fig. 2 at lesson 3's defaults (docs/workshop.md): the
    sigmoid's top hidden layer ends saturated, the layers below never are, and the net
    sits at chance. (The old defaults showed 0% saturated everywhere.)"""
    config = PAGE_EXPERIMENTS["inside_layers"].config
    assert config.init == "pytorch"
    result = run(config.replace(activations=("sigmoid",), seed=seed, n_seeds=1))
    hidden = result.layers[result.layers["layer_name"] != "output"]
    top = hidden["layer"].max()
    last = hidden[hidden["epoch"] == hidden["epoch"].max()].set_index("layer")
    assert last.loc[top, "saturation"] >= 0.9 and last.loc[top, "act_mean"] < 0.05
    assert hidden.loc[hidden["layer"] < top, "saturation"].max() == 0.0
    assert result.summary["final_test_accuracy"].iloc[0] <= 0.15
