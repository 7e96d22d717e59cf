"""Cold vs warm page, and a server restart with a warm store.

    python bench/cold_warm.py                      # the Gradient flow lesson, 3 visits
    python bench/cold_warm.py --page loss_curves

Starts `streamlit run streamlit_app.py` on 127.0.0.1 with the default disk store in a
fresh temporary folder (tests/browser_util.StreamlitServer), and times, in one headless
chromium, the lesson page with its default experiment from `goto` to "script finished"
(the browser suite's IDLE_JS):

1. first visit: the store is empty, the server trains the run;
2. second visit, a new browser session: the result comes from the store;
3. the server is stopped and a new one started on the same store (a Community Cloud app
   waking up, a redeploy): the first visit after the restart.

Each server's first script run imports torch, pandas and altair, so the home page (which
trains nothing) is visited first and timed apart.

It also prints the server's start-up time (to a healthy /_stcore/health) and the store's
size on disk. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser_util import (CHROMIUM, CHROMIUM_ARGS, StreamlitServer,  # noqa: E402
                                wait_until_finished)


def visit(browser, url: str, timeout_s: float) -> float:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    try:
        page = context.new_page()
        start = time.monotonic()
        page.goto(url)
        wait_until_finished(page, timeout_s)
        return time.monotonic() - start
    finally:
        context.close()


def folder_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--page", default="gradient_flow")
    ap.add_argument("--timeout", type=float, default=180)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory(prefix="vglab-coldwarm-") as tmp:
        work = Path(tmp)
        cache = work / "vgcore-cache"
        times: dict[str, float] = {}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)
            for round_ in (1, 2):
                t0 = time.monotonic()
                server = StreamlitServer(cache_dir=cache, log_path=work / f"s{round_}.log")
                try:
                    server.wait_healthy()
                    times[f"server start {round_}"] = time.monotonic() - t0
                    url = f"{server.url}/{args.page}"
                    # A new server process imports torch, pandas, altair... on its first
                    # script run: time that apart, on the home page (it trains nothing).
                    times[f"home page, first of server {round_} (imports)"] = visit(
                        browser, server.url, args.timeout)
                    if round_ == 1:
                        times["first visit (trains)"] = visit(browser, url, args.timeout)
                        times["second visit (from the store)"] = visit(browser, url,
                                                                       args.timeout)
                    else:
                        times["first visit after a restart (store on disk)"] = visit(
                            browser, url, args.timeout)
                finally:
                    server.stop()
            browser.close()
        store = cache / "results"
        for name, value in times.items():
            print(f"{name:<46} {value:6.1f} s")
        print(f"{'store on disk':<46} {folder_mib(store):6.1f} MiB ({store})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
