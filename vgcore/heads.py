"""Output heads: softmax + cross-entropy, or sigmoid outputs + quadratic (MSE) cost.

Also the small tables behind the Softmax & cross-entropy lesson (Nielsen ch. 3): with a
sigmoid output and the quadratic cost, dC/dz = (a - y)·σ'(z), which vanishes when the
output is confidently *wrong*; with cross-entropy, dC/dz = a - y, which does not.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from .i18n import N_
from .model import by_rows

Tensor = torch.Tensor
# name -> label (N_ where it has words: shown with tr(); data frames and run names hold
# the English label)
HEAD_LABELS = {"softmax_ce": N_("softmax + cross-entropy"), "sigmoid_mse": "sigmoid + MSE",
               "sigmoid_ce": N_("sigmoid + cross-entropy")}


def member_losses(logits: Tensor, y: Tensor, head: str) -> Tensor:
    """Mean loss over the batch for each member: logits (M, B, C), y (B,) shared by every
    member or (M, B) each member's own -> (M,)."""
    M, B, C = logits.shape
    if head == "softmax_ce":
        targets = y.repeat(M) if y.dim() == 1 else y.reshape(M * B)
        per_sample = F.cross_entropy(logits.reshape(M * B, C), targets,
                                     reduction="none").view(M, B)
        return per_sample.mean(1)
    if head not in HEAD_LABELS:
        raise ValueError(f"head: unknown value {head!r}; allowed: {', '.join(HEAD_LABELS)}")
    # sigmoid heads: the sigmoid's rounding of a member's values must not depend on the
    # nets beside it, so the per-unit costs are computed member by member as the kernels
    # see them (model.by_rows); the sums and means reduce each member's own rows
    targets = F.one_hot(y.expand(M, B), C).to(logits.dtype)
    per_sample = _sigmoid_costs(logits, targets, head).sum(-1).mean(1)
    # Nielsen's quadratic cost C = 1/(2n) Σ ||y - a||², one-hot y
    return 0.5 * per_sample if head == "sigmoid_mse" else per_sample


def _sigmoid_costs(logits: Tensor, target: Tensor, head: str) -> Tensor:
    """A sigmoid head's cost per output unit: logits, one-hot target (M, B, C) -> (M, B, C)."""
    if head == "sigmoid_mse":     # ||y - a||² per unit (member_losses halves the mean)
        return by_rows(lambda z, t: (torch.sigmoid(z) - t).pow(2), logits, target)
    # sigmoid_ce: Nielsen's network2 default (ch. 3 and 5): independent sigmoid outputs,
    # each with the binary cross-entropy -[y ln a + (1-y) ln(1-a)], summed over outputs
    return by_rows(lambda z, t: F.binary_cross_entropy_with_logits(z, t, reduction="none"),
                   logits, target)


def outputs(logits: Tensor, head: str) -> Tensor:
    """What the net outputs: softmax probabilities or independent sigmoid activations
    (each member's as when alone, as in member_losses)."""
    if head == "softmax_ce":
        return torch.softmax(logits, -1)
    return by_rows(torch.sigmoid, logits)


def softmax_table(logits: Sequence[float], temperature: float = 1.0) -> pd.DataFrame:
    """Columns class, logit, probability, for the logits -> probabilities explorer."""
    z = np.asarray(logits, dtype=float)
    if z.size == 0 or not np.all(np.isfinite(z)):
        raise ValueError("logits: give at least one finite number")
    if not (math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature: {temperature!r} is out of range; allowed (0, inf)")
    p = torch.softmax(torch.tensor(z / temperature, dtype=torch.float64), 0).numpy()
    return pd.DataFrame({"class": [str(i) for i in range(z.size)], "logit": z,
                         "probability": p})


def loss_vs_probability(points: int = 199) -> pd.DataFrame:
    """Loss and |dC/dz| of the true class's output unit against its predicted probability p.

    sigmoid + MSE (one unit, target 1, a = σ(z) = p): C = ½(1-p)², |dC/dz| = (1-p)·p(1-p).
    softmax + cross-entropy: C = -ln p, |dC/dz| = 1 - p.
    Columns p, head, quantity ('loss'/'gradient'), value.
    """
    p = np.linspace(0.005, 0.995, points)
    rows = {
        ("sigmoid_mse", "loss"): 0.5 * (1 - p) ** 2,
        ("sigmoid_mse", "gradient"): (1 - p) * p * (1 - p),
        ("softmax_ce", "loss"): -np.log(p),
        ("softmax_ce", "gradient"): 1 - p,
    }
    return pd.concat([pd.DataFrame({"p": p, "head": HEAD_LABELS[head], "quantity": q,
                                    "value": v}) for (head, q), v in rows.items()],
                     ignore_index=True)
