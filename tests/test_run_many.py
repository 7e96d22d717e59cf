"""Configs that differ only in what a net carries on its own (its activations, init scheme
and gradient clipping) train as members of one batched model (`vgcore.train.run_many`),
and each config's result is, number for number, its run alone: lesson 8's plain net,
normalised init, ReLU and clipping are one model."""
import dataclasses

import pandas as pd
import pytest

from vgcore import ExperimentConfig, run
from vgcore.config import MAX_PARAMS, count_parameters
from vgcore.train import PER_MEMBER_FIELDS, batch_key, batches, run_many
from vgcore.workshop.cures import CURES, cure_runs
from vgcore.workshop.experiments import HOW_FIXED_CONFIG


def _assert_same_result(together, alone, expected: set[str]) -> None:
    """Every frame equal bit for bit (`expected` ones not empty); the time apart."""
    assert together.config == alone.config
    assert together.stopped_at == alone.stopped_at
    for f in dataclasses.fields(alone):
        frame = getattr(alone, f.name)
        if not isinstance(frame, pd.DataFrame):
            continue
        if f.name in expected:
            assert len(frame) > 0, f.name
        pd.testing.assert_frame_equal(getattr(together, f.name), frame, check_exact=True,
                                      obj=f"{f.name} of {alone.config.activations}, "
                                          f"init {alone.config.init}, clip "
                                          f"{alone.config.grad_clip}")


def _assert_together_is_alone(configs, expected: set[str]) -> None:
    together = run_many(configs)
    assert len(together) == len(configs)
    for config, result in zip(configs, together):
        _assert_same_result(result, run(config), expected)


def test_lesson_8s_cures_of_one_shape_are_their_runs_alone():
    """The lesson's own plain net and the cures that keep its shape (normalised init,
    ReLU, clipping), shrunk: 3 seeds, digits. The cap is small enough that clipping
    really scales the gradients."""
    small = HOW_FIXED_CONFIG.replace(dataset="digits", train_size=100, test_size=50,
                                     hidden=(8,) * 4, epochs=2, n_seeds=3)
    runs = cure_runs(small, ("normalised_init", "relu", "clipping"))
    configs = list(runs.values())
    configs[-1] = configs[-1].replace(grad_clip=0.05)
    assert len({batch_key(c) for c in configs}) == 1
    _assert_together_is_alone(configs, {"history", "layers", "histograms", "units",
                                        "edges", "summary"})


def test_several_activations_in_either_order_with_dropout_on_2d_data():
    """Configs of two activations each, in opposite orders (a net's activation comes
    back after another's), dropout, momentum, a 2-D set (the decision boundary)."""
    base = ExperimentConfig(dataset="moons", train_size=90, test_size=40, hidden=(8, 8),
                            epochs=2, batch_size=16, dropout=0.3, noise=0.3,
                            optimizer="momentum", n_seeds=2)
    configs = [base.replace(activations=("sigmoid", "relu")),
               base.replace(activations=("relu", "sigmoid"), init="xavier"),
               base.replace(activations=("tanh",), grad_clip=0.5)]
    _assert_together_is_alone(configs, {"history", "layers", "boundary", "summary"})


def test_pretrained_nets_with_their_own_inits():
    """Layer-wise pretraining: each member pretrained as alone, Adam and its order."""
    base = ExperimentConfig(dataset="digits", train_size=120, test_size=60, hidden=(8, 8),
                            activations=("relu",), epochs=2, batch_size=20,
                            pretrain_epochs=1)
    configs = [base, base.replace(init="xavier", activations=("tanh", "sigmoid"))]
    _assert_together_is_alone(configs, {"history", "pretrain", "summary"})


def test_a_net_that_diverges_beside_nets_that_do_not():
    """N(0, 1) weights in 6 ReLU layers diverge at η = 1 in the first epoch: that net's
    divergence is its own, and the nets beside it train on as they do alone."""
    base = ExperimentConfig(dataset="digits", train_size=120, test_size=60,
                            hidden=(16,) * 6, activations=("relu",), epochs=3,
                            batch_size=20, lr=1.0)
    configs = [base.replace(init="normal"), base, base.replace(activations=("sigmoid",))]
    results = run_many(configs)
    assert results[0].diverged()["diverged_at"].tolist() == [1]
    assert results[2].diverged().empty
    for config, result in zip(configs, results):
        _assert_same_result(result, run(config), {"history", "summary"})


def test_only_configs_of_one_shape_train_together():
    base = HOW_FIXED_CONFIG
    with pytest.raises(ValueError, match="configs: trained together only when they "
                                         "differ in activations, init, grad_clip alone"):
        run_many([base, base.replace(norm="batch")])
    assert batch_key(base) != batch_key(base.replace(residual=True))
    assert batch_key(base) != batch_key(base.replace(seed=1))
    assert batch_key(base) == batch_key(base.replace(init="xavier", grad_clip=1.0,
                                                     activations=("relu",)))
    # two activations keep their per-unit numbers at other epochs than one
    wide = base.replace(hidden=(256,) * 10, epochs=20)
    assert batch_key(wide) != batch_key(wide.replace(activations=("relu", "tanh")))


def test_batches_group_by_shape_in_order_of_first_appearance():
    base = HOW_FIXED_CONFIG.replace(epochs=2)
    configs = [base, base.replace(norm="batch"), base.replace(init="xavier"),
               base.replace(residual=True), base.replace(activations=("relu",)),
               base.replace(norm="batch", grad_clip=1.0)]
    assert batches(configs) == [[0, 2, 4], [1, 5], [3]]
    assert batches([]) == []


def test_a_batch_stays_within_the_caps_of_one_run():
    """Nets trained together are one run: a batch is cut before its nets' parameters
    together pass MAX_PARAMS, and run_many refuses a group that passes them."""
    wide = ExperimentConfig(dataset="digits", hidden=(512,) * 2, activations=("relu",),
                            n_seeds=2, epochs=1, train_size=100, test_size=50)
    per_config = 2 * count_parameters(wide)
    fit = MAX_PARAMS // per_config
    assert 1 <= fit < 5
    configs = [wide.replace(grad_clip=0.1 * k) for k in range(5)]
    sizes = [len(batch) for batch in batches(configs)]
    assert sizes[0] == fit and sum(sizes) == 5 and max(sizes) == fit
    with pytest.raises(ValueError, match="hidden: the run would have"):
        run_many(configs)


def test_a_batch_stays_within_what_bounds_one_runs_memory():
    """A batch is one run, and a server's memory is small: it is cut before its probe
    (the probe's activations and gradients, a run's largest tensors) passes
    MAX_STEP_VALUES, or the per-edge rows it keeps pass MAX_EDGE_ROWS. Lesson 7's
    untrained nets (6 of 64 × 10 units per scheme) train one scheme at a time; lesson
    8's 4 nets of one shape (3 nets of 784-30×10-10 each, the picture's 2,592 edges at
    6 epochs) two at a time."""
    from vgcore.config import MAX_STEP_VALUES, layer_sizes
    from vgcore.probes import edges_per_net
    from vgcore.train import MAX_EDGE_ROWS, probe_values, unit_epochs
    from vgcore.workshop.experiments import PAGE_EXPERIMENTS, init_probes
    exploding = PAGE_EXPERIMENTS["exploding"].config
    probes = list(init_probes(exploding).values())
    assert len({batch_key(c) for c in probes}) == 1
    assert probe_values(probes[0], 2 * 6) > MAX_STEP_VALUES
    assert batches(probes) == [[i] for i in range(len(probes))]
    how_fixed = PAGE_EXPERIMENTS["how_fixed"].config
    shape = list(cure_runs(how_fixed, ("normalised_init", "relu", "clipping")).values())
    edge_rows = 3 * len(unit_epochs(how_fixed)) * edges_per_net(layer_sizes(how_fixed))
    assert 2 * edge_rows <= MAX_EDGE_ROWS < 3 * edge_rows
    assert batches(shape) == [[0, 1], [2, 3]]


def test_the_cures_that_change_the_shape_are_the_others():
    """Of lesson 8's cures, exactly pretraining, batch norm and residual connections
    change what the members share: they train beside the group, not in it."""
    plain = batch_key(HOW_FIXED_CONFIG)
    apart = {key for key, cure in CURES.items()
             if batch_key(cure.apply(HOW_FIXED_CONFIG)) != plain}
    assert apart == {"pretraining", "batch_norm", "residual"}
    assert set(PER_MEMBER_FIELDS) == {"activations", "init", "grad_clip"}


def test_nothing_to_train():
    assert run_many([]) == []
