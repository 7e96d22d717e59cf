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
