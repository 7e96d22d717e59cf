"""vgcore's optimizers are torch.optim's, bit for bit, without importing torch._dynamo."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from vgcore.optimizers import OPTIMIZERS, Adam

ROOT = Path(__file__).resolve().parents[1]
TORCH_OPTIM = {
    "sgd": lambda ps, lr, m, wd: torch.optim.SGD(ps, lr=lr, weight_decay=wd),
    "momentum": lambda ps, lr, m, wd: torch.optim.SGD(ps, lr=lr, momentum=m, weight_decay=wd),
    "adam": lambda ps, lr, m, wd: torch.optim.Adam(ps, lr=lr, weight_decay=wd),
}


def _params(seed: int) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(3, 5, 7, generator=g).requires_grad_(),
            torch.randn(3, 7, generator=g).requires_grad_()]


def test_every_registry_entry_has_a_torch_twin_here():
    assert set(OPTIMIZERS) == set(TORCH_OPTIM)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_same_parameters_as_torch_optim_after_every_step(name, weight_decay):
    """30 steps on the same gradients (a loss of the parameters, so each step's gradient
    depends on the last step's result): the parameters agree to the last bit each time."""
    ours, theirs = _params(0), _params(0)
    opt_ours = OPTIMIZERS[name].build(ours, 0.05, 0.9, weight_decay)
    opt_theirs = TORCH_OPTIM[name](theirs, 0.05, 0.9, weight_decay)
    target = torch.Generator().manual_seed(1)
    for _ in range(30):
        goal = [torch.randn(p.shape, generator=target) for p in ours]
        for opt, params in ((opt_ours, ours), (opt_theirs, theirs)):
            opt.zero_grad(set_to_none=False)
            sum(((torch.tanh(p) - t) ** 2).sum() for p, t in zip(params, goal)).backward()
            opt.step()
        for a, b in zip(ours, theirs):
            assert a.detach().numpy().tobytes() == b.detach().numpy().tobytes()


def test_zero_grad_keeps_or_drops_the_gradient_tensors():
    (p,) = _params(0)[:1]
    opt = Adam([p], lr=0.1)
    (p ** 2).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and not p.grad.any()
    opt.zero_grad()
    assert p.grad is None


def test_training_imports_no_torch_dynamo():
    """torch.optim imports torch._dynamo and sympy (~70 MiB) on first use; a digits run, a
    pretraining run and a recurrent run in a fresh interpreter never do."""
    code = ("import sys\n"
            "from vgcore import ExperimentConfig, run\n"
            "from vgcore.recurrent import RecurrentConfig\n"
            "from vgcore.runs import run_config\n"
            "run(ExperimentConfig(dataset='digits', train_size=60, test_size=20, epochs=1,"
            " hidden=(8, 8), optimizer='momentum'))\n"
            "run(ExperimentConfig(dataset='digits', train_size=60, test_size=20, epochs=1,"
            " hidden=(8, 8), pretrain_epochs=1))\n"
            "run_config(RecurrentConfig(epochs=1, train_size=50, test_size=20,"
            " optimizer='adam'))\n"
            "assert 'torch._dynamo' not in sys.modules and 'sympy' not in sys.modules\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
