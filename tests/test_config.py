import json

import pytest

from vgcore import ExperimentConfig
from vgcore import config as cfgmod


def test_defaults_are_valid_hashable_and_tuples():
    cfg = ExperimentConfig()
    assert isinstance(cfg.activations, tuple) and isinstance(cfg.hidden, tuple)
    assert hash(cfg) == hash(ExperimentConfig())
    with pytest.raises(Exception):
        cfg.lr = 1.0  # frozen


def test_lists_and_comma_strings_become_tuples():
    a = ExperimentConfig(activations=["relu", "tanh"], hidden=[8, 8])
    b = ExperimentConfig(activations="relu,tanh", hidden="8,8")
    assert a == b and a.hidden == (8, 8)


def test_dict_round_trip_through_json():
    cfg = ExperimentConfig(dataset="moons", hidden=(4, 5), activations=("elu",), lr=0.3)
    assert ExperimentConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_from_dict_rejects_unknown_keys():
    with pytest.raises(ValueError, match="unknown config field.*colour"):
        ExperimentConfig.from_dict({"colour": "red"})


BAD = [
    ({"dataset": "imagenet"}, "dataset"),
    ({"activations": ()}, "activations"),
    ({"activations": ("relu", "softplus")}, "activations"),
    ({"activations": ("relu", "relu")}, "activations"),
    ({"hidden": ()}, "hidden"),
    ({"hidden": (30, 0)}, "hidden"),
    ({"hidden": (30, -4)}, "hidden"),
    ({"hidden": "30,abc"}, "hidden"),
    ({"hidden": (30,) * (cfgmod.MAX_DEPTH + 1)}, "hidden"),
    ({"hidden": (cfgmod.MAX_WIDTH + 1,)}, "hidden"),
    ({"hidden": (30.5,)}, "hidden"),
    ({"init": "orthogonal"}, "init"),
    ({"bias_init": "ones"}, "bias_init"),
    ({"head": "hinge"}, "head"),
    ({"optimizer": "lbfgs"}, "optimizer"),
    ({"lr": 0}, "lr"),
    ({"lr": -1.0}, "lr"),
    ({"lr": float("nan")}, "lr"),
    ({"lr": float("inf")}, "lr"),
    ({"lr": "0.1"}, "lr"),
    ({"momentum": 1.0}, "momentum"),
    ({"batch_size": 0}, "batch_size"),
    ({"epochs": -1}, "epochs"),
    ({"epochs": cfgmod.MAX_EPOCHS + 1}, "epochs"),
    ({"epochs": True}, "epochs"),
    ({"weight_decay": -0.1}, "weight_decay"),
    ({"dropout": 0.95}, "dropout"),
    ({"grad_clip": -1.0}, "grad_clip"),
    ({"seed": -1}, "seed"),
    ({"n_seeds": 0}, "n_seeds"),
    ({"train_size": 0}, "train_size"),
    ({"train_size": 1700, "test_size": 200}, "train_size"),      # digits holds 1797
    ({"dataset": "mnist", "train_size": 4900, "test_size": 200}, "train_size"),
    ({"test_size": 10**6}, "test_size"),
    ({"noise": 2.0}, "noise"),
    ({"dataset": "idx"}, "data_dir"),
    ({"hidden": (512,) * 8, "activations": ("relu", "tanh", "sigmoid", "elu")}, "hidden"),
    ({"dataset": "mnist", "train_size": 4000, "hidden": (256, 256), "epochs": 200,
      "activations": ("relu", "tanh", "sigmoid", "elu")}, "epochs"),
    # a link's run of 480,000 steps of batch 1, beyond MAX_STEPS
    ({"dataset": "circle", "hidden": (150,) * 20, "batch_size": 1, "train_size": 60000,
      "epochs": 2}, "epochs"),
    ({"dataset": "circle", "train_size": 10000, "hidden": (30,) * 10, "n_seeds": 2,
      "pretrain_epochs": 20}, "pretrain_epochs"),
    ({"dataset": "mnist", "train_size": 4000, "hidden": (256, 256), "batch_size": 4000,
      "epochs": 1}, "batch_size"),
]


@pytest.mark.parametrize("changes,field", BAD, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD)])
def test_bad_values_name_the_field_and_range(changes, field):
    with pytest.raises(ValueError) as err:
        ExperimentConfig(**changes)
    message = str(err.value)
    assert message.startswith(field + ":"), message
    assert "allowed" in message or "expected" in message or "not an integer" in message \
        or "needs" in message, message


def test_layer_sizes_and_parameter_count():
    cfg = ExperimentConfig(dataset="mnist", hidden=(30, 30), train_size=1000)
    assert cfgmod.layer_sizes(cfg) == (784, 30, 30, 10)
    assert cfgmod.count_parameters(cfg) == 784 * 30 + 30 + 30 * 30 + 30 + 30 * 10 + 10


def test_steps_are_capped_and_the_message_gives_the_largest_allowed():
    """⌈train_size / batch_size⌉ × epochs × nets ≤ MAX_STEPS, pretraining's steps too;
    the number the message allows is itself allowed, one more is not."""
    link = dict(dataset="circle", hidden=(150,) * 20, batch_size=1, train_size=20000,
                activations=("sigmoid", "tanh", "relu", "leaky_relu"))
    with pytest.raises(ValueError) as err:
        ExperimentConfig(**link, epochs=3)
    message = str(err.value)
    assert message.startswith("epochs: steps = ⌈train_size / batch_size⌉ × epochs × nets "
                              "= 240,000 exceeds the cap 200,000; allowed at most 2 epochs")
    assert "batch_size" in message
    ExperimentConfig(**link, epochs=2)
    assert cfgmod.training_steps(20000, 1, 2, 4) == 160_000 <= cfgmod.MAX_STEPS
    assert cfgmod.training_steps(1000, 32, 1, 1) == 32      # a short last batch is a step

    deep = dict(dataset="circle", train_size=10000, hidden=(30,) * 10, n_seeds=2)
    with pytest.raises(ValueError, match=r"allowed at most (\d+) pretraining") as err:
        ExperimentConfig(**deep, pretrain_epochs=20)
    allowed = int(err.value.args[0].split("allowed at most ")[1].split()[0])
    ExperimentConfig(**deep, pretrain_epochs=allowed)
    with pytest.raises(ValueError, match="^pretrain_epochs: steps"):
        ExperimentConfig(**deep, pretrain_epochs=allowed + 1)


def test_one_steps_work_is_capped():
    """parameters × samples of one step ≤ MAX_STEP_WORK and unit values × samples ≤
    MAX_STEP_VALUES (a batch never holds more than the training set); the message's
    largest batch_size is allowed."""
    net = dict(dataset="mnist", train_size=4000, hidden=(256, 256), epochs=1)
    with pytest.raises(ValueError) as err:
        ExperimentConfig(**net, batch_size=4000)
    message = str(err.value)
    assert message.startswith("batch_size: parameters × samples of one step = ")
    allowed = int(message.split("batch_size at most ")[1].split()[0].replace(",", ""))
    ExperimentConfig(**net, batch_size=allowed)
    with pytest.raises(ValueError, match="^batch_size:"):
        ExperimentConfig(**net, batch_size=allowed + 1)
    # a batch_size above the training set is one batch of the whole set
    ExperimentConfig(**dict(net, train_size=500), batch_size=10000)
    # few parameters (2-D inputs) but many units: 8 nets × 512 took 1.2 s a step at 10,000
    wide = dict(dataset="circle", train_size=10000, hidden=(512,), epochs=1,
                activations=("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu",
                             "silu", "linear"))
    with pytest.raises(ValueError, match=r"^batch_size: unit values × samples of one step "
                                         r"= 4,112 × 10,000 = .*at most 972 "):
        ExperimentConfig(**wide, batch_size=10000)
    ExperimentConfig(**wide, batch_size=972)


def test_every_default_experiment_is_within_the_new_caps_with_room():
    """The lesson pages', presets' and exercises' configs: well inside the step caps. A
    lesson page trains PAGE_SEEDS seeds by default; one seed of it has 10× room, so its
    Repeats goes up to the maximum (10 seeds) within the caps."""
    from vgcore.workshop.experiments import PAGE_EXPERIMENTS, PAGE_SEEDS
    from vgcore.workshop.warmup import default_configs
    assert cfgmod.MAX_SEEDS == 10
    pages = {c for page in PAGE_EXPERIMENTS.values() for c in page.configs()}
    for cfg in default_configs():
        if isinstance(cfg, ExperimentConfig):
            seeds = cfg.n_seeds // PAGE_SEEDS if cfg in pages else cfg.n_seeds
            nets = len(cfg.activations) * seeds
            steps = cfgmod.training_steps(cfg.train_size, cfg.batch_size, cfg.epochs, nets)
            batch = min(cfg.batch_size, cfg.train_size)
            work = nets * cfgmod.count_parameters(cfg) * batch
            values = nets * (sum(cfg.hidden) + cfgmod.layer_sizes(cfg)[-1]) * batch
            assert steps * 10 <= cfgmod.MAX_STEPS and work * 10 <= cfgmod.MAX_STEP_WORK \
                and values * 10 <= cfgmod.MAX_STEP_VALUES, cfg


def test_step_caps_are_the_documented_ones():
    assert cfgmod.MAX_STEPS == 200_000 and cfgmod.MAX_STEP_WORK == 1e9 \
        and cfgmod.MAX_STEP_VALUES == 4e6
