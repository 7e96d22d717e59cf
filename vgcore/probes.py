"""Per-layer measurements on a fixed probe batch (Nielsen's protocol, ch. 5).

The probe batch is the first min(1000, train_size) training samples, the same at every
epoch, so the curves show how fast each layer learns, not minibatch noise. For every
member and layer we measure, in one pass:

- ||dC/dW_l||, ||dC/db_l|| of the mean probe loss (Nielsen's "speed of learning" is the
  bias-gradient norm, since dC/db_l = δ_l averaged over the batch);
- the mean and std of the layer's activations and the fraction of saturated units;
- histograms of activations and of back-propagated gradients δ_l = dC/dz_l per sample
  (Glorot & Bengio 2010, figs. 2-7);
- the mean |w·f'(z)| of each hidden layer: Nielsen's per-layer factor of the gradient;
- for the network picture, each drawn unit's bias gradient and each drawn edge's weight
  and weight gradient (which units and inputs the picture draws is decided here, once:
  `drawn_units`, `input_groups`).

All statistics are stacked into one tensor and converted to Python floats once.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from . import activations as acts
from .heads import member_losses, outputs
from .model import BatchedMLP

Tensor = torch.Tensor
PROBE_SIZE = 1000
STATS = ("weight_grad_norm", "bias_grad_norm", "act_mean", "act_std", "saturation",
         "wfprime_mean")
# The stats that make a net diverged when not finite (saturation and wfprime_mean are NaN
# for the output layer by design).
DIVERGENCE_STATS = ("weight_grad_norm", "bias_grad_norm", "act_mean", "act_std")
HIST_SAMPLE = 20_000    # values used to place histogram edges (quantiles sort their input)
NET_UNITS_DRAWN = 16    # units drawn per layer in the network picture (wider: a sample)
NET_INPUTS_DRAWN = 8    # the picture's input column: at most this many groups of inputs


def drawn_units(width: int, most: int = NET_UNITS_DRAWN) -> list[int]:
    """1-based unit numbers the network picture draws for a layer of `width`: all, or
    `most` evenly spaced (first and last included)."""
    if width <= most:
        return list(range(1, width + 1))
    return sorted({int(round(u)) for u in np.linspace(1, width, most)})


def input_groups(n_inputs: int, most: int = NET_INPUTS_DRAWN) -> list[range]:
    """The picture's input column: `n_inputs` cut into at most `most` contiguous groups
    of 0-based input indices (one input each when there are few)."""
    return [range(int(c[0]), int(c[-1]) + 1)
            for c in np.array_split(np.arange(n_inputs), min(n_inputs, most))]


def edges_per_net(sizes: tuple[int, ...]) -> int:
    """Edges the picture draws (and res.edges keeps per net and epoch) for layer sizes
    [input, hidden..., output]: Σ drawn_in × drawn_out over the layers."""
    drawn = [len(input_groups(sizes[0])), *(len(drawn_units(w)) for w in sizes[1:])]
    return sum(a * b for a, b in zip(drawn[:-1], drawn[1:]))


class Probe(NamedTuple):
    """stats[m][l]: floats in STATS order for member m and layer l (0-based; the last is
    the output layer). histograms: dicts with member, layer, quantity, bin_start, bin_end,
    count, fraction. units: dicts with member, layer, unit, bias_grad (signed ∂C/∂b_j on
    the probe batch), act_mean (the unit's mean output) — the network picture's data.
    edges: dicts with member, layer, src, dst, weight, weight_grad (see `_edges`): the
    picture's edges, between drawn units only."""
    stats: list[list[list[float]]]
    histograms: list[dict]
    units: list[dict]
    edges: list[dict]


def probe(model: BatchedMLP, x: Tensor, y: Tensor, head: str, bins: int,
          with_histograms: bool = True, with_units: bool | None = None, tiles: int = 1
          ) -> Probe:
    """Measure every member on the probe batch (x (P, in), y (P,) shared, or each member's
    own: x (M, P, in), y (M, P); with `tiles` > 1 x is (S, P, in), member m's x[m % S]:
    BatchedMLP.forward's); histograms and per-unit (and per-edge)
    numbers only when asked (they are kept at a few epochs, see train.hist_epochs and
    train.unit_epochs); `with_units` defaults to `with_histograms`."""
    if with_units is None:
        with_units = with_histograms
    # Batch norm on the probe batch's own statistics, as training computes them: an
    # untrained net's running ones (mean 0, var 1) would make it the identity.
    logits, zs, hs = model(x, keep=True, batch_stats=True, tiles=tiles)
    loss = member_losses(logits, y, head).sum()   # members are independent: sum is safe
    params = [*model.weights, *model.biases]      # weights of every layer, then biases
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
            torch.stack([_spread(a) for a in layer_acts], 1),
            torch.stack([*(_saturation(model, z) for z in zs),
                         torch.full((len(model.members),), float("nan"))], 1),
            torch.stack([*(_wfprime_mean(model, z, w) for z, w in
                           zip(zs, list(model.weights)[1:])),
                         torch.full((len(model.members),), float("nan"))], 1),
        ]
        stats = torch.stack(columns, 2).tolist()                     # (M, L, len(STATS))
        hist_rows: list[dict] = []
        unit_rows: list[dict] = []
        if with_histograms:
            # δ per sample: the loss is a batch mean, so dC/dz carries a 1/P factor
            deltas = [g * x.shape[-2] for g in z_grads]     # x: (P, in) or (M, P, in)
            hist_rows += _histograms(hs, "activation", bins, symmetric=False)
            hist_rows += _histograms(deltas, "gradient", bins, symmetric=True)
        edge_rows: list[dict] = []
        if with_units:
            unit_rows = _units(b_grads, layer_acts)
            edge_rows = _edges(list(model.weights), w_grads)
    return Probe(stats, hist_rows, unit_rows, edge_rows)


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


def _edges(weights: list[Tensor], w_grads: list[Tensor]) -> list[dict]:
    """One row per member and drawn edge: layer (the layer it feeds into, 1-based; the
    last is the output layer), src (the unit below, or for layer 1 the input group, both
    1-based), dst (the unit it feeds), weight (signed w) and weight_grad (signed ∂C/∂w of
    the mean probe loss). When the inputs are grouped (more than NET_INPUTS_DRAWN of
    them), a layer-1 edge stands for a group's inputs and holds their mean |w| and mean
    |∂C/∂w| instead: a signed mean would cancel. Rows per member: edges_per_net(sizes)."""
    rows: list[dict] = []
    for layer, (w, g) in enumerate(zip(weights, w_grads), 1):     # w, g: (M, in, out)
        dst = drawn_units(w.shape[2])
        w, g = w[:, :, [u - 1 for u in dst]], g[:, :, [u - 1 for u in dst]]
        if layer == 1 and w.shape[1] > NET_INPUTS_DRAWN:
            groups = input_groups(w.shape[1])
            w = torch.stack([w[:, list(r)].abs().mean(1) for r in groups], 1)
            g = torch.stack([g[:, list(r)].abs().mean(1) for r in groups], 1)
            src = list(range(1, len(groups) + 1))
        else:
            src = drawn_units(w.shape[1]) if layer > 1 else list(range(1, w.shape[1] + 1))
            w, g = w[:, [u - 1 for u in src]], g[:, [u - 1 for u in src]]
        for m, (w_m, g_m) in enumerate(zip(w.tolist(), g.tolist())):   # (in', out')
            for s, w_row, g_row in zip(src, w_m, g_m):
                rows += [{"member": m, "layer": layer, "src": s, "dst": d, "weight": wv,
                          "weight_grad": gv} for d, wv, gv in zip(dst, w_row, g_row)]
    return rows


def _wfprime_mean(model: BatchedMLP, z: Tensor, w_next: Tensor) -> Tensor:
    """Mean over the weights leaving a hidden layer and the probe batch of
    |w_jk · f'(z_j)| (Nielsen ch. 5's per-layer factor w·σ'(z)), per member: (M,).
    z: (M, B, width) the layer's pre-activations; w_next: (M, width, fan_out). The
    mean over j, k and samples factors into mean_j(mean_b |f'(z_j)| · mean_k |w_jk|)."""
    fprime = model.each_member(lambda name, part: acts.get(name).derivative(part), z)
    return (fprime.abs().mean(1) * w_next.abs().mean(2)).mean(1)


def _saturation(model: BatchedMLP, z: Tensor) -> Tensor:
    """Fraction of saturated units per member: (M,)."""
    flat = model.each_member(acts.saturated, z)
    return flat.flatten(1).float().mean(1)


def _spread(a: Tensor) -> Tensor:
    """Std of each member's values, (M,): 0 for a single value (a probe batch of one
    sample through a one-unit layer), where torch's unbiased std is NaN, which train.py
    would read as divergence of a healthy net."""
    flat = a.flatten(1)
    return flat.std(1) if flat.shape[1] > 1 else flat.new_zeros(flat.shape[0])


def _histograms(per_layer: list[Tensor], quantity: str, bins: int, symmetric: bool
                ) -> list[dict]:
    """Histogram of each layer's values with edges shared by all layers of a member, so
    the layers can be compared on one axis. Edges span the 0.5-99.5% quantiles of the
    member's pooled finite values (outliers land in the end bins).

    A diverged net is a result to show, so NaN/Inf never reach the binning: they are left
    out (count and fraction are of the layer's finite values; a layer with none gets
    empty bins). Edges are computed in float64, where float32 values cannot overflow
    hi - lo, and a constant layer gets a span relative to its value, never a zero width.
    """
    M = per_layer[0].shape[0]
    layers = [t.detach().reshape(M, -1) for t in per_layer]             # (M, size) each
    sizes = [t.shape[1] for t in layers]
    # the pooled values: every `step`-th of the layers' values laid end to end, taken
    # from each layer (a copy of every value only to sample it cost more than the rest)
    total = sum(sizes)
    step = total // HIST_SAMPLE + 1 if total > HIST_SAMPLE else 1
    parts, offset = [], 0
    for t, size in zip(layers, sizes):
        parts.append(t[:, (-offset) % step::step])
        offset += size
    pooled = torch.cat(parts, 1)
    # non-finite -> NaN, which the quantiles skip; the extra NaN column keeps a layer
    # without values from being an error (as torch.nanquantile refuses an empty input)
    pooled = torch.where(torch.isfinite(pooled), pooled, torch.nan)
    pooled = torch.cat([pooled, pooled.new_full((M, 1), torch.nan)], 1)
    if symmetric:
        hi = _nanquantiles(pooled.abs(), (0.995,))[0]
        lo = -hi
    else:
        lo, hi = _nanquantiles(pooled, (0.005, 0.995))
    none = torch.isnan(lo) | torch.isnan(hi)      # a member without one finite value
    lo = torch.where(none, -1.0 if symmetric else 0.0, lo)
    hi = torch.where(none, 1.0, hi)
    hi = torch.maximum(hi, lo + 1e-12 + lo.abs() * 1e-9)   # a constant layer gets a bin
    width = (hi - lo) / bins                      # (M,), > 0 and finite
    starts = (lo[:, None] + width[:, None] * torch.arange(bins, dtype=lo.dtype,
                                                          device=lo.device)).tolist()
    # Each layer binned in turn into buffers reused from layer to layer: a few hundred KB
    # per net stay in cache, where every layer at once (MBs per net, fresh pages for each
    # temporary) made the binning cost more than linearly in the nets.
    biggest = max(sizes, default=0)
    position_buf = lo.new_empty(M * biggest)                          # float64
    index_buf = torch.empty(M * biggest, dtype=torch.int32, device=lo.device)
    member_bins = torch.arange(M, dtype=torch.int32, device=lo.device)[:, None] * bins
    lo_, width_ = lo[:, None], width[:, None]
    counts_by_layer, finite_by_layer = [], []
    for t, size in zip(layers, sizes):
        position = position_buf[:M * size].view(M, size)
        position.copy_(t)                          # float32 -> float64, exactly
        # a finite sum means every value is finite (an overflowing one only takes the
        # long way)
        finite = None if bool(torch.isfinite(t.sum())) else torch.isfinite(t)
        if finite is not None:
            position.copy_(torch.where(finite, position, lo_))
        position.sub_(lo_).div_(width_)
        # finite values give at most ±inf here (overflow), which the clamp bins; clamping
        # before the cast to int is floor's bin for every position (negatives land in 0)
        if finite is not None:
            position.nan_to_num_(0.0)
        idx = index_buf[:M * size].view(M, size)
        idx.copy_(position.clamp_(0, bins - 1))   # truncation, as .int()
        idx += member_bins                        # bin b of member m at m·bins + b
        # a non-finite value counts nowhere
        flat = idx.flatten() if finite is None else idx[finite]
        counts_by_layer.append(torch.bincount(flat, minlength=M * bins).view(M, bins))
        finite_by_layer.append(torch.full((M,), size, device=lo.device) if finite is None
                               else finite.sum(1))
    counts = torch.stack(counts_by_layer, 1).double()                # (M, L, bins)
    n_finite = torch.stack(finite_by_layer, 1)                       # (M, L)
    fraction = (counts / n_finite[:, :, None].clamp(min=1)).tolist()
    counts, widths = counts.tolist(), width.tolist()
    ends = [[start + w for start in s_row] for s_row, w in zip(starts, widths)]
    rows: list[dict] = []
    for layer in range(len(sizes)):
        for m in range(M):
            rows += [{"member": m, "layer": layer + 1, "quantity": quantity,
                      "bin_start": start, "bin_end": end, "count": count,
                      "fraction": frac}
                     for start, end, count, frac in zip(starts[m], ends[m],
                                                        counts[m][layer], fraction[m][layer])]
    return rows


def _nanquantiles(values: Tensor, qs: tuple[float, ...]) -> list[Tensor]:
    """torch.nanquantile(values, q, dim=1) (linear interpolation) for each q, bit for
    bit: (M, n) float32 or float64 -> one (M,) float64 tensor per q.

    A tail quantile needs only the few values beyond it, so instead of sorting every
    value it takes them with `topk` (the smallest for q < ½, else the largest; NaN counts
    as the largest, as the sort puts it last) and reads the two values either side of
    torch's rank q·(count - 1) from them. The final interpolation runs on strided views,
    so every member's takes torch's scalar path, as it does alone, however many members
    there are (a contiguous tensor of ≥ 16 would take the vectorised one)."""
    M, n = values.shape
    count = (~torch.isnan(values)).sum(1, keepdim=True)              # (M, 1)
    out = []
    for q in qs:
        ranks = torch.tensor(q, dtype=torch.float64, device=values.device) * (count - 1)
        ranks.masked_fill_(ranks < 0, 0)
        below = ranks.long()
        weights = ranks - below
        above = ranks.ceil().long()
        if q < 0.5:     # ascending: position r holds sorted[r]
            k = int(above.max()) + 1
            ordered = values.topk(k, dim=1, largest=False).values.double()
        else:           # descending: position n - 1 - r holds sorted[r]
            k = n - int(below.min())
            ordered = values.topk(k, dim=1).values.double()
            below, above = n - 1 - below, n - 1 - above
        strided = [F.pad(t, (0, 1))[:, 0] for t in
                   (ordered.gather(1, below), ordered.gather(1, above), weights)]
        out.append(torch.lerp(*strided))
    return out
