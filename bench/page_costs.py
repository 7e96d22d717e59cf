"""What each page costs the server, and what a training step costs against plain PyTorch
and Nielsen's network2.py: the figures of "fast for a room" (bench/README.md).

    python bench/page_costs.py                        # every page, then the step ratios
    python bench/page_costs.py gradient_flow how_fixed
    python bench/page_costs.py --steps-only           # only the per-step ratios
    python bench/page_costs.py --no-steps
    python bench/page_costs.py how_fixed through_time --link n_seeds=1 --no-steps

Pages: Streamlit's AppTest in this one process on the `memory` store, as a server runs
them (the runner's two trainers included). Per page:

- cold: the store emptied, a first visitor opens the page at its defaults and waits until
  every run it asks for is trained and drawn (wall clock, and this process's CPU seconds:
  two trainers can spend up to twice the wall clock);
- warm: 3 more new visitors, the median of their script runs (a stored result), and for
  the pages in warm_pages.CHANGES one control whose result is stored moved;
- bytes: what the page's elements weigh as sent (the protobuf of every element of a warm
  visit: charts with their data, tables, text; before the websocket's compression);
- peak RSS: this process's VmHWM after the page's cold visit (every page before it
  included, as on a server that has shown them all).

Steps: lesson 8's plain net (784-30×10-10 sigmoid, batch 10, η 0.1, MNIST-like digits
of the lesson's own data) trained for the same steps, one thread, best of --repeats:

- vgcore: a training step as `vgcore.run` takes it (the loop of `_Training.train_epoch`,
  timed around each epoch's steps: no evaluation or probe) and the whole run per step
  (its evaluation and probes after every epoch included);
- a bare `nn.Sequential` with torch.optim.SGD and cross-entropy on the same batches;
- network2.py (Nielsen's, ported from Python 2 as it is: per-sample backprop in numpy);
- four activations as one run against one net (vgcore's batched model);
- lesson 8's four nets of one shape (plain, normalised init, ReLU, clipping) as one run
  (vgcore.train.run_many) against one after another.

Ratios are of figures measured in this one run; the load average is printed beside them.
It never asserts a time.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ["VGLAB_STORE"] = "memory"

from vgcore.config import layer_sizes  # noqa: E402

REPEATS = 3


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------
def _sent_bytes(at) -> int:
    """The protobuf bytes of every element on the page (what the server sends for it)."""
    total, todo = 0, [at._tree]
    while todo:
        node = todo.pop()
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ByteSize"):
            total += proto.ByteSize()
        children = getattr(node, "children", None) or {}
        todo.extend(children.values() if isinstance(children, dict) else children)
    return total


def pages(names: list[str], link: dict[str, str]) -> None:
    from streamlit.testing.v1 import AppTest

    from app import runner
    from app.catalog import PAGES
    from bench.warm_pages import APP, CHANGES, TIMEOUT, visit

    def fresh_visit(path: str):
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.query_params.update(link)        # a link's settings (the home page keeps them)
        at.run()
        at.switch_page(path)
        start, cpu = time.perf_counter(), time.process_time()
        at.run()
        if at.exception:
            raise RuntimeError(f"{path}: {[e.value for e in at.exception]}")
        return at, time.perf_counter() - start, time.process_time() - cpu

    settings = f", link ?{'&'.join(f'{k}={v}' for k, v in link.items())}" if link else ""
    print(f"\n## Pages (AppTest, memory store, {REPEATS} warm visitors{settings}; load "
          f"average {_load()})\n")
    print("| page | cold wall | cold CPU | warm wall | warm CPU | bytes | peak RSS |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for spec in PAGES:
        name = Path(spec.path).stem
        if names and name not in names:
            continue
        runner.forget_results()
        _, cold, cold_cpu = fresh_visit(spec.path)
        peak = _peak_rss_mib()
        warm = [fresh_visit(spec.path) for _ in range(REPEATS)]
        wall = statistics.median(t for _, t, _ in warm)
        cpu = statistics.median(c for _, _, c in warm)
        sent = _sent_bytes(warm[-1][0])
        print(f"| {name} | {cold:.2f} s | {cold_cpu:.2f} s | {wall:.3f} s | {cpu:.3f} s | "
              f"{sent / 1000:.0f} kB | {peak:.0f} MiB |", flush=True)
        if name in CHANGES and not link:
            label, change = CHANGES[name]
            moved = [visit(spec.path, change) for _ in range(REPEATS)]
            print(f"| + {label} | | | {statistics.median(t for t, _ in moved):.3f} s | "
                  f"{statistics.median(c for _, c in moved):.3f} s | | |", flush=True)
    print(f"\nload average after the pages: {_load()}")


# ---------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------
def _lesson_config(epochs: int):
    from vgcore.workshop.experiments import HOW_FIXED_CONFIG
    return HOW_FIXED_CONFIG.replace(epochs=epochs, n_seeds=1)


def _vgcore_times(config) -> tuple[float, float, int]:
    """(seconds in training steps, seconds of the whole run, steps) of `vgcore.run`."""
    from vgcore import train as train_mod
    spent = [0.0]
    original = train_mod._Training.train_epoch

    def timed(self) -> None:
        start = time.perf_counter()
        original(self)
        spent[0] += time.perf_counter() - start
    train_mod._Training.train_epoch = timed
    try:
        start = time.perf_counter()
        train_mod.run(config, threads=1)
        whole = time.perf_counter() - start
    finally:
        train_mod._Training.train_epoch = original
    steps = -(-config.train_size // config.batch_size) * config.epochs
    return spent[0], whole, steps


def _batches(config):
    """The lesson's data as float32 tensors, and one epoch order per epoch."""
    from vgcore import data as data_mod
    ds = data_mod.load_for(config, seed=config.seed)
    x, y = torch.from_numpy(ds.x_train), torch.from_numpy(ds.y_train)
    gen = torch.Generator().manual_seed(config.seed)
    orders = [torch.randperm(len(x), generator=gen) for _ in range(config.epochs)]
    return x, y, orders


def _sequential_time(config) -> float:
    """Seconds of the same steps by a bare nn.Sequential (PyTorch's default init)."""
    from torch import nn
    torch.manual_seed(0)
    sizes = layer_sizes(config)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.Sigmoid())
    net = nn.Sequential(*layers)
    opt = torch.optim.SGD(net.parameters(), lr=config.lr)
    loss_fn = nn.CrossEntropyLoss()
    x, y, orders = _batches(config)
    start = time.perf_counter()
    for order in orders:
        for idx in order.split(config.batch_size):
            opt.zero_grad()
            loss_fn(net(x[idx]), y[idx]).backward()
            opt.step()
    return time.perf_counter() - start


def _network2_time(config) -> float:
    """Seconds of the same steps by network2.py's update_mini_batch and backprop
    (Nielsen's code, MIT licence, ported from Python 2 unchanged in what it computes:
    column vectors, one backprop per sample, cross-entropy's output delta a - y)."""
    rng = np.random.default_rng(0)
    sizes = list(layer_sizes(config))
    biases = [rng.standard_normal((n, 1)) for n in sizes[1:]]
    weights = [rng.standard_normal((n, m)) / np.sqrt(m) for m, n in zip(sizes[:-1], sizes[1:])]
    x, y, orders = _batches(config)
    xs = [v.reshape(-1, 1) for v in x.double().numpy()]
    ys = [np.eye(sizes[-1])[int(k)].reshape(-1, 1) for k in y]

    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    def backprop(a, target):
        nabla_b = [np.zeros(b.shape) for b in biases]
        nabla_w = [np.zeros(w.shape) for w in weights]
        activations, zs = [a], []
        for b, w in zip(biases, weights):
            z = np.dot(w, a) + b
            zs.append(z)
            a = sigmoid(z)
            activations.append(a)
        delta = activations[-1] - target
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for layer in range(2, len(sizes)):
            sp = sigmoid(zs[-layer]) * (1 - sigmoid(zs[-layer]))
            delta = np.dot(weights[-layer + 1].transpose(), delta) * sp
            nabla_b[-layer] = delta
            nabla_w[-layer] = np.dot(delta, activations[-layer - 1].transpose())
        return nabla_b, nabla_w

    start = time.perf_counter()
    for order in orders:
        for idx in order.split(config.batch_size):
            nabla_b = [np.zeros(b.shape) for b in biases]
            nabla_w = [np.zeros(w.shape) for w in weights]
            for i in idx.tolist():
                db, dw = backprop(xs[i], ys[i])
                nabla_b = [nb + d for nb, d in zip(nabla_b, db)]
                nabla_w = [nw + d for nw, d in zip(nabla_w, dw)]
            eta = config.lr / len(idx)
            weights[:] = [w - eta * nw for w, nw in zip(weights, nabla_w)]
            biases[:] = [b - eta * nb for b, nb in zip(biases, nabla_b)]
    return time.perf_counter() - start


def _run_many_time(configs) -> float:
    from vgcore.train import run_many
    start = time.perf_counter()
    run_many(configs, threads=1)
    return time.perf_counter() - start


def _run_time(config) -> float:
    from vgcore import run
    start = time.perf_counter()
    run(config, threads=1)
    return time.perf_counter() - start


def steps(repeats: int, epochs: int) -> None:
    from vgcore.workshop.cures import cure_runs
    torch.set_num_threads(1)
    config = _lesson_config(epochs)
    four = config.replace(activations=("sigmoid", "tanh", "relu", "leaky_relu"))
    shape = list(cure_runs(config, ("normalised_init", "relu", "clipping")).values())
    _vgcore_times(config.replace(epochs=1))          # imports, data and torch warmed up
    best: dict[str, float] = {}

    def keep(name: str, seconds: float) -> None:
        best[name] = min(best.get(name, float("inf")), seconds)
    for _ in range(repeats):        # interleaved, so a busy spell slows every one alike
        in_steps, whole, n_steps = _vgcore_times(config)
        keep("vgcore steps", in_steps)
        keep("vgcore whole run", whole)
        keep("nn.Sequential", _sequential_time(config))
        keep("network2.py", _network2_time(config))
        keep("4 activations, one run", _run_time(four))
        keep("4 nets of one shape, one run", _run_many_time(shape))
        keep("4 nets of one shape, one by one", sum(_run_time(c) for c in shape))
    ms = {name: 1000 * s / n_steps for name, s in best.items()}
    print(f"\n## Steps: lesson 8's plain net, {n_steps} steps ({epochs} epochs × "
          f"{n_steps // epochs}), one thread, best of {repeats} (load average {_load()})\n")
    print("| what | ms per step | ratio |")
    print("| --- | ---: | ---: |")
    rows = [
        ("vgcore, training steps", "vgcore steps", "nn.Sequential", "÷ nn.Sequential"),
        ("vgcore, whole run (evaluation and probes too)", "vgcore whole run",
         "nn.Sequential", "÷ nn.Sequential"),
        ("bare nn.Sequential", "nn.Sequential", None, ""),
        ("network2.py (numpy, per sample)", "network2.py", "vgcore steps",
         "÷ vgcore's steps"),
        ("4 activations as one run (whole run)", "4 activations, one run",
         "vgcore whole run", "÷ one net"),
        ("lesson 8's 4 nets of one shape as one run", "4 nets of one shape, one run",
         "vgcore whole run", "÷ one net"),
        ("the same 4 nets one by one", "4 nets of one shape, one by one",
         "4 nets of one shape, one run", "÷ as one run"),
    ]
    for label, name, against, words in rows:
        ratio = f"{best[name] / best[against]:.2f}× {words}" if against else ""
        print(f"| {label} | {ms[name]:.3f} | {ratio} |")
    print(f"\nload average after the steps: {_load()}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pages", nargs="*", help="page names (default: every page)")
    parser.add_argument("--steps-only", action="store_true")
    parser.add_argument("--no-steps", action="store_true")
    parser.add_argument("--link", action="append", default=[], metavar="NAME=VALUE",
                        help="open every page with this link parameter (e.g. n_seeds=1)")
    parser.add_argument("--repeats", type=int, default=3, help="step timings (1-20)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs of a step timing "
                                                              "(1-20)")
    args = parser.parse_args(argv)
    for name, value in (("repeats", args.repeats), ("epochs", args.epochs)):
        if not 1 <= value <= 20:
            parser.error(f"--{name}: {value} is outside 1-20")
    link = {}
    for item in args.link:
        name, sep, value = item.partition("=")
        if not sep or not name:
            parser.error(f"--link: {item!r} is not NAME=VALUE")
        link[name] = value
    print(f"load average before: {_load()}; {os.cpu_count()} CPUs; torch "
          f"{torch.__version__}")
    if not args.steps_only:
        pages(args.pages, link)
    if not args.no_steps:
        steps(args.repeats, args.epochs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
