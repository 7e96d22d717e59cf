"""Peak RSS of a real app server after one visitor opens every page once, each lesson
training its defaults (cold result store: one training running at a time).

    python bench/memory_pages.py [--pages home,gradient_flow,...] [--store memory]

Starts `streamlit run streamlit_app.py` headless (tests/browser_util.StreamlitServer) with
an empty result store, opens each page of app/catalog.PAGES in chromium and waits until
its script run (training included) has finished, then prints the server's resident set
(VmRSS) and high-water mark (VmHWM) after each page, and once more after a pause at the
end (what training handed back). Community Cloud's smallest box has 690 MB = 658 MiB.
Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.catalog import PAGES  # noqa: E402
from tests.browser_util import (CHROMIUM, CHROMIUM_ARGS, StreamlitServer,  # noqa: E402
                                _status_kb, wait_until_finished)


def mib(kb: int) -> str:
    return f"{kb / 1024:5.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=",".join(p.url_path for p in PAGES),
                        help="comma-separated url paths (default: every page)")
    parser.add_argument("--store", default="", help="VGLAB_STORE (default: disk, empty)")
    parser.add_argument("--pause", type=float, default=5.0,
                        help="seconds to wait after the last page before the final figure")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="vglab-mem-") as tmp:
        env = {"VGLAB_STORE": args.store} if args.store else None
        server = StreamlitServer(Path(tmp) / "cache", Path(tmp) / "server.log", env=env)
        pid = server.proc.pid
        try:
            server.wait_healthy()
            print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
                  f"server up: VmRSS {mib(_status_kb(pid, 'VmRSS'))}")
            print(f"{'page':<16}{'seconds':>8}{'VmRSS':>10}{'VmHWM':>10}")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
                page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
                page.set_default_timeout(120_000)
                for path in args.pages.split(","):
                    page.goto(f"{server.url}/{path}")
                    seconds = wait_until_finished(page, timeout_s=300)
                    print(f"{path:<16}{seconds:8.1f}{mib(_status_kb(pid, 'VmRSS')):>10}"
                          f"{mib(_status_kb(pid, 'VmHWM')):>10}", flush=True)
                browser.close()
            time.sleep(args.pause)
            print(f"after {args.pause:.0f} s idle: VmRSS {mib(_status_kb(pid, 'VmRSS'))}; "
                  f"peak (VmHWM) {mib(_status_kb(pid, 'VmHWM'))}; load average "
                  f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
