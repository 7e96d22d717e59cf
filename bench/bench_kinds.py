"""Every page's default run through the kinds interface vs the code before it.

    python bench/bench_kinds.py [--repeats 3] [--base 4d8f0c9] [--pages gradient_flow,...]

Why: the MLP and the recurrent lesson now train through one interface (vgcore.kinds,
vgcore.runs.run_config) and the recurrent kind is a package; the numbers must not change
and no page's default run may get slower (the aim: within 3%). For each lesson page's
default config, of either kind (vgcore.workshop.experiments.PAGE_EXPERIMENTS), this
trains it with `vgcore.runs.run_config` in the current tree and in the tree at git
revision `--base` (`git archive` of its vgcore/ into a temporary folder; the checkout is
not touched), each tree in its own long-lived worker (imports and warm-up paid once, one
torch thread as the app runs), one warm-up run per config, then `--repeats` rounds
interleaved page by page. It prints the best time of each, the ratio, and whether the
history and per-layer (or per-step) frames are the same to the last bit (SHA-256 of
their CSV with every float's shortest repr). It never asserts a time.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.trees import Worker, base_tree  # noqa: E402

# The worker: one {"kind", "config"} per line; answers seconds and the frames' digest.
WORKER = r"""
import hashlib, json, sys, time
from vgcore import ExperimentConfig
from vgcore.recurrent import RecurrentConfig
from vgcore.runs import run_config
CLASSES = {"mlp": ExperimentConfig, "recurrent": RecurrentConfig}
for line in sys.stdin:
    job = json.loads(line)
    config = CLASSES[job["kind"]].from_dict(job["config"])
    started = time.perf_counter()
    result = run_config(config, threads=1)
    took = time.perf_counter() - started
    second = result.layers if job["kind"] == "mlp" else result.time_grads
    digest = hashlib.sha256((result.history.to_csv(index=False, float_format=repr)
                             + second.to_csv(index=False, float_format=repr)).encode())
    print(json.dumps([took, digest.hexdigest()]), flush=True)
"""


def page_jobs(pages: list[str] | None) -> dict[str, dict]:
    """Each lesson page's default config with its kind's name."""
    from vgcore.kinds import kind_of
    from vgcore.workshop.experiments import PAGE_EXPERIMENTS
    return {page: {"kind": kind_of(exp.config).name, "config": exp.config.to_dict()}
            for page, exp in PAGE_EXPERIMENTS.items() if not pages or page in pages}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--base", default="4d8f0c9",
                        help="git revision to compare against (default: the code before "
                             "the kinds interface)")
    parser.add_argument("--pages", default="", help="comma list (default: every page)")
    args = parser.parse_args(argv)
    jobs = page_jobs([p for p in args.pages.split(",") if p] or None)
    best = {(page, tree): float("inf") for page in jobs for tree in ("old", "new")}
    digests: dict[tuple[str, str], str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workers = {"old": Worker(base_tree(args.base, Path(tmp)), WORKER),
                   "new": Worker(ROOT, WORKER)}
        started = time.perf_counter()
        try:
            for round_ in range(args.repeats + 1):      # round 0 is the warm-up
                for page, job in jobs.items():
                    for tree, worker in workers.items():
                        took, digests[page, tree] = worker.ask(job)
                        if round_:
                            best[page, tree] = min(best[page, tree], took)
        finally:
            for worker in workers.values():
                worker.close()
    print(f"best of {args.repeats} interleaved runs (one torch thread); "
          f"{time.perf_counter() - started:.0f} s in all; old = {args.base}, new = this "
          f"checkout")
    print(f"{'page':<15}{'kind':<11}{'old s':>8}{'new s':>8}{'new/old':>9}  same numbers")
    for page, job in jobs.items():
        o, n = best[page, "old"], best[page, "new"]
        same = "yes" if digests[page, "old"] == digests[page, "new"] else "NO"
        print(f"{page:<15}{job['kind']:<11}{o:8.2f}{n:8.2f}{n / o:8.3f}×  {same}")
    o, n = (sum(best[p, t] for p in jobs) for t in ("old", "new"))
    print(f"{'all pages':<26}{o:8.2f}{n:8.2f}{n / o:8.3f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
