"""The init registry as a specification.

`vgcore.inits.INIT_SCHEMES` is the one home of every fact about a weight initialisation:
its label (what the app shows and a link holds), its formula, the paper it comes from,
its distribution and scale. `draw_weight` draws a standard N(0, 1) or U(-1, 1) matrix and
scales it, so a net's weights are bit-identical to `randn * std` / `(2·rand − 1) · bound`
from the same generator whatever the matrix size (torch's `normal_(w, 0, std)` takes a
double-precision path under 16 elements whose last bit differs).
"""
from __future__ import annotations

import math

import pytest
import torch

from vgcore import activations as acts
from vgcore import inits
from vgcore.config import FIELDS
from vgcore.inits import BIAS_INITS, INIT_SCHEMES

SCHEMES = tuple(k for k in INIT_SCHEMES if k != "auto")
FANS = [(1, 1), (3, 2), (64, 10), (784, 30), (400, 300)]
# The papers' formulas, written out independently of the registry: (distribution, scale).
FORMULAS = {
    "normal": lambda fi, fo, g: ("normal", 1.0),                          # N(0, 1)
    "lecun": lambda fi, fo, g: ("normal", 1 / math.sqrt(fi)),             # N(0, 1/n_in)
    "xavier": lambda fi, fo, g: ("uniform", math.sqrt(6 / (fi + fo))),    # Glorot eq. 16
    "he": lambda fi, fo, g: ("normal", g / math.sqrt(fi)),                # He eq. 10
    "pytorch": lambda fi, fo, g: ("uniform", 1 / math.sqrt(fi)),          # nn.Linear's
}
RELU_FAMILY = ("relu", "leaky_relu", "elu", "gelu", "silu")
GLOROT_FAMILY = ("sigmoid", "tanh", "linear")


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# -- the registry ------------------------------------------------------------------------

def test_every_scheme_is_documented():
    """Every scheme has a label; every scheme but 'auto' also a formula, a paper, a
    distribution (normal: scale is the std; uniform: the bound) and a scale. 'auto' has
    no distribution of its own: it resolves per layer. Labels are distinct (a link holds
    the label)."""
    for name, s in INIT_SCHEMES.items():
        assert s.name == name and s.label.strip(), name
    for name in SCHEMES:
        s = INIT_SCHEMES[name]
        assert s.formula.strip() and s.paper.strip(), name
        assert s.distribution in ("normal", "uniform"), name
        assert callable(s.scale), name
    assert INIT_SCHEMES["auto"].distribution == "" and INIT_SCHEMES["auto"].scale is None
    labels = [s.label for s in INIT_SCHEMES.values()]
    assert len(set(labels)) == len(labels)
    assert set(FORMULAS) == set(SCHEMES), "a scheme without its formula in this test"


def test_config_choices_are_the_registries():
    """The config's `init` and `bias_init` choices are the registries' keys, in order,
    with the registries' labels."""
    assert list(FIELDS["init"].choices) == list(INIT_SCHEMES)
    for key, label in FIELDS["init"].choices.items():
        assert label == INIT_SCHEMES[key].label
    assert dict(FIELDS["bias_init"].choices) == BIAS_INITS
    assert list(FIELDS["bias_init"].choices) == list(BIAS_INITS)


# -- scale: the papers' formulas ----------------------------------------------------------

@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("fan_in,fan_out", FANS)
def test_std_or_bound_is_the_papers_formula(scheme, fan_in, fan_out):
    """weight_std_or_bound gives the formula's distribution and scale: N(0,1) std 1, LeCun
    1/√n_in, Glorot bound √(6/(n_in+n_out)), He gain/√n_in, PyTorch bound 1/√n_in."""
    for gain in (1.0, math.sqrt(2.0)):
        kind, scale = inits.weight_std_or_bound(scheme, fan_in, fan_out, gain)
        want_kind, want_scale = FORMULAS[scheme](fan_in, fan_out, gain)
        assert kind == want_kind
        assert scale == pytest.approx(want_scale, rel=1e-12)


def test_pytorch_scheme_is_nn_linear_default():
    """'pytorch' is nn.Linear's own init: kaiming_uniform(a=√5) has bound 1/√fan_in."""
    _, bound = inits.weight_std_or_bound("pytorch", 50, 20, 1.0)
    gain = torch.nn.init.calculate_gain("leaky_relu", math.sqrt(5))
    assert bound == pytest.approx(gain * math.sqrt(3 / 50))


# -- draws: the stated distribution -------------------------------------------------------

@pytest.mark.parametrize("scheme", SCHEMES)
def test_draw_has_the_stated_distribution(scheme):
    """A large drawn matrix has the scheme's distribution: normal schemes have the stated
    std (within 3%) and mean ~0; uniform ones never exceed the bound, come close to it,
    and have std bound/√3."""
    fan_in, fan_out, gain = 400, 300, math.sqrt(2.0)
    w = inits.draw_weight(scheme, fan_in, fan_out, gain, _gen(1))
    assert w.shape == (fan_in, fan_out) and w.dtype == torch.float32
    kind, scale = FORMULAS[scheme](fan_in, fan_out, gain)
    assert abs(w.mean().item()) < 0.02 * scale
    if kind == "normal":
        assert w.std().item() == pytest.approx(scale, rel=0.03)
    else:
        assert w.abs().max().item() <= scale
        assert w.abs().max().item() > 0.99 * scale
        assert w.std().item() == pytest.approx(scale / math.sqrt(3), rel=0.03)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("fan_in,fan_out", FANS)
def test_draw_is_a_scaled_standard_draw_bit_for_bit(scheme, fan_in, fan_out):
    """draw_weight equals `randn(shape) * std` (normal) or `(rand(shape) * 2 - 1) * bound`
    (uniform) from an identically seeded generator, bit for bit, tiny shapes included,
    and leaves the generator where that reference leaves it (the next layer's draws
    match too)."""
    gain = math.sqrt(2.0)
    kind, scale = inits.weight_std_or_bound(scheme, fan_in, fan_out, gain)
    ours, ref = _gen(7), _gen(7)
    w = inits.draw_weight(scheme, fan_in, fan_out, gain, ours)
    if kind == "normal":
        want = torch.randn((fan_in, fan_out), generator=ref) * scale
    else:
        want = (torch.rand((fan_in, fan_out), generator=ref) * 2 - 1) * scale
    assert torch.equal(w, want)
    assert torch.equal(torch.rand(5, generator=ours), torch.rand(5, generator=ref))


def test_draw_honours_dtype():
    """The dtype argument gives a matrix of that dtype with the same distribution."""
    w = inits.draw_weight("lecun", 200, 100, 1.0, _gen(), dtype=torch.float64)
    assert w.dtype == torch.float64
    assert w.std().item() == pytest.approx(1 / math.sqrt(200), rel=0.03)


# -- auto ---------------------------------------------------------------------------------

@pytest.mark.parametrize("activation", tuple(acts.ACTIVATIONS))
def test_auto_resolves_by_activation_family(activation):
    """'auto' is Glorot (xavier) for sigmoid/tanh/linear and He for the ReLU family; the
    output layer, which feeds softmax/sigmoid rather than the activation, is Glorot. A
    named scheme resolves to itself."""
    want = "xavier" if activation in GLOROT_FAMILY else "he"
    assert activation in GLOROT_FAMILY + RELU_FAMILY, "a new activation: place it here"
    assert inits.resolve("auto", activation, is_output=False) == want
    assert inits.resolve("auto", activation, is_output=True) == "xavier"
    for scheme in SCHEMES:
        assert inits.resolve(scheme, activation, is_output=False) == scheme
        assert inits.resolve(scheme, activation, is_output=True) == scheme


# -- errors -------------------------------------------------------------------------------

def test_unknown_and_unresolved_names_raise_naming_the_field():
    """An unknown scheme raises ValueError naming `init` and the allowed names; 'auto'
    must be resolved before it can be drawn; an unknown bias scheme names `bias_init`."""
    with pytest.raises(ValueError, match=r"^init: .*'orthogonal'.*allowed: auto, normal"):
        inits.weight_std_or_bound("orthogonal", 3, 2, 1.0)
    with pytest.raises(ValueError, match=r"^init: "):
        inits.draw_weight("orthogonal", 3, 2, 1.0, _gen())
    with pytest.raises(ValueError, match=r"^init: .*resolve"):
        inits.draw_weight("auto", 3, 2, 1.0, _gen())
    with pytest.raises(ValueError, match=r"^bias_init: .*'ones'.*allowed: zeros, normal"):
        inits.draw_bias("ones", 3, _gen())


# -- biases -------------------------------------------------------------------------------

def test_bias_schemes():
    """Biases are a (1, fan_out) row: 'zeros' is all zeros; 'normal' is N(0, 1) (Nielsen),
    bit-identical to randn from the same generator."""
    zeros = inits.draw_bias("zeros", 5, _gen())
    assert zeros.shape == (1, 5) and torch.equal(zeros, torch.zeros(1, 5))
    b = inits.draw_bias("normal", 20_000, _gen(3))
    assert b.shape == (1, 20_000)
    assert abs(b.mean().item()) < 0.03 and b.std().item() == pytest.approx(1.0, rel=0.03)
    assert torch.equal(inits.draw_bias("normal", 4, _gen(3)),
                       torch.randn((1, 4), generator=_gen(3)))
