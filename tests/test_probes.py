"""Per-layer statistics on the probe batch against autograd on a plain net."""
import math

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
    stats, hist = probe(model, x, y, "softmax_ce", bins=8)[:2]
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
    hist = probe(model, torch.zeros(4, 2), torch.zeros(4, dtype=torch.long), "sigmoid_mse",
                 bins=5, with_histograms=False).histograms
    assert hist == []


def _plain_grads(model, m, x, y, act):
    """Member m as a plain net: its weights (in, out), biases, pre-activations and the
    autograd gradients of the mean cross-entropy with respect to the weights."""
    ws = [w[m].detach().clone().requires_grad_() for w in model.weights]
    bs = [b[m, 0].detach().clone() for b in model.biases]
    h, zs = x, []
    for i, (w, b) in enumerate(zip(ws, bs)):
        z = h @ w + b
        if i < len(ws) - 1:
            zs.append(z)
            h = act(z)
    loss = torch.nn.functional.cross_entropy(z, y)
    return ws, zs, torch.autograd.grad(loss, ws)


def test_edges_are_the_models_weights_and_gradients_for_the_drawn_units():
    """res.edges' source: one row per drawn edge (probes.drawn_units, input_groups), the
    signed w and ∂C/∂w of the model between drawn units, and a group of several inputs
    as its mean |w| and mean |∂C/∂w| (autograd on a plain net as the oracle)."""
    from vgcore.probes import drawn_units, edges_per_net, input_groups
    sizes = (20, 40, 5, 3)                 # 20 inputs: grouped; 40 units: sampled
    members = (Member("tanh", 0), Member("relu", 1))
    model = BatchedMLP(sizes, members, init="lecun", bias_init="normal")
    g = torch.Generator().manual_seed(1)
    x = torch.randn(30, 20, generator=g)
    y = torch.randint(0, 3, (30,), generator=g)
    edges = probe(model, x, y, "softmax_ce", bins=4).edges
    assert len(edges) == len(members) * edges_per_net(sizes) == 2 * (8 * 16 + 16 * 5 + 5 * 3)
    groups = input_groups(20)
    for m, act in enumerate((torch.tanh, torch.relu)):
        ws, _, grads = _plain_grads(model, m, x, y, act)
        rows = {(r["layer"], r["src"], r["dst"]): r for r in edges if r["member"] == m}
        assert {d for (l, _, d) in rows if l == 1} == set(drawn_units(40))
        for (layer, src, dst), r in rows.items():
            w, gw = ws[layer - 1].detach(), grads[layer - 1]
            if layer == 1:
                ins = list(groups[src - 1])
                want = (w[ins, dst - 1].abs().mean(), gw[ins, dst - 1].abs().mean())
            else:
                assert src in drawn_units(sizes[layer - 1])
                want = (w[src - 1, dst - 1], gw[src - 1, dst - 1])
            assert r["weight"] == pytest.approx(want[0].item(), rel=1e-6)
            assert r["weight_grad"] == pytest.approx(want[1].item(), rel=1e-4, abs=1e-9)
    # few inputs: one node each, signed
    small = BatchedMLP((2, 3, 2), (Member("sigmoid", 0),))
    rows = probe(small, torch.randn(5, 2), torch.zeros(5, dtype=torch.long), "softmax_ce",
                 bins=4).edges
    first = [r for r in rows if r["layer"] == 1]
    assert [(r["src"], r["dst"]) for r in first] == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2),
                                                     (2, 3)]
    assert [r["weight"] for r in first] == pytest.approx(
        small.weights[0][0].detach().flatten().tolist())


def test_wfprime_mean_is_nielsens_factor_by_hand():
    """wfprime_mean of hidden layer l: the mean over the probe batch and the weights
    W^{l+1}_jk leaving the layer of |W^{l+1}_jk · f'(z^l_j)|, f' by autograd; NaN for the
    output layer."""
    from vgcore.probes import DIVERGENCE_STATS, STATS
    members = (Member("sigmoid", 0), Member("tanh", 2), Member("relu", 5))
    model = BatchedMLP((6, 7, 5, 4), members, init="normal", bias_init="normal")
    g = torch.Generator().manual_seed(3)
    x = torch.randn(25, 6, generator=g)
    y = torch.randint(0, 4, (25,), generator=g)
    stats = probe(model, x, y, "softmax_ce", bins=4, with_histograms=False).stats
    col = STATS.index("wfprime_mean")
    assert set(DIVERGENCE_STATS) <= set(STATS)           # train.py reads them by name
    for m, act in enumerate((torch.sigmoid, torch.tanh, torch.relu)):
        ws, zs, _ = _plain_grads(model, m, x, y, act)
        for layer, z in enumerate(zs):
            z = z.detach().requires_grad_()
            fprime, = torch.autograd.grad(act(z).sum(), z)          # (B, width)
            w_next = ws[layer + 1].detach()                         # (width, fan_out)
            by_hand = (w_next[None] * fprime[:, :, None]).abs().mean()
            assert stats[m][layer][col] == pytest.approx(by_hand.item(), rel=1e-5)
        assert math.isnan(stats[m][-1][col])


def test_the_pictures_units_and_input_groups():
    """Evenly spaced units, first and last included; contiguous input groups covering
    every input once; the edge count per net that bounds res.edges."""
    from vgcore.probes import (NET_INPUTS_DRAWN, NET_UNITS_DRAWN, drawn_units,
                               edges_per_net, input_groups)
    assert drawn_units(5) == [1, 2, 3, 4, 5]
    wide = drawn_units(30)
    assert len(wide) == NET_UNITS_DRAWN and wide[0] == 1 and wide[-1] == 30
    assert drawn_units(512)[:3] == [1, 35, 69]
    groups = input_groups(64)
    assert len(groups) == NET_INPUTS_DRAWN and [len(r) for r in groups] == [8] * 8
    assert [i for r in input_groups(13) for i in r] == list(range(13))
    assert input_groups(2) == [range(0, 1), range(1, 2)]
    assert edges_per_net((64, 30, 30, 30, 30, 10)) == 8 * 16 + 3 * 16 * 16 + 16 * 10


# -- non-finite values are results, never a crash ----------------------------------------
NAN, INF = float("nan"), float("inf")


def _counts(rows, member=0, layer=1):
    return [r["count"] for r in rows if r["member"] == member and r["layer"] == layer]


def test_histograms_leave_non_finite_values_out_and_bin_the_rest_as_without_them():
    from vgcore.probes import _histograms
    finite = torch.arange(10.0).reshape(1, 10, 1)
    mixed = torch.cat([finite, torch.tensor([NAN, INF, -INF]).reshape(1, 3, 1)], 1)
    for symmetric in (False, True):
        clean = _histograms([finite], "gradient", 5, symmetric)
        dirty = _histograms([mixed], "gradient", 5, symmetric)
        assert [(r["bin_start"], r["count"], r["fraction"]) for r in dirty] == \
            [(r["bin_start"], r["count"], r["fraction"]) for r in clean]
    assert _counts(_histograms([finite], "activation", 5, False)) == [2.0] * 5


@pytest.mark.parametrize("values", [
    [NAN] * 6, [INF] * 6, [-INF] * 6, [NAN, INF, -INF] * 2,     # nothing finite left
    [0.5] * 6, [1e5] * 6, [-3e38] * 6,          # constant: lo + 1e-12 == lo in float32
    [3e38, -3e38, 1.0, 0.0, 2.0, -1.0],         # hi - lo overflows float32
], ids=["nan", "inf", "-inf", "mixed", "const0.5", "const1e5", "const-3e38", "huge"])
def test_histograms_of_any_values_have_finite_edges_and_the_finite_count(values):
    from vgcore.probes import _histograms
    t = torch.tensor(values, dtype=torch.float32).reshape(1, len(values), 1)
    healthy = torch.linspace(-1, 1, len(values)).reshape(1, len(values), 1)
    for symmetric in (False, True):
        rows = _histograms([torch.cat([t, healthy])], "gradient", 4, symmetric)
        assert len(rows) == 2 * 4
        for r in rows:
            assert all(math.isfinite(r[k]) for k in ("bin_start", "bin_end", "count",
                                                    "fraction")), r
            assert r["bin_end"] > r["bin_start"]
        n_finite = sum(math.isfinite(v) for v in values)
        assert sum(_counts(rows, 0)) == n_finite
        assert sum(r["fraction"] for r in rows if r["member"] == 0) == \
            pytest.approx(1.0 if n_finite else 0.0)
        assert sum(_counts(rows, 1)) == len(values)     # the other member is untouched


def test_a_histogram_of_no_values_is_empty_bins():
    from vgcore.probes import _histograms
    rows = _histograms([torch.zeros(2, 0, 3)], "activation", 4, False)
    assert len(rows) == 2 * 4 and all(r["count"] == 0 for r in rows)


@pytest.mark.parametrize("poison", [NAN, INF, 1e30], ids=["nan", "inf", "overflow"])
def test_probe_of_a_diverged_member_measures_it_and_its_neighbours(poison):
    """A member whose weights are NaN, Inf, or so large its activations overflow: every
    statistic is a number (NaN/Inf allowed in stats, it is what train.py reads as
    divergence), histograms stay finite, and the healthy member's numbers are exactly
    those it has alone."""
    members = (Member("relu", 0), Member("tanh", 1))
    sizes = (4, 6, 5, 3)
    model = BatchedMLP(sizes, members, init="lecun", bias_init="normal")
    alone = BatchedMLP(sizes, members[1:], init="lecun", bias_init="normal")
    with torch.no_grad():
        for w, w1 in zip(model.weights, alone.weights):
            w1.copy_(w[1:])
            w[0].fill_(poison)
        for b, b1 in zip(model.biases, alone.biases):
            b1.copy_(b[1:])
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(12, 4, generator=g), torch.randint(0, 3, (12,), generator=g)
    got = probe(model, x, y, "softmax_ce", bins=6)
    ref = probe(alone, x, y, "softmax_ce", bins=6)
    for row, want in zip(got.stats[1], ref.stats[0]):
        assert row == pytest.approx(want, nan_ok=True)
    for r in got.histograms:
        assert all(math.isfinite(r[k]) for k in ("bin_start", "bin_end", "count", "fraction"))
    healthy = [{k: v for k, v in r.items() if k != "member"} for r in got.histograms
               if r["member"] == 1]
    assert healthy == pytest.approx([{k: v for k, v in r.items() if k != "member"}
                                     for r in ref.histograms])
    assert len(got.units) == 2 * len(ref.units) and len(got.edges) == 2 * len(ref.edges)
    assert not all(math.isfinite(v) for v in got.stats[0][0][:4])   # seen as diverged


def test_one_value_has_no_spread_rather_than_a_nan_std():
    """A probe batch of one sample through a one-unit layer: std 0, not torch's NaN,
    which train.py would read as a healthy net's divergence."""
    model = BatchedMLP((2, 1, 2), (Member("sigmoid", 0),))
    stats = probe(model, torch.randn(1, 2), torch.zeros(1, dtype=torch.long), "softmax_ce",
                  bins=4).stats
    assert stats[0][0][STATS.index("act_std")] == 0.0
    assert all(math.isfinite(v) for v in stats[0][0][:4])


def test_the_crashing_links_run_finishes():
    """/loss_curves?lr=1000&epochs=1&depth=1&width=1&train_size=10&n_seeds=5&dataset=xor:
    its saturated one-unit nets have constant layers, whose zero-width bins crashed."""
    from vgcore import run
    from vgcore.workshop.experiments import PAGE_EXPERIMENTS
    cfg = PAGE_EXPERIMENTS["loss_curves"].config.replace(
        dataset="xor", lr=1000.0, epochs=1, hidden=(1,), train_size=10, n_seeds=5)
    res = run(cfg)
    assert len(res.summary) == 20 and not res.histograms.empty
    assert res.histograms[["bin_start", "bin_end", "count", "fraction"]].notna().all().all()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_tail_quantiles_are_torch_nanquantile_bit_for_bit(dtype):
    """The histogram edges' quantiles (probes._nanquantiles, from topk) equal
    torch.nanquantile's, bit for bit: NaN skipped, a row of NaN only gives NaN, ties,
    zeros (ReLU) and one value."""
    from vgcore.probes import _nanquantiles
    gen = torch.Generator().manual_seed(0)
    values = torch.randn(6, 301, generator=gen, dtype=dtype)
    values[1, ::3] = float("nan")
    values[2] = float("nan")
    values[3] = torch.relu(values[3])
    values[4, :-1] = float("nan")
    values[5] = values[5].round()
    for qs in [(0.005, 0.995), (0.995,), (0.25, 0.5)]:
        for q, got in zip(qs, _nanquantiles(values, qs)):
            want = torch.nanquantile(values.double(), q, dim=1)
            assert torch.equal(got.isnan(), want.isnan())
            assert torch.equal(got.nan_to_num(), want.nan_to_num()), q
