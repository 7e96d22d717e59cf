"""RSS of one process after many distinct runs kept in the app's bounded result cache.

    python bench/memory_after_runs.py --runs 100

Trains `--runs` distinct small configs (different seeds and widths), puts each result in
`vgcore.store.MemoryStore` (the LRU the app shares across sessions with
VGLAB_STORE=memory, MEMORY_ENTRIES long)
and prints the resident set size every 10 runs: it should level off once the cache is
full. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vgcore.store import MEMORY_ENTRIES, MemoryStore  # noqa: E402
from vgcore import ExperimentConfig, run  # noqa: E402


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    store = MemoryStore(MEMORY_ENTRIES)
    base = ExperimentConfig(dataset="digits", train_size=500, test_size=200, epochs=5,
                            hidden=(30, 30, 30))
    start = rss_mib()
    print(f"start: {start:.0f} MiB (the store holds {MEMORY_ENTRIES} results)")
    for i in range(args.runs):
        cfg = base.replace(seed=i, hidden=(20 + i % 20,) * 3)
        store.put(cfg, run(cfg))
        if (i + 1) % 10 == 0:
            print(f"after {i + 1:4d} runs: {rss_mib():.0f} MiB, {len(store)} cached")
    print(f"growth over {args.runs} runs: {rss_mib() - start:+.0f} MiB")


if __name__ == "__main__":
    main()
