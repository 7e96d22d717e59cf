"""Activation registry: name -> function, closed-form derivative, init family and gain.

The closed-form derivatives are what the Activations page draws; tests check each one
against autograd. Saturation uses one rule for every activation (see `saturated`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from .i18n import N_
from .registry import lookup

Tensor = torch.Tensor
LEAKY_SLOPE = 0.01  # PyTorch's default negative slope
# "Saturated": |f'(z)| < SATURATION_FRACTION · max|f'|, learning ≥ 10× slower than at the
# steepest point (sigmoid outside ~[0.03, 0.97], |tanh z| > 0.95, ReLU z ≤ 0).
SATURATION_FRACTION = 0.1


def _sigmoid_d(z: Tensor) -> Tensor:
    s = torch.sigmoid(z)
    return s * (1 - s)


def _tanh_d(z: Tensor) -> Tensor:
    return 1 - torch.tanh(z) ** 2


def _relu_d(z: Tensor) -> Tensor:
    return (z > 0).to(z.dtype)


def _leaky_d(z: Tensor) -> Tensor:
    return torch.where(z > 0, torch.ones_like(z), torch.full_like(z, LEAKY_SLOPE))


def _elu_d(z: Tensor) -> Tensor:
    return torch.where(z > 0, torch.ones_like(z), torch.exp(torch.clamp(z, max=0)))


def _gelu_d(z: Tensor) -> Tensor:
    # d/dz [z * Phi(z)] = Phi(z) + z * phi(z)
    cdf = 0.5 * (1 + torch.erf(z / math.sqrt(2)))
    pdf = torch.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return cdf + z * pdf


def _silu_d(z: Tensor) -> Tensor:
    s = torch.sigmoid(z)
    return s * (1 + z * (1 - s))


def _max_slope(derivative: Callable[[Tensor], Tensor]) -> float:
    """max |f'(z)| on a fine grid (GELU and SiLU overshoot 1 near z ≈ 2.4 and 1.5)."""
    z = torch.linspace(-10, 10, 40001, dtype=torch.float64)
    return float(derivative(z).abs().max())


@dataclass(frozen=True)
class Activation:
    name: str
    label: str                          # how the app writes it (N_: shown with tr())
    fn: Callable[[Tensor], Tensor]
    derivative: Callable[[Tensor], Tensor]
    max_slope: float                    # max |f'(z)| over z, for the saturation rule
    init_family: str                    # "glorot" or "he": what init="auto" picks
    he_gain: float                      # He et al. 2015 gain: sqrt(2 / (1 + a^2))
    note: str                           # one line for learners (N_: shown with tr())


ACTIVATIONS: dict[str, Activation] = {
    a.name: a for a in [
        Activation("sigmoid", "sigmoid", torch.sigmoid, _sigmoid_d, 0.25, "glorot", 1.0,
                   N_("σ'(z) ≤ ¼: with weights |w| ≤ 1 each layer shrinks the gradient 4× "
                      "or more")),
        Activation("tanh", "tanh", torch.tanh, _tanh_d, 1.0, "glorot", 1.0,
                   N_("zero-centred, slope 1 at 0, flat for |z| > 2")),
        Activation("relu", "ReLU", F.relu, _relu_d, 1.0, "he", math.sqrt(2.0),
                   N_("slope exactly 1 where active, 0 (dead) where z ≤ 0")),
        Activation("leaky_relu", "leaky ReLU",
                   lambda z: F.leaky_relu(z, LEAKY_SLOPE), _leaky_d, 1.0, "he",
                   math.sqrt(2.0 / (1 + LEAKY_SLOPE ** 2)),
                   # a literal for the catalog: the slope is LEAKY_SLOPE (checked below)
                   N_("like ReLU but slope 0.01 for z < 0, so no unit dies")),
        Activation("elu", "ELU", F.elu, _elu_d, 1.0, "he", math.sqrt(2.0),
                   N_("smooth ReLU with negative outputs down to −1")),
        Activation("gelu", "GELU", F.gelu, _gelu_d, _max_slope(_gelu_d),
                   "he", math.sqrt(2.0), N_("z·Φ(z): the transformer default")),
        Activation("silu", "SiLU", F.silu, _silu_d, _max_slope(_silu_d),
                   "he", math.sqrt(2.0), "z·σ(z) (swish)"),
        Activation("linear", N_("linear"), lambda z: z, lambda z: torch.ones_like(z), 1.0,
                   "glorot", 1.0, N_("no non-linearity: a deep linear net is one matrix")),
    ]
}
assert f"slope {LEAKY_SLOPE} " in ACTIVATIONS["leaky_relu"].note, "leaky ReLU's note"


def get(name: str) -> Activation:
    return lookup(ACTIVATIONS, "activation", name)


def saturated(name: str, z: Tensor) -> Tensor:
    """Boolean mask of units in the flat part of the activation (|f'| < 10% of its max)."""
    act = get(name)
    return act.derivative(z).abs() < SATURATION_FRACTION * act.max_slope


def curves(names: Sequence[str], x_min: float = -6.0, x_max: float = 6.0,
           points: int = 241) -> pd.DataFrame:
    """Long DataFrame of f(x) and f'(x): columns activation, x, quantity ('f(x)'/"f'(x)"),
    value, saturated (bool)."""
    if not x_min < x_max:
        raise ValueError(f"x_min: must be below x_max, got [{x_min}, {x_max}]")
    x = torch.linspace(x_min, x_max, points, dtype=torch.float64)
    frames = []
    for name in names:
        act = get(name)
        flat = saturated(name, x).numpy()
        for quantity, values in (("f(x)", act.fn(x)), ("f'(x)", act.derivative(x))):
            frames.append(pd.DataFrame({"activation": name, "x": x.numpy(),
                                        "quantity": quantity, "value": values.numpy(),
                                        "saturated": flat}))
    return pd.concat(frames, ignore_index=True)


def chain_product(factors: Sequence[float]) -> pd.DataFrame:
    """The chain rule through a deep net: the gradient reaching layer 1 is (roughly) the
    product of one f'(z)·w factor per layer above it. Columns: depth, factor, product."""
    if len(factors) == 0:
        raise ValueError("factors: give at least one per-layer factor")
    arr = np.asarray(factors, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError("factors: every factor must be a finite number")
    return pd.DataFrame({"depth": np.arange(1, len(arr) + 1), "factor": arr,
                         "product": np.cumprod(arr)})
