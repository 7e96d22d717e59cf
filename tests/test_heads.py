import numpy as np
import pytest
import torch
import torch.nn.functional as F

from vgcore import heads


def test_member_losses_match_torch():
    torch.manual_seed(0)
    logits = torch.randn(3, 5, 4)
    y = torch.tensor([0, 1, 2, 3, 1])
    ce = heads.member_losses(logits, y, "softmax_ce")
    for m in range(3):
        assert ce[m].item() == pytest.approx(F.cross_entropy(logits[m], y).item(), rel=1e-6)
    bce = heads.member_losses(logits, y, "sigmoid_ce")
    for m in range(3):
        expected = F.binary_cross_entropy(torch.sigmoid(logits[m]), F.one_hot(y, 4).float(),
                                          reduction="sum") / 5
        assert bce[m].item() == pytest.approx(expected.item(), rel=1e-5)
    mse = heads.member_losses(logits, y, "sigmoid_mse")
    onehot = F.one_hot(y, 4).float()
    for m in range(3):
        expected = 0.5 * ((torch.sigmoid(logits[m]) - onehot) ** 2).sum(1).mean()
        assert mse[m].item() == pytest.approx(expected.item(), rel=1e-6)


def test_softmax_table_sums_to_one_and_orders():
    df = heads.softmax_table([2.0, 1.0, 0.1])
    assert df.probability.sum() == pytest.approx(1.0)
    assert list(df.probability) == sorted(df.probability, reverse=True)
    hot = heads.softmax_table([2.0, 1.0, 0.1], temperature=0.1)
    assert hot.probability.iloc[0] > 0.99


@pytest.mark.parametrize("logits,t", [([], 1.0), ([1.0, float("inf")], 1.0), ([1.0], 0.0)])
def test_softmax_table_rejects_bad_input(logits, t):
    with pytest.raises(ValueError):
        heads.softmax_table(logits, t)


def test_loss_vs_probability_matches_autograd():
    """|dC/dz| in the table equals autograd's for one output unit with target 1."""
    df = heads.loss_vs_probability(points=11)
    for head, cost in [("sigmoid + MSE", lambda a: 0.5 * (1 - a) ** 2),
                       ("softmax + cross-entropy", lambda a: -torch.log(a))]:
        rows = df[(df["head"] == head) & (df.quantity == "gradient")]
        p = torch.tensor(rows.p.values, dtype=torch.float64)
        z = torch.log(p / (1 - p)).requires_grad_()   # logit, so sigmoid(z) = p
        (g,) = torch.autograd.grad(cost(torch.sigmoid(z)).sum(), z)
        np.testing.assert_allclose(rows.value.values, g.abs().numpy(), rtol=1e-9)


def test_mse_gradient_vanishes_when_confidently_wrong():
    df = heads.loss_vs_probability()
    grad = df[df.quantity == "gradient"]
    at_wrong = grad[grad.p == grad.p.min()]
    mse = at_wrong[at_wrong["head"] == "sigmoid + MSE"].value.item()
    ce = at_wrong[at_wrong["head"] == "softmax + cross-entropy"].value.item()
    assert mse < 0.01 < 0.9 < ce


@pytest.mark.parametrize("head", ["sigmoid_mse", "sigmoid_ce", "softmax_ce"])
@pytest.mark.parametrize("batch,classes", [(10, 10), (32, 10), (3, 5), (1000, 10)])
def test_a_members_loss_outputs_and_gradient_are_its_own_bit_for_bit(head, batch, classes):
    """The nets of a batched model compute their loss, outputs and the gradient of the
    loss together, yet each net's numbers equal, bit for bit, those it gets alone
    (repeat k of seed s is the run with seed s + k alone): batches whose values leave a
    kernel's scalar tail (10 · 10, 1000 · 10), one that does not (32 · 10), a short one."""
    gen = torch.Generator().manual_seed(3)
    logits = torch.randn(4, batch, classes, generator=gen) * 4
    y = torch.randint(classes, (4, batch), generator=gen)

    def computed(z, target):
        z = z.clone().requires_grad_()
        loss = heads.member_losses(z, target, head)
        loss.sum().backward()
        return loss.detach(), heads.outputs(z.detach(), head), z.grad

    together = computed(logits, y)
    for m in range(4):
        alone = computed(logits[m:m + 1], y[m:m + 1])
        for got, expected in zip(together, alone):
            assert torch.equal(got[m:m + 1], expected), (head, m)
