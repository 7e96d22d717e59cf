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


def test_an_activation_may_come_back_after_another():
    """Nets of several configs trained together (vgcore.train.run_many) may repeat an
    activation after another one, each with its own init scheme: every member computes
    what it computes alone."""
    members = (Member("sigmoid", 0), Member("relu", 1), Member("sigmoid", 2))
    schemes = ("auto", "auto", "he")
    model = BatchedMLP((5, 6, 3), members, init=schemes)
    x = torch.randn(4, 5, generator=torch.Generator().manual_seed(0))
    together = model(x).logits
    for m, (member, scheme) in enumerate(zip(members, schemes)):
        alone = BatchedMLP((5, 6, 3), (member,), init=scheme)
        assert torch.equal(together[m], alone(x).logits[0])


def test_one_init_scheme_per_member():
    with pytest.raises(ValueError, match="init: one scheme per member"):
        BatchedMLP((2, 3, 2), (Member("relu", 0), Member("tanh", 0)), init=("he",))


# -- BatchedMLP is an ordinary nn.Module --------------------------------------------------

def test_parameters_are_the_weights_then_the_biases():
    """Every weight and bias is a registered parameter that requires grad; parameters()
    yields exactly the weights (layer order) and then the biases, the order optimizers
    and gradient clipping see, with shapes (M, fan_in, fan_out) and (M, 1, fan_out)."""
    sizes = (5, 7, 6, 3)
    model = BatchedMLP(sizes, _members("tanh", "relu"))
    assert isinstance(model, torch.nn.Module)
    params = list(model.parameters())
    expected = [*model.weights, *model.biases]
    assert len(params) == len(expected) == 2 * (len(sizes) - 1)
    assert all(p is q for p, q in zip(params, expected))
    assert all(isinstance(p, torch.nn.Parameter) and p.requires_grad for p in params)
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        assert model.weights[layer].shape == (2, fan_in, fan_out)
        assert model.biases[layer].shape == (2, 1, fan_out)
    names = [name for name, _ in model.named_parameters()]
    assert names == [f"weights.{i}" for i in range(3)] + [f"biases.{i}" for i in range(3)]


def test_every_parameter_gets_a_gradient():
    """A backward pass through the logits reaches every registered parameter."""
    model = BatchedMLP((4, 5, 3), _members("sigmoid", "relu"), bias_init="normal")
    x = torch.randn(6, 4, generator=torch.Generator().manual_seed(0))
    model(x).logits.sum().backward()
    for p in model.parameters():
        assert p.grad is not None and p.grad.shape == p.shape and p.grad.abs().sum() > 0


def test_state_dict_round_trips_into_a_fresh_model():
    """state_dict() of one model loads into a fresh BatchedMLP built with another seed,
    which then computes bit-identical logits."""
    sizes, x = (4, 8, 8, 3), torch.randn(10, 4, generator=torch.Generator().manual_seed(2))
    a = BatchedMLP(sizes, _members("tanh", "relu", seed=0), bias_init="normal")
    b = BatchedMLP(sizes, _members("tanh", "relu", seed=1), bias_init="normal")
    assert not torch.equal(a(x).logits, b(x).logits)
    state = a.state_dict()
    assert list(state) == [f"weights.{i}" for i in range(3)] + [f"biases.{i}" for i in range(3)]
    b.load_state_dict(state)
    assert torch.equal(a(x).logits, b(x).logits)


def test_to_float64_converts_every_parameter():
    """`.to(torch.float64)` converts every parameter, and the model then computes in
    double precision the same function (up to float32 rounding)."""
    model = BatchedMLP((3, 5, 2), _members("tanh", "relu"))
    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    before = model(x).logits
    model.to(torch.float64)
    assert all(p.dtype == torch.float64 for p in model.parameters())
    after = model(x.double()).logits
    assert after.dtype == torch.float64
    torch.testing.assert_close(after.float(), before, rtol=1e-5, atol=1e-6)


def test_forward_returns_logits_and_optionally_every_hidden_layer():
    """forward returns a `Forward(logits, zs, hs)`: logits (M, B, out); with keep=True
    one pre-activation z and one activation h = f(z) per hidden layer, each (M, B, width);
    without keep, none. Calling the module is calling forward."""
    from vgcore.model import Forward
    sizes, B = (4, 6, 5, 7, 3), 9
    names = ("sigmoid", "relu")
    model = BatchedMLP(sizes, _members(*names))
    x = torch.randn(B, 4, generator=torch.Generator().manual_seed(0))
    out = model(x, keep=True)
    assert isinstance(out, Forward)
    assert out.logits.shape == (len(names), B, 3)
    assert len(out.zs) == len(out.hs) == len(sizes) - 2
    for z, h, width in zip(out.zs, out.hs, sizes[1:-1]):
        assert z.shape == h.shape == (len(names), B, width)
        for m, name in enumerate(names):
            torch.testing.assert_close(h[m], acts.get(name).fn(z[m]))
    plain = model.forward(x)
    assert isinstance(plain, Forward) and plain.zs == [] and plain.hs == []
    assert torch.equal(plain.logits, out.logits)


@pytest.mark.parametrize("name", sorted(acts.ACTIVATIONS))
@pytest.mark.parametrize("batch,width", [(7, 13), (10, 30), (32, 8), (3, 5), (1000, 30)])
def test_a_block_of_members_gets_the_bits_each_member_gets_alone(name, batch, width):
    """Several nets sharing an activation are activated in one call per block, yet each
    member's activation, its derivative and saturation, and the gradient flowing back
    through it equal, bit for bit, what the member gets alone: sizes whose element count
    leaves a kernel's scalar tail (7·13, 10·30) and one that does not (32·8)."""
    members = (Member(name, 0), Member(name, 1), Member(name, 2), Member("relu", 0))
    z = torch.randn(len(members), batch, width, generator=torch.Generator().manual_seed(1)) * 3
    grad = torch.randn(z.shape, generator=torch.Generator().manual_seed(2))

    def activated(model, z):
        z = z.clone().requires_grad_()
        h = model.activate(z)
        h.backward(grad)
        return h.detach(), z.grad

    together = BatchedMLP((2, width, 2), members)
    h, g = activated(together, z)
    derivative = together.each_member(lambda n, part: acts.get(n).derivative(part), z)
    saturated = together.each_member(acts.saturated, z)
    for m, member in enumerate(members):
        alone = BatchedMLP((2, width, 2), (member,))
        zm = z[m:m + 1].clone().requires_grad_()
        hm = alone.activate(zm)
        hm.backward(grad[m:m + 1])
        assert torch.equal(h[m:m + 1], hm.detach()), member
        assert torch.equal(g[m:m + 1], zm.grad), member
        assert torch.equal(derivative[m], acts.get(member.activation).derivative(z[m])), member
        assert torch.equal(saturated[m], acts.saturated(member.activation, z[m])), member
