import math

import pytest
import torch

from vgcore import activations as acts
from vgcore.inits import resolve as resolve_init
from vgcore.inits import weight_std_or_bound
from vgcore.model import BatchedMLP, Member

from reference import sequential_of


def _members(*names, seed=0):
    return tuple(Member(n, seed) for n in names)


@pytest.mark.parametrize("scheme,expected_std", [
    ("normal", lambda fi, fo, g: 1.0),
    ("lecun", lambda fi, fo, g: 1 / math.sqrt(fi)),
    ("xavier", lambda fi, fo, g: math.sqrt(2 / (fi + fo))),   # U(±√(6/(fi+fo))) has this std
    ("he", lambda fi, fo, g: g / math.sqrt(fi)),
    ("pytorch", lambda fi, fo, g: 1 / math.sqrt(3 * fi)),
])
def test_init_scheme_std(scheme, expected_std):
    fi, fo = 400, 300
    model = BatchedMLP((fi, fo, 10), _members("relu"), init=scheme)
    w = model.weights[0][0].detach()
    gain = acts.get("relu").he_gain
    assert w.std().item() == pytest.approx(expected_std(fi, fo, gain), rel=0.03)


def test_pytorch_scheme_matches_nn_linear_bound():
    lin = torch.nn.Linear(50, 20)
    kind, bound = weight_std_or_bound("pytorch", 50, 20, 1.0)
    assert kind == "uniform"
    assert lin.weight.abs().max().item() <= bound
    assert lin.weight.abs().max().item() > 0.9 * bound


def test_auto_init_picks_glorot_or_he():
    assert resolve_init("auto", "sigmoid", False) == "xavier"
    assert resolve_init("auto", "tanh", False) == "xavier"
    assert resolve_init("auto", "relu", False) == "he"
    assert resolve_init("auto", "leaky_relu", False) == "he"
    assert resolve_init("auto", "relu", True) == "xavier"
    assert resolve_init("lecun", "relu", False) == "lecun"


def test_bias_init():
    zeros = BatchedMLP((5, 7, 3), _members("tanh"), bias_init="zeros")
    normal = BatchedMLP((5, 7, 3), _members("tanh"), bias_init="normal")
    assert all((b == 0).all() for b in zeros.biases)
    assert all(b.abs().sum() > 0 for b in normal.biases)


def test_same_seed_same_draws_across_activations():
    model = BatchedMLP((8, 6, 3), _members("relu", "leaky_relu"), init="he")
    torch.testing.assert_close(model.weights[0][0], model.weights[0][1] * (
        acts.get("relu").he_gain / acts.get("leaky_relu").he_gain))


def test_batched_forward_equals_nn_sequential_per_member():
    names = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu", "linear")
    model = BatchedMLP((5, 9, 7, 4), _members(*names), init="xavier", bias_init="normal")
    x = torch.randn(11, 5, generator=torch.Generator().manual_seed(1))
    logits, zs, hs = model.forward(x, keep=True)
    assert logits.shape == (len(names), 11, 4)
    assert len(zs) == len(hs) == 2
    for m, name in enumerate(names):
        ref = sequential_of(model, m)[0](x)
        torch.testing.assert_close(logits[m], ref, rtol=1e-5, atol=1e-6)


def test_dropout_only_when_asked_and_seeded():
    model = BatchedMLP((4, 50, 2), _members("relu"))
    x = torch.ones(3, 4)
    a = model.forward(x)[0]
    b = model.forward(x)[0]
    torch.testing.assert_close(a, b)
    d1 = model.forward(x, dropout=0.5, generators=[torch.Generator().manual_seed(0)])[0]
    d2 = model.forward(x, dropout=0.5, generators=[torch.Generator().manual_seed(0)])[0]
    torch.testing.assert_close(d1, d2)
    assert not torch.allclose(a, d1)


def test_members_must_be_contiguous():
    with pytest.raises(ValueError, match="contiguous"):
        BatchedMLP((2, 3, 2), (Member("relu", 0), Member("tanh", 0), Member("relu", 1)))
