"""What repeats cost: each lesson page's default config with 1 and with 3 seeds, the
current tree against the tree at git revision `--base` (where a repeat shared its seed's
data and batches).

    python bench/seeds_cost.py [--repeats 2] [--base HEAD] [--pages gradient_flow,...]
                               [--clock wall|cpu]

Why: repeat k of a run with seed s is the run with seed s + k alone (vgcore.repeats), yet
the MLP kind still trains every seed as members of one batched model, so 3 seeds should
cost far less than 3 runs. Lesson 8 (how_fixed) is its page's runs together (the plain
net and every cure, vgcore.workshop.cures.cure_runs); through_time is the recurrent kind.
Each tree runs in its own worker process (one torch thread, as the app runs), one
warm-up per config, then `--repeats` interleaved rounds; it prints the best run of each
and the ratios 3 seeds ÷ 1 seed. It never asserts a time. `--clock cpu` times the
worker's CPU time instead of the wall clock: on a machine shared with other work it
counts less of the others' load (the runs are single-threaded).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.trees import Worker, base_tree  # noqa: E402

# The worker: reads one JSON list of [kind, config] per line, trains them, answers seconds.
WORKER = r"""
import json, sys, time
from vgcore.kinds import KINDS
from vgcore.runs import run_config
clock = getattr(time, sys.argv[1])
for line in sys.stdin:
    jobs = [KINDS[kind].config.from_dict(cfg) for kind, cfg in json.loads(line)]
    started = clock()
    for config in jobs:
        run_config(config)
    print(clock() - started, flush=True)
"""
CLOCKS = {"wall": "perf_counter", "cpu": "process_time"}


def page_jobs(pages: list[str] | None, n_seeds: int) -> dict[str, list]:
    """Each page's default config (lesson 8: all its runs) at `n_seeds` seeds, as
    [kind, config dict] pairs."""
    from vgcore.kinds import kind_of
    from vgcore.workshop.experiments import PAGE_EXPERIMENTS
    out = {}
    for page, exp in PAGE_EXPERIMENTS.items():
        if pages and page not in pages:
            continue
        configs = exp.configs() if page == "how_fixed" else [exp.config]
        out[page] = [[kind_of(c).name, c.replace(n_seeds=n_seeds).to_dict()]
                     for c in configs]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--base", default="HEAD", help="git revision to compare against")
    parser.add_argument("--pages", default="", help="comma list (default: every page)")
    parser.add_argument("--clock", choices=CLOCKS, default="wall",
                        help="wall clock or the worker's CPU time")
    args = parser.parse_args(argv)
    pages = [p for p in args.pages.split(",") if p] or None
    jobs = {n: page_jobs(pages, n) for n in (1, 3)}
    variants = [(tree, n) for tree in ("old", "new") for n in (1, 3)]
    best = {(page, v): float("inf") for page in jobs[1] for v in variants}
    with tempfile.TemporaryDirectory() as tmp:
        worker = WORKER.replace("sys.argv[1]", repr(CLOCKS[args.clock]))
        workers = {"old": Worker(base_tree(args.base, Path(tmp)), worker),
                   "new": Worker(ROOT, worker)}
        try:
            started = time.perf_counter()
            for round_ in range(args.repeats + 1):          # round 0: the warm-up
                for page in jobs[1]:
                    for tree, n in variants:
                        took = float(workers[tree].ask(jobs[n][page]))
                        if round_:
                            best[page, (tree, n)] = min(best[page, (tree, n)], took)
        finally:
            for w in workers.values():
                w.close()
    print(f"best of {args.repeats} interleaved runs (one torch thread, {args.clock} time); "
          f"{time.perf_counter() - started:.0f} s in all; old = {args.base}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'page':<15}{'old 1 s':>9}{'old 3 s':>9}{'3÷1':>7}{'new 1 s':>9}{'new 3 s':>9}"
          f"{'3÷1':>7}{'new1÷old1':>11}")
    for page in jobs[1]:
        o1, o3 = best[page, ("old", 1)], best[page, ("old", 3)]
        n1, n3 = best[page, ("new", 1)], best[page, ("new", 3)]
        print(f"{page:<15}{o1:9.2f}{o3:9.2f}{o3 / o1:6.2f}×{n1:9.2f}{n3:9.2f}"
              f"{n3 / n1:6.2f}×{n1 / o1:10.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
