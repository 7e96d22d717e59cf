"""The plain path after the cures (batch norm, residuals, pretraining) vs the code at HEAD.

    python bench/bench_cures.py [--repeats 3] [--base HEAD] [--pages gradient_flow,...]
                                [--new FOLDER]

Why: `norm`, `residual` and `pretrain_epochs` add branches to the model's forward pass
and to the training loop. A run that uses none of them (every existing page) must not get
slower. This times each lesson page's default config (vgcore.workshop.experiments
PAGE_EXPERIMENTS, those the old code can build) with `vgcore.run`:

- plain, the current tree against the tree at git revision `--base` (HEAD by default:
  `git archive` of its vgcore/ into a temporary folder, nothing in the checkout changes);
- the current tree with norm="batch", and with residual=True, relative to plain.

`--new FOLDER` times another tree (a folder holding vgcore/) instead of the checkout:
e.g. HEAD plus one change only, to tell it from other work in the same checkout.

Each tree runs in its own long-lived worker process (imports, data and torch's warm-up
paid once, one torch thread as the app runs), one warm-up run per config, then
`--repeats` rounds interleaved (old, new, batch norm, residual for each page, page after
page), so a busy machine slows every variant alike. It prints the best run of each and
the ratios. It never asserts a time.
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

# The worker: reads one JSON config per line, trains it, answers the seconds it took.
WORKER = r"""
import json, sys, time
from vgcore import ExperimentConfig, run
for line in sys.stdin:
    config = ExperimentConfig.from_dict(json.loads(line))
    started = time.perf_counter()
    run(config)
    print(time.perf_counter() - started, flush=True)
"""


def page_configs(pages: list[str] | None) -> dict[str, dict]:
    """Each page's default config as a dict the old code also reads: the new fields are at
    their defaults there, so leaving them out means the same run."""
    from vgcore.config import FIELDS, ExperimentConfig
    from vgcore.workshop.experiments import PAGE_EXPERIMENTS
    new_fields = ("norm", "residual", "pretrain_epochs")
    out = {}
    for page, exp in PAGE_EXPERIMENTS.items():
        cfg = exp.config
        if not isinstance(cfg, ExperimentConfig) or (pages and page not in pages):
            continue
        if any(getattr(cfg, f) != ExperimentConfig.__dataclass_fields__[f].default
               for f in new_fields):
            continue            # a page built on the cures: the old code cannot run it
        out[page] = {k: v for k, v in cfg.to_dict().items() if k not in new_fields}
    assert set(FIELDS) >= set(new_fields)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--base", default="HEAD", help="git revision to compare against")
    parser.add_argument("--pages", default="", help="comma list (default: every page)")
    parser.add_argument("--new", default=str(ROOT),
                        help="folder holding the vgcore/ to time as new (default: this "
                             "checkout)")
    args = parser.parse_args(argv)
    configs = page_configs([p for p in args.pages.split(",") if p] or None)
    variants = ("old", "new", "batch norm", "residual")
    best = {(page, v): float("inf") for page in configs for v in variants}
    with tempfile.TemporaryDirectory() as tmp:
        old = Worker(base_tree(args.base, Path(tmp)), WORKER)
        new = Worker(Path(args.new), WORKER)
        try:
            def timed(page: str, variant: str) -> float:
                cfg = dict(configs[page])
                if variant == "batch norm":
                    cfg["norm"] = "batch"
                elif variant == "residual":
                    cfg["residual"] = True
                return float((old if variant == "old" else new).ask(cfg))
            started = time.perf_counter()
            for page in configs:                       # warm-up: data, allocator, caches
                for variant in variants:
                    timed(page, variant)
            for _ in range(args.repeats):
                for page in configs:
                    for variant in variants:
                        best[page, variant] = min(best[page, variant], timed(page, variant))
        finally:
            old.close()
            new.close()
    print(f"best of {args.repeats} interleaved runs per variant (one torch thread); "
          f"{time.perf_counter() - started:.0f} s in all; old = {args.base}, new = "
          f"{args.new}")
    header = (f"{'page':<15}{'old s':>8}{'new s':>8}{'new/old':>9}   "
              f"{'batch norm s':>13}{'÷ plain':>8}{'residual s':>12}{'÷ plain':>8}")
    print(header)
    for page in configs:
        o, n = best[page, "old"], best[page, "new"]
        b, r = best[page, "batch norm"], best[page, "residual"]
        print(f"{page:<15}{o:8.2f}{n:8.2f}{n / o:8.3f}×   {b:13.2f}{b / n:7.2f}×"
              f"{r:12.2f}{r / n:7.2f}×")
    total = {v: sum(best[p, v] for p in configs) for v in variants}
    print(f"{'all pages':<15}{total['old']:8.2f}{total['new']:8.2f}"
          f"{total['new'] / total['old']:8.3f}×   {total['batch norm']:13.2f}"
          f"{total['batch norm'] / total['new']:7.2f}×{total['residual']:12.2f}"
          f"{total['residual'] / total['new']:7.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
