"""Registry of weight and bias initialisation schemes: name, label, formula, paper, draw.

The one home of every fact about a scheme: config validation, the model, the app's
widgets, the CLI and the presets all read `INIT_SCHEMES` / `BIAS_INITS`.

Draws use `torch.nn.init` for the standard distribution (N(0, 1) or U(-1, 1)) and scale
it by the scheme's std or bound. Scaling a standard draw is exactly what
`nn.init.normal_(w, 0, std)` computes, except that for tensors under 16 elements torch
takes a double-precision path whose last bit differs; drawing the standard values first
keeps every net bit-identical whatever its size.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

from . import activations as acts
from .i18n import N_
from .registry import lookup

Tensor = torch.Tensor


@dataclass(frozen=True)
class InitScheme:
    name: str
    # label, formula, paper: texts with words are marked with N_ (vgcore.i18n): shown
    # with tr(); a pure formula or name is not marked and tr() gives it back unchanged.
    label: str                      # how the app writes it (and what its URL holds)
    formula: str                    # the distribution, with fans n_in / n_out
    paper: str                      # where it comes from
    distribution: str = ""          # "normal" (scale = std) or "uniform" (scale = bound);
    #                                 "" for "auto", which resolves per layer
    scale: Callable[[int, int, float], float] | None = None   # (fan_in, fan_out, gain)


INIT_SCHEMES: dict[str, InitScheme] = {s.name: s for s in [
    InitScheme("auto", N_("auto (Glorot or He)"),
               N_("Glorot for sigmoid/tanh/linear, He for the ReLU family; Glorot for the "
                  "output layer"), "Glorot & Bengio 2010; He et al. 2015"),
    InitScheme("normal", "N(0, 1)", "N(0, 1)",
               N_("Nielsen ch. 3's 'old' initialisation"), "normal",
               lambda fan_in, fan_out, gain: 1.0),
    InitScheme("lecun", "LeCun N(0, 1/fan_in)", "N(0, 1/n_in)",
               N_("LeCun et al. 1998; Nielsen ch. 3 and 5"), "normal",
               lambda fan_in, fan_out, gain: 1.0 / math.sqrt(fan_in)),
    InitScheme("xavier", "Glorot / Xavier", "U(±√(6/(n_in + n_out)))",
               N_("Glorot & Bengio 2010, eq. 16 ('normalized initialization')"), "uniform",
               lambda fan_in, fan_out, gain: math.sqrt(6.0 / (fan_in + fan_out))),
    InitScheme("he", "He / Kaiming", N_("N(0, gain²/n_in), gain √2 for ReLU"),
               N_("He et al. 2015, eq. 10"), "normal",
               lambda fan_in, fan_out, gain: gain / math.sqrt(fan_in)),
    InitScheme("pytorch", N_("PyTorch default"), "U(±1/√n_in)",
               N_("nn.Linear's kaiming_uniform(a=√5); Glorot & Bengio's 'standard' init"),
               "uniform", lambda fan_in, fan_out, gain: 1.0 / math.sqrt(fan_in)),
]}

# Bias schemes: name -> label (N_: shown with tr()). Nielsen ch. 5 draws biases from
# N(0, 1) too.
BIAS_INITS: dict[str, str] = {"zeros": N_("zeros"), "normal": "N(0, 1) (Nielsen)"}


def get(name: str) -> InitScheme:
    return lookup(INIT_SCHEMES, "init", name)


def resolve(scheme: str, activation: str, is_output: bool) -> str:
    """'auto' -> Glorot for sigmoid/tanh/linear, He for the ReLU family. The output layer
    feeds softmax/sigmoid, not the hidden activation, so under 'auto' it takes Glorot."""
    if scheme != "auto":
        return scheme
    if is_output:
        return "xavier"
    return "xavier" if acts.get(activation).init_family == "glorot" else "he"


def weight_std_or_bound(scheme: str, fan_in: int, fan_out: int, gain: float
                        ) -> tuple[str, float]:
    """('normal', std) or ('uniform', bound) of a resolved scheme."""
    s = get(scheme)
    if s.scale is None:
        raise ValueError(f"init: {scheme!r} must be resolved per layer first (resolve())")
    return s.distribution, s.scale(fan_in, fan_out, gain)


def draw_weight(scheme: str, fan_in: int, fan_out: int, gain: float,
                generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Tensor:
    """A (fan_in, fan_out) weight matrix of a resolved scheme, from `generator`."""
    kind, scale = weight_std_or_bound(scheme, fan_in, fan_out, gain)
    w = torch.empty(fan_in, fan_out, dtype=dtype)
    if kind == "normal":
        torch.nn.init.normal_(w, 0.0, 1.0, generator=generator)
    else:
        torch.nn.init.uniform_(w, -1.0, 1.0, generator=generator)
    return w.mul_(scale)


def draw_bias(scheme: str, fan_out: int, generator: torch.Generator,
              dtype: torch.dtype = torch.float32) -> Tensor:
    """A (1, fan_out) bias row: zeros, or N(0, 1) drawn from `generator`."""
    b = torch.zeros(1, fan_out, dtype=dtype)
    if scheme == "normal":
        torch.nn.init.normal_(b, 0.0, 1.0, generator=generator)
    elif scheme not in BIAS_INITS:
        raise ValueError(f"bias_init: unknown value {scheme!r}; allowed: "
                         f"{', '.join(BIAS_INITS)}")
    return b


__all__ = ["InitScheme", "INIT_SCHEMES", "BIAS_INITS", "get", "resolve",
           "weight_std_or_bound", "draw_weight", "draw_bias"]
