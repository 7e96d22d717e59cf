"""Warm pages: the server time of a page whose result is already stored.

    python bench/warm_pages.py                     # every page in the catalog
    python bench/warm_pages.py gradient_flow exploding

Streamlit's AppTest, in this one process, on the `memory` store: each page is opened once
at its defaults (it trains, or reads, its result and draws it), then opened again 3 times
by a fresh AppTest (a new visitor) and its script run timed; the median is printed. A
"control change" row moves one control whose result is stored (the network picture's
epoch, the histograms' epoch, ...) and times the rerun, 3 fresh visitors again: the first
visitor to ask for those settings draws them, the others are served what it drew. Each
run is given as wall-clock seconds and as the CPU seconds this process spent in it (on a
loaded machine the wall clock waits for other processes; the CPU time does not). Prints
the load average beside the figures; asserts nothing.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ["VGLAB_STORE"] = "memory"

from streamlit.testing.v1 import AppTest  # noqa: E402

from app.catalog import PAGES  # noqa: E402

APP = str(ROOT / "streamlit_app.py")
TIMEOUT = 600
REPEATS = 3


def _second(at: AppTest, key: str) -> None:
    """Move the select slider `key` to its second option (a stored result's other epoch)."""
    w = next(w for w in at.select_slider if w.key == key)
    w.set_value(w.options[1] if w.value != w.options[1] else w.options[0])


# Per page, one control whose result is stored: a new view of the same numbers.
CHANGES: dict[str, tuple[str, Callable[[AppTest], None]]] = {
    "activations": ("chain depth 20", lambda at: next(
        w for w in at.slider if w.key == "chain_depth").set_value(20)),
    "gradient_flow": ("picture's next epoch", lambda at: _second(at, "net_epoch_shown")),
    "inside_layers": ("histograms' next epoch", lambda at: _second(at, "hist_epoch")),
    "through_time": ("compare another epoch", lambda at: _second(at, "time_epoch")),
}


def visit(path: str, change: Callable[[AppTest], None] | None = None
          ) -> tuple[float, float]:
    """A new visitor opens the page (and moves `change`'s control): wall-clock and CPU
    seconds of the last script run."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(path)
    if change is not None:
        at.run()
        change(at)
    start, cpu = time.perf_counter(), time.process_time()
    at.run()
    took = time.perf_counter() - start, time.process_time() - cpu
    if at.exception:
        raise RuntimeError(f"{path}: {[e.value for e in at.exception]}")
    return took


def main(argv: list[str]) -> int:
    pages = [p for p in PAGES if not argv or Path(p.path).stem in argv]
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'page':<30} {'first (s)':>9} {'warm wall (s)':>13} {'warm CPU (s)':>12}"
          f"  runs (wall/CPU)")

    def row(name: str, first: str, runs: list[tuple[float, float]]) -> None:
        wall = statistics.median(t for t, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"{name:<30} {first:>9} {wall:>13.3f} {cpu:>12.3f}  "
              + " ".join(f"{t:.3f}/{c:.3f}" for t, c in runs), flush=True)

    for spec in pages:
        name = Path(spec.path).stem
        cold, _ = visit(spec.path)
        row(name, f"{cold:.2f}", [visit(spec.path) for _ in range(REPEATS)])
        if name in CHANGES:
            label, change = CHANGES[name]
            row(f"  + {label}", "", [visit(spec.path, change) for _ in range(REPEATS)])
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
