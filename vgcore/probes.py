"""Per-layer measurements on a fixed probe batch (Nielsen's protocol, ch. 5).

The probe batch is the first min(1000, train_size) training samples, the same at every
epoch, so the curves show how fast each layer learns, not minibatch noise. For every
member and layer we measure, in one pass:

- ||dC/dW_l||, ||dC/db_l|| of the mean probe loss (Nielsen's "speed of learning" is the
  bias-gradient norm, since dC/db_l = δ_l averaged over the batch);
- the mean and std of the layer's activations and the fraction of saturated units;
- histograms of activations and of back-propagated gradients δ_l = dC/dz_l per sample
  (Glorot & Bengio 2010, figs. 2-7).

All statistics are stacked into one tensor and converted to Python floats once.
"""
from __future__ import annotations

from typing import NamedTuple

import torch

from . import activations as acts
from .heads import member_losses, outputs
from .model import BatchedMLP

Tensor = torch.Tensor
PROBE_SIZE = 1000
STATS = ("weight_grad_norm", "bias_grad_norm", "act_mean", "act_std", "saturation")
HIST_SAMPLE = 20_000    # values used to place histogram edges (quantiles sort their input)


class Probe(NamedTuple):
    """stats[m][l]: floats in STATS order for member m and layer l (0-based; the last is
    the output layer). histograms: dicts with member, layer, quantity, bin_start, bin_end,
    count, fraction. units: dicts with member, layer, unit, bias_grad (signed ∂C/∂b_j on
    the probe batch), act_mean (the unit's mean output) — the network picture's data."""
    stats: list[list[list[float]]]
    histograms: list[dict]
    units: list[dict]


def probe(model: BatchedMLP, x: Tensor, y: Tensor, head: str, bins: int,
          with_histograms: bool = True, with_units: bool | None = None) -> Probe:
    """Measure every member on the probe batch; histograms and per-unit numbers only when
    asked (they are kept at a few epochs, see train.hist_epochs and train.unit_epochs);
    `with_units` defaults to `with_histograms`."""
    if with_units is None:
        with_units = with_histograms
    logits, zs, hs = model(x, keep=True)
    loss = member_losses(logits, y, head).sum()   # members are independent: sum is safe
    params = list(model.parameters())             # weights of every layer, then biases
    grads = torch.autograd.grad(loss, params + zs, allow_unused=True)
    L = model.n_layers
    w_grads, b_grads, z_grads = grads[:L], grads[L:2 * L], grads[2 * L:]

    with torch.no_grad():
        out = outputs(logits, head)
        layer_acts = [*hs, out]
        columns = [
            torch.stack([g.flatten(1).norm(dim=1) for g in w_grads], 1),        # (M, L)
            torch.stack([g.flatten(1).norm(dim=1) for g in b_grads], 1),
            torch.stack([a.flatten(1).mean(1) for a in layer_acts], 1),
            torch.stack([a.flatten(1).std(1) for a in layer_acts], 1),
            torch.stack([*(_saturation(model, z) for z in zs),
                         torch.full((len(model.members),), float("nan"))], 1),
        ]
        stats = torch.stack(columns, 2).tolist()                              # (M, L, 5)
        hist_rows: list[dict] = []
        unit_rows: list[dict] = []
        if with_histograms:
            # δ per sample: the loss is a batch mean, so dC/dz carries a 1/P factor
            deltas = [g * x.shape[0] for g in z_grads]
            hist_rows += _histograms(hs, "activation", bins, symmetric=False)
            hist_rows += _histograms(deltas, "gradient", bins, symmetric=True)
        if with_units:
            unit_rows = _units(b_grads, layer_acts)
    return Probe(stats, hist_rows, unit_rows)


def _units(b_grads: list[Tensor], layer_acts: list[Tensor]) -> list[dict]:
    """One row per member, layer and unit: its signed bias gradient and mean output.
    The bias-gradient norm of a layer is the root of the sum of its units' squares."""
    rows: list[dict] = []
    for layer, (g, a) in enumerate(zip(b_grads, layer_acts), 1):
        grads = g[:, 0, :].tolist()                  # (M, width)
        means = a.mean(1).tolist()                   # (M, B, width) -> (M, width)
        for m, (g_row, a_row) in enumerate(zip(grads, means)):
            rows += [{"member": m, "layer": layer, "unit": unit, "bias_grad": gv,
                      "act_mean": av} for unit, (gv, av) in enumerate(zip(g_row, a_row), 1)]
    return rows


def _saturation(model: BatchedMLP, z: Tensor) -> Tensor:
    """Fraction of saturated units per member: (M,)."""
    parts = [acts.saturated(name, z[block]).flatten(1).float().mean(1)
             for name, block in model.blocks]
    return torch.cat(parts)


def _histograms(per_layer: list[Tensor], quantity: str, bins: int, symmetric: bool
                ) -> list[dict]:
    """Histogram of each layer's values with edges shared by all layers of a member, so
    the layers can be compared on one axis. Edges span the 0.5-99.5% quantiles of the
    member's pooled values (outliers land in the end bins)."""
    M = per_layer[0].shape[0]
    pooled = torch.cat([t.reshape(M, -1) for t in per_layer], 1)
    if pooled.shape[1] > HIST_SAMPLE:
        step = pooled.shape[1] // HIST_SAMPLE + 1
        pooled = pooled[:, ::step]
    pooled = torch.nan_to_num(pooled, nan=0.0, posinf=0.0, neginf=0.0)
    if symmetric:
        hi = torch.quantile(pooled.abs(), 0.995, dim=1)
        lo = -hi
    else:
        lo = torch.quantile(pooled, 0.005, dim=1)
        hi = torch.quantile(pooled, 0.995, dim=1)
    hi = torch.maximum(hi, lo + 1e-12)            # a constant layer still gets a bin
    width = (hi - lo) / bins                      # (M,)
    rows: list[dict] = []
    for layer, values in enumerate(per_layer):
        v = torch.nan_to_num(values.reshape(M, -1), nan=0.0, posinf=0.0, neginf=0.0)
        idx = ((v - lo[:, None]) / width[:, None]).floor().clamp(0, bins - 1).long()
        counts = torch.zeros(M, bins).scatter_add_(1, idx, torch.ones_like(v))
        fraction = counts / v.shape[1]
        starts = lo[:, None] + width[:, None] * torch.arange(bins)
        for m, (c_row, f_row, s_row, w) in enumerate(zip(counts.tolist(), fraction.tolist(),
                                                         starts.tolist(), width.tolist())):
            for count, frac, start in zip(c_row, f_row, s_row):
                rows.append({"member": m, "layer": layer + 1, "quantity": quantity,
                             "bin_start": start, "bin_end": start + w, "count": count,
                             "fraction": frac})
    return rows
