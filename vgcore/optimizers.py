"""Registry of optimizers: name -> label and how to build it for a run's parameters.

Every optimizer here acts element-wise, so one optimizer over the stacked tensors of M
nets behaves exactly like M separate optimizers.

They are torch.optim's SGD and Adam step for step, written out: torch.optim imports
torch._dynamo (and sympy) on an optimizer's first use and on every step, ~70 MiB of a
server's memory and seconds of its first run, for a compiler vgcore never calls. The
lines below are torch 2.13's single-tensor CPU kernels (`_single_tensor_sgd`,
`_single_tensor_adam`) with their defaults; tests/test_optimizers.py checks every entry
against torch.optim bit for bit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import torch
from torch import Tensor


class ElementwiseOptimizer:
    """What a trainer asks of an optimizer: `zero_grad` and `step`, as torch.optim's."""

    def __init__(self, params: Iterable[Tensor], lr: float, weight_decay: float) -> None:
        self.params = list(params)
        self.lr, self.weight_decay = float(lr), float(weight_decay)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
                continue
            if p.grad.grad_fn is not None:
                p.grad.detach_()
            else:
                p.grad.requires_grad_(False)
            p.grad.zero_()

    @torch.no_grad()
    def step(self) -> None:
        for i, p in enumerate(self.params):
            if p.grad is not None:
                grad = p.grad
                if self.weight_decay != 0:   # L2 in the gradient, as torch.optim's default
                    grad = grad.add(p, alpha=self.weight_decay)
                self._update(i, p, grad)

    def _update(self, i: int, p: Tensor, grad: Tensor) -> None:
        raise NotImplementedError


class SGD(ElementwiseOptimizer):
    """torch.optim.SGD(lr, momentum, weight_decay); dampening 0, no Nesterov."""

    def __init__(self, params: Iterable[Tensor], lr: float, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, weight_decay)
        self.momentum = float(momentum)
        self.buffers: dict[int, Tensor] = {}

    def _update(self, i: int, p: Tensor, grad: Tensor) -> None:
        if self.momentum != 0:
            buf = self.buffers.get(i)
            if buf is None:
                buf = self.buffers[i] = grad.detach().clone()
            else:
                buf.mul_(self.momentum).add_(grad, alpha=1)
            grad = buf
        p.add_(grad, alpha=-self.lr)


class Adam(ElementwiseOptimizer):
    """torch.optim.Adam(lr, weight_decay) with betas (0.9, 0.999), eps 1e-8."""

    BETAS, EPS = (0.9, 0.999), 1e-8

    def __init__(self, params: Iterable[Tensor], lr: float,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, weight_decay)
        self.state: dict[int, tuple[Tensor, Tensor, list[float]]] = {}

    def _update(self, i: int, p: Tensor, grad: Tensor) -> None:
        beta1, beta2 = self.BETAS
        if i not in self.state:
            self.state[i] = (torch.zeros_like(p, memory_format=torch.preserve_format),
                             torch.zeros_like(p, memory_format=torch.preserve_format),
                             [0.0])
        exp_avg, exp_avg_sq, steps = self.state[i]
        # torch counts steps in a float32 tensor and reads it back with .item(): whole
        # numbers, exact in a Python float
        steps[0] += 1
        step = steps[0]
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = self.lr / bias_correction1
        denom = (exp_avg_sq.sqrt() / bias_correction2 ** 0.5).add_(self.EPS)
        p.addcdiv_(exp_avg, denom, value=-step_size)


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    label: str        # what the app shows and its URL holds (the name: links stay stable)
    note: str
    build: Callable[..., ElementwiseOptimizer]   # (params, lr, momentum, weight_decay)


OPTIMIZERS: dict[str, OptimizerSpec] = {o.name: o for o in [
    OptimizerSpec("sgd", "sgd", "plain stochastic gradient descent (Nielsen's)",
                  lambda params, lr, momentum, weight_decay:
                  SGD(params, lr=lr, weight_decay=weight_decay)),
    OptimizerSpec("momentum", "momentum", "SGD with momentum",
                  lambda params, lr, momentum, weight_decay:
                  SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)),
    OptimizerSpec("adam", "adam", "Adam (Kingma & Ba 2015)",
                  lambda params, lr, momentum, weight_decay:
                  Adam(params, lr=lr, weight_decay=weight_decay)),
]}


def make_optimizer(config, params: Iterable[torch.Tensor]) -> ElementwiseOptimizer:
    """The optimizer an `ExperimentConfig` names, over `params`."""
    return OPTIMIZERS[config.optimizer].build(list(params), config.lr, config.momentum,
                                             config.weight_decay)
