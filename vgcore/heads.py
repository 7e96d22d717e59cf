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

Tensor = torch.Tensor
HEAD_LABELS = {"softmax_ce": "softmax + cross-entropy", "sigmoid_mse": "sigmoid + MSE",
               "sigmoid_ce": "sigmoid + cross-entropy"}


def member_losses(logits: Tensor, y: Tensor, head: str) -> Tensor:
    """Mean loss over the batch for each member: logits (M, B, C), y (B,) -> (M,)."""
    M, B, C = logits.shape
    if head == "softmax_ce":
        per_sample = F.cross_entropy(logits.reshape(M * B, C), y.repeat(M),
                                     reduction="none").view(M, B)
        return per_sample.mean(1)
    if head == "sigmoid_mse":
        # Nielsen's quadratic cost C = 1/(2n) Σ ||y - a||², one-hot y
        target = F.one_hot(y, C).to(logits.dtype)
        return 0.5 * (torch.sigmoid(logits) - target).pow(2).sum(-1).mean(1)
    if head == "sigmoid_ce":
        # Nielsen's network2 default (ch. 3 and 5): independent sigmoid outputs, each with
        # the binary cross-entropy -[y ln a + (1-y) ln(1-a)], summed over outputs
        target = F.one_hot(y, C).to(logits.dtype)
        per_unit = F.binary_cross_entropy_with_logits(logits, target.expand_as(logits),
                                                      reduction="none")
        return per_unit.sum(-1).mean(1)
    raise ValueError(f"head: unknown value {head!r}; allowed: {', '.join(HEAD_LABELS)}")


def outputs(logits: Tensor, head: str) -> Tensor:
    """What the net outputs: softmax probabilities or independent sigmoid activations."""
    return torch.softmax(logits, -1) if head == "softmax_ce" else torch.sigmoid(logits)


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
