"""Per-layer statistics on the probe batch against autograd on a plain net."""
import pytest
import torch

from vgcore.model import BatchedMLP, Member
from vgcore.probes import STATS, probe


def test_probe_norms_and_activation_stats_match_autograd():
    members = (Member("tanh", 0), Member("relu", 3))
    model = BatchedMLP((5, 7, 6, 3), members, init="lecun", bias_init="normal")
    g = torch.Generator().manual_seed(0)
    x = torch.randn(40, 5, generator=g)
    y = torch.randint(0, 3, (40,), generator=g)
    stats, hist, _ = probe(model, x, y, "softmax_ce", bins=8)
    assert len(stats) == 2 and len(stats[0]) == 3 and len(stats[0][0]) == len(STATS)
    for m in range(2):
        params = [t.detach().clone().requires_grad_() for t in
                  (*[w[m] for w in model.weights], *[b[m, 0] for b in model.biases])]
        ws, bs = params[:3], params[3:]
        h = x
        hidden = []
        for i in range(3):
            z = h @ ws[i] + bs[i]
            if i < 2:
                h = torch.tanh(z) if m == 0 else torch.relu(z)
                hidden.append(h)
            else:
                logits = z
        loss = torch.nn.functional.cross_entropy(logits, y)
        grads = torch.autograd.grad(loss, params)
        for layer in range(3):
            row = dict(zip(STATS, stats[m][layer]))
            assert row["weight_grad_norm"] == pytest.approx(grads[layer].norm().item(), rel=1e-5)
            assert row["bias_grad_norm"] == pytest.approx(grads[3 + layer].norm().item(),
                                                          rel=1e-5)
            if layer < 2:
                assert row["act_mean"] == pytest.approx(hidden[layer].mean().item(), rel=1e-5)
                assert row["act_std"] == pytest.approx(hidden[layer].std().item(), rel=1e-5)
        if m == 1:   # ReLU saturation = fraction of zero outputs
            assert stats[m][0][4] == pytest.approx((hidden[0] == 0).float().mean().item())
    # 2 members x 2 hidden layers x 2 quantities x 8 bins
    assert len(hist) == 2 * 2 * 2 * 8


def test_probe_can_skip_histograms():
    model = BatchedMLP((2, 3, 2), (Member("sigmoid", 0),))
    _, hist, _ = probe(model, torch.zeros(4, 2), torch.zeros(4, dtype=torch.long), "sigmoid_mse",
                    bins=5, with_histograms=False)
    assert hist == []
