"""Registry of optimizers: name -> label and how to build it for a run's parameters.

Every optimizer here acts element-wise, so one optimizer over the stacked tensors of M
nets behaves exactly like M separate optimizers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import torch

from .i18n import N_


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    label: str        # what the app shows and its URL holds (the name: links stay stable)
    note: str         # N_ where it has words: shown with tr()
    build: Callable[..., torch.optim.Optimizer]   # (params, lr, momentum, weight_decay)


OPTIMIZERS: dict[str, OptimizerSpec] = {o.name: o for o in [
    OptimizerSpec("sgd", "sgd", N_("plain stochastic gradient descent (Nielsen's)"),
                  lambda params, lr, momentum, weight_decay:
                  torch.optim.SGD(params, lr=lr, weight_decay=weight_decay)),
    OptimizerSpec("momentum", N_("momentum"), N_("SGD with momentum"),
                  lambda params, lr, momentum, weight_decay:
                  torch.optim.SGD(params, lr=lr, momentum=momentum,
                                  weight_decay=weight_decay)),
    OptimizerSpec("adam", "adam", "Adam (Kingma & Ba 2015)",
                  lambda params, lr, momentum, weight_decay:
                  torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)),
]}


def make_optimizer(config, params: Iterable[torch.Tensor]) -> torch.optim.Optimizer:
    """The optimizer an `ExperimentConfig` names, over `params`."""
    return OPTIMIZERS[config.optimizer].build(list(params), config.lr, config.momentum,
                                             config.weight_decay)
