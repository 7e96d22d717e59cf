"""Batched training (one BatchedMLP) vs one nn.Sequential per activation, one after another.

    python bench/bench_batched.py [--steps 200] [--repeats 3] [--threads 2]

Why: vgcore trains every activation of a run as one stacked model so that a 2-core
workshop server spends its time on arithmetic, not on Python and dispatch overhead for
tiny matrices. This measures that choice on the app's typical deep demo net: 4
activations, 10 hidden layers × 64 units, input 64, 10 classes, batch 128, SGD, with
per-layer gradient norms of every net recorded every 20 steps (as the app does).

Both ways start from the same weights and see the same batches, and the bench checks that
they produce the same losses (and gradient-norm records) before printing any timing.
It prints times and ratios only; it never asserts a time.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # run from a checkout
from vgcore.heads import member_losses  # noqa: E402
from vgcore.model import BatchedMLP, Member  # noqa: E402

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
# nn modules a user would pick for a plain per-net model; slopes match vgcore's registry
MODULES: dict[str, Callable[[], nn.Module]] = {
    "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
}
SIZES = (64, *[64] * 10, 10)     # input, 10 hidden layers, classes
BATCH = 128
LR = 0.05
RECORD_EVERY = 20
N_BATCHES = 16                   # distinct batches, cycled (data content is irrelevant)
SEED = 0
# The equivalence check runs in float64: in float32 the two ways round differently
# (bmm vs addmm summation order) and after ~100 steps one ReLU unit sitting at z ≈ 0 can
# switch sides in one run and not the other, after which the trajectories part (~1e-2).
# In float64 that needs a 1e-16 coincidence, so a real bug is the only way to fail.
LOSS_TOL = 1e-9


@dataclass
class Trace:
    """What one training run produced: losses (steps, nets) and the gradient-norm records
    [(record, net, layer, weight/bias)] as plain floats."""
    losses: list[list[float]]
    grad_norms: list[list[list[list[float]]]]


def make_data(dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(SEED)
    x = torch.randn(N_BATCHES, BATCH, SIZES[0], generator=gen, dtype=dtype)
    y = torch.randint(0, SIZES[-1], (N_BATCHES, BATCH), generator=gen)
    return x, y


def make_batched(dtype: torch.dtype = torch.float32) -> BatchedMLP:
    return BatchedMLP(SIZES, tuple(Member(a, SEED) for a in ACTIVATIONS), init="auto",
                      dtype=dtype)


def make_sequential(model: BatchedMLP) -> list[nn.Sequential]:
    """One nn.Sequential per member with exactly the member's initial weights."""
    nets = []
    for m, name in enumerate(ACTIVATIONS):
        layers: list[nn.Module] = []
        state = model.member_state(m)
        for i, (w, b) in enumerate(state):
            lin = nn.Linear(w.shape[1], w.shape[0], dtype=w.dtype)
            with torch.no_grad():
                lin.weight.copy_(w)
                lin.bias.copy_(b)
            layers.append(lin)
            if i < len(state) - 1:
                layers.append(MODULES[name]())
        nets.append(nn.Sequential(*layers))
    return nets


def train_batched(model: BatchedMLP, x: torch.Tensor, y: torch.Tensor, steps: int) -> Trace:
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    losses, records = [], []
    for step in range(steps):
        xb, yb = x[step % N_BATCHES], y[step % N_BATCHES]
        logits, _, _ = model.forward(xb)
        loss = member_losses(logits, yb, "softmax_ce")                 # (M,)
        opt.zero_grad()
        loss.sum().backward()        # members are independent: d(sum)/dθ_m = dloss_m/dθ_m
        opt.step()
        losses.append(loss.detach())
        if (step + 1) % RECORD_EVERY == 0:
            # All nets and layers in one stacked tensor, one sync to Python.
            w = torch.stack([p.grad.flatten(1).norm(dim=1) for p in model.weights], 1)
            b = torch.stack([p.grad.flatten(1).norm(dim=1) for p in model.biases], 1)
            records.append(torch.stack([w, b], 2).tolist())                # (M, L, 2)
    return Trace(torch.stack(losses).tolist(), records)


def train_sequential(nets: list[nn.Sequential], x: torch.Tensor, y: torch.Tensor,
                     steps: int) -> Trace:
    per_net_losses, per_net_records = [], []
    for net in nets:
        opt = torch.optim.SGD(net.parameters(), lr=LR)
        linears = [mod for mod in net if isinstance(mod, nn.Linear)]
        losses, records = [], []
        for step in range(steps):
            xb, yb = x[step % N_BATCHES], y[step % N_BATCHES]
            loss = F.cross_entropy(net(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.detach())
            if (step + 1) % RECORD_EVERY == 0:
                # The natural per-net way: one norm and one .item() per parameter.
                records.append([[lin.weight.grad.norm().item(), lin.bias.grad.norm().item()]
                                for lin in linears])
        per_net_losses.append(torch.stack(losses).tolist())
        per_net_records.append(records)
    # Same layout as the batched trace: losses (steps, nets), records (record, net, ...)
    return Trace([list(row) for row in zip(*per_net_losses)],
                 [list(rec) for rec in zip(*per_net_records)])


def max_abs_diff(a: list, b: list) -> float:
    ta, tb = torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)
    return float((ta - tb).abs().max())


def max_rel_diff(a: list, b: list) -> float:
    ta, tb = torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)
    return float(((ta - tb).abs() / tb.abs().clamp(min=1e-12)).max())


def time_once(way: str, x: torch.Tensor, y: torch.Tensor, steps: int) -> tuple[float, Trace]:
    """Seconds for one full training run; building the models is setup, not timed."""
    model = make_batched(x.dtype)
    nets = make_sequential(model) if way == "sequential" else []
    start = time.perf_counter()
    trace = (train_sequential(nets, x, y, steps) if way == "sequential"
             else train_batched(model, x, y, steps))
    return time.perf_counter() - start, trace


def check_same(steps: int) -> tuple[float, float, bool]:
    """Train both ways in float64 from the same weights: (max |loss diff|, max relative
    grad-norm diff, within tolerance). Untimed."""
    x, y = make_data(torch.float64)
    _, batched = time_once("batched", x, y, steps)
    _, sequential = time_once("sequential", x, y, steps)
    loss_diff = max_abs_diff(batched.losses, sequential.losses)
    grad_diff = (max_rel_diff(batched.grad_norms, sequential.grad_norms)
                 if batched.grad_norms else 0.0)
    return loss_diff, grad_diff, loss_diff <= LOSS_TOL and grad_diff <= LOSS_TOL


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="SGD steps per run")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs; median reported")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(),
                        help="torch.set_num_threads (default: torch's, here %(default)s)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    x, y = make_data()

    print(f"{len(ACTIVATIONS)} nets ({', '.join(ACTIVATIONS)}), hidden {len(SIZES) - 2}×"
          f"{SIZES[1]}, input {SIZES[0]}, {SIZES[-1]} classes, batch {BATCH}, "
          f"{args.steps} SGD steps, grad norms every {RECORD_EVERY}; torch "
          f"{torch.__version__}, {torch.get_num_threads()} thread(s)")
    loss_diff, grad_diff, ok = check_same(args.steps)
    print(f"same results (float64): max |loss difference| {loss_diff:.1e} over "
          f"{args.steps} steps × {len(ACTIVATIONS)} nets, grad-norm records max relative "
          f"difference {grad_diff:.1e}: {'OK' if ok else 'MISMATCH'}")

    for way in ("batched", "sequential"):      # warm-up: allocator, kernels, lazy imports
        time_once(way, x, y, min(args.steps, 2 * RECORD_EVERY))
    times: dict[str, list[float]] = {"batched": [], "sequential": []}
    traces: dict[str, Trace] = {}
    for _ in range(args.repeats):
        for way in times:                        # interleaved: load drift hits both alike
            seconds, traces[way] = time_once(way, x, y, args.steps)
            times[way].append(seconds)
    print(f"float32 timed runs: max |loss difference| "
          f"{max_abs_diff(traces['batched'].losses, traces['sequential'].losses):.1e} "
          f"(rounding; see LOSS_TOL's comment)")

    med = {way: statistics.median(ts) for way, ts in times.items()}
    for way, label in (("batched", "batched  (1 BatchedMLP, baddbmm)"),
                       ("sequential", f"sequential ({len(ACTIVATIONS)} × nn.Sequential)")):
        runs = ", ".join(f"{t:.3f}" for t in times[way])
        print(f"{label:<34} median {med[way]:.3f} s = {1e3 * med[way] / args.steps:.2f} "
              f"ms/step  (runs: {runs})")
    print(f"speed ratio sequential ÷ batched: {med['sequential'] / med['batched']:.2f}× "
          f"(median); {min(times['sequential']) / min(times['batched']):.2f}× (best runs)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
