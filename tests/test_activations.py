import math

import pytest
import torch

from vgcore import activations as acts


@pytest.mark.parametrize("name", list(acts.ACTIVATIONS))
def test_derivative_matches_autograd(name):
    z = torch.linspace(-8, 8, 2001, dtype=torch.float64, requires_grad=True)
    # avoid the kink of ReLU-like functions at exactly 0, where autograd picks a side
    z_eval = z[(z.detach().abs() > 1e-9)]
    act = acts.get(name)
    (grad,) = torch.autograd.grad(act.fn(z_eval).sum(), z)
    closed = act.derivative(z_eval.detach())
    torch.testing.assert_close(closed, grad[(z.detach().abs() > 1e-9)], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", list(acts.ACTIVATIONS))
def test_max_slope_is_the_maximum_of_the_derivative(name):
    z = torch.linspace(-10, 10, 40001, dtype=torch.float64)
    act = acts.get(name)
    assert act.derivative(z).abs().max().item() == pytest.approx(act.max_slope, rel=1e-3)


def test_sigmoid_derivative_at_most_a_quarter():
    z = torch.linspace(-20, 20, 10001, dtype=torch.float64)
    d = acts.get("sigmoid").derivative(z)
    assert d.max().item() <= 0.25 + 1e-12
    assert d[5000].item() == pytest.approx(0.25)


def test_he_gain_follows_he_et_al():
    assert acts.get("relu").he_gain == pytest.approx(math.sqrt(2))
    assert acts.get("leaky_relu").he_gain == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))


def test_saturation_rule():
    z = torch.tensor([-5.0, 0.0, 5.0])
    assert acts.saturated("sigmoid", z).tolist() == [True, False, True]
    assert acts.saturated("tanh", z).tolist() == [True, False, True]
    assert acts.saturated("relu", torch.tensor([-1.0, 0.0, 1.0])).tolist() == [True, True, False]
    assert not acts.saturated("linear", z).any()


def test_curves_frame():
    df = acts.curves(["sigmoid", "relu"], -3, 3, 61)
    assert set(df.columns) == {"activation", "x", "quantity", "value", "saturated"}
    assert len(df) == 2 * 2 * 61
    sig_d = df[(df.activation == "sigmoid") & (df.quantity == "f'(x)")]
    assert sig_d.value.max() == pytest.approx(0.25)


def test_chain_product_shrinks_like_nielsen():
    df = acts.chain_product([0.25, 1 / 3, 0.25])
    assert df["product"].tolist() == pytest.approx([0.25, 1 / 12, 1 / 48])


@pytest.mark.parametrize("bad", [[], [1.0, float("nan")]])
def test_chain_product_rejects_bad_factors(bad):
    with pytest.raises(ValueError, match="factors"):
        acts.chain_product(bad)


def test_unknown_activation_names_the_field():
    with pytest.raises(ValueError, match="activation.*allowed"):
        acts.get("swishy")
