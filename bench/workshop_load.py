"""A workshop: 30 learners on one server, each changing a control a few times.

    python bench/workshop_load.py                       # 30 sessions, 3 changes each
    python bench/workshop_load.py --flooder             # plus one careless learner
    python bench/workshop_load.py --sessions 10 --changes 2 --timeout 120

Starts `streamlit run streamlit_app.py` on 127.0.0.1 (tests/browser_util.StreamlitServer,
a fresh VGCORE_CACHE in a temporary folder: no stored result, no cached data set; the
server's default of 2 trainers) and one headless Debian chromium, and opens N browser
contexts -- N Streamlit sessions (Playwright's async API), one every --ramp / N s (the
room opening the link the leader gave; --ramp 0: all at once). Learner i opens
`/<page>?seed=<1000+50i>&epochs=<2 + i mod 3>&depth=<2 + i mod 4>` and then, one after
another, makes --changes changes with the page's own widgets: odd changes type the next
seed into the Seed box (+1, Enter), even ones press → on the Epochs slider (+1). Every
link and every change is a config the store has not seen, so each one is a training
(~0.5-2 s alone on one core). After each change the learner waits for its result: a
script run has begun since the key press (a MutationObserver counts the app root's run
state turning "running"), it has ended (IDLE_JS: not running, no progress bar, for
QUIET_S), the result is on the page (the speed sentences on Gradient flow, the summary
table on Loss curves), and the link shows the new seed, epochs and depth. Then it thinks
for --think s (± half) and changes the next control. A change that fails (no result
within --timeout, an error on the page) ends that learner's session.

With --flooder one more session types a new seed into its Seed box every 0.5 s without
waiting for anything (a careless learner), until every learner is done; then it waits for
its last result.

Recorded: per change, the time from the key press to the first moment the page was idle
with the result shown (the quiet period that follows is not counted); whether it showed
"Waiting for a free trainer" meanwhile; per session, its longest single wait. Printed:
sessions, changes done / failed, p50 / p95 / max time to a result (opening link apart),
the longest wait of any session, the health latency (a thread GETs /_stcore/health every
0.5 s, bench/load_test.HealthProbe), trainings counted by the store (read after the
server stopped), the server's peak RSS, tracebacks in the server log, wall time, load
average before and after. The first page seen waiting for a trainer is photographed (its
viewport, 1400 × 900) to --shot (default /tmp/shots/workshop_wait.png; '' for none).

A bench: it prints figures and asserts nothing about speed. Exit status 1 only when the
harness itself failed (no server, no browser, an overall deadline passed). Every wait is
bounded, the server listens on loopback only, and the server and the browser are stopped
on the way out.
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import math
import os
import random
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load_test import PROBE_EVERY_S, HealthProbe  # noqa: E402
from tests.browser_util import (CHROMIUM, CHROMIUM_ARGS, IDLE_JS, MAIN, QUIET_S,  # noqa: E402
                                StreamlitServer, _descendants)

VIEWPORT = {"width": 1400, "height": 900}
POLL_S = 0.2              # how often a waiting learner looks at its page
ACTION_TIMEOUT_S = 60     # one look at a page (30 niced pages beside other work answer
#                           slowly); typing into a page may take up to --timeout
FLOOD_EVERY_S = 0.5
WAITING_TEXT = "Waiting for a free trainer"
SEED_BOX = '[data-testid="stNumberInput"] input[aria-label="Seed"]'
EPOCHS_SLIDER = '[data-testid="stSlider"] input[type="range"][aria-label="Epochs"]'
# What a page shows once its result is there (read from MAIN only).
RESULT_JS = {
    # the "Speed of learning" sentences ("sigmoid: hidden layer 1 learns 20× slower ...")
    "gradient_flow": """main => [...main.querySelectorAll('[data-testid="stMarkdown"] li')]
                           .filter(li => li.textContent.includes(' learns ')).length""",
    # the Summary table
    "loss_curves": """main => main.querySelectorAll('[data-testid="stDataFrame"]').length""",
}
# Counts the script runs a page has begun (the app root's run state turning "running"),
# from its first moment: a change is served only by a run begun after it was asked for,
# even when that run starts and ends between two looks at a busy page.
COUNT_RUNS_JS = """(() => {
    window.__wlRuns = 0;
    new MutationObserver(records => {
        for (const r of records)
            if (r.target.dataset && r.target.dataset.testScriptState === 'running')
                window.__wlRuns += 1;
    }).observe(document, {subtree: true, attributes: true,
                          attributeFilter: ['data-test-script-state']});
})();"""
# One look at a page: idle?, runs begun, the progress bar's text, the result's size, an
# error shown.
LOOK_JS = """([idleSrc, resultSrc, mainSel]) => {
    const idle = (eval(idleSrc))();
    const main = document.querySelector(mainSel);
    const bar = document.querySelector('[data-testid="stProgress"]');
    const err = document.querySelector('[data-testid="stException"], '
                                       + '[data-testid="stAlertContentError"]');
    return {idle, runs: window.__wlRuns || 0,
            progress: bar ? bar.textContent.trim() : '',
            result: main ? (eval(resultSrc))(main) : 0,
            error: err ? err.textContent.trim().slice(0, 300) : ''};
}"""


# ---------------------------------------------------------------------------------------
# What each learner does
# ---------------------------------------------------------------------------------------
@dataclass
class Change:
    what: str                     # "link" | "seed" | "epochs"
    seed: int
    epochs: int
    depth: int
    took_s: float | None = None   # request -> idle with the result shown
    queued: bool = False          # showed "Waiting for a free trainer"
    asked_wall: float | None = None   # time.time() of the request
    ready_s: float | None = None  # request -> its result put in the store (server side)
    error: str = ""

    @property
    def done(self) -> bool:
        return self.took_s is not None and not self.error


@dataclass
class Learner:
    index: int
    seed: int
    epochs: int
    depth: int
    changes: list[Change] = field(default_factory=list)   # [0] is the opening link
    error: str = ""

    @property
    def longest_change_s(self) -> float | None:
        times = [c.took_s for c in self.changes[1:] if c.took_s is not None]
        return max(times) if times else None


def plan(i: int, n_changes: int) -> Learner:
    """Learner i's link and changes: seeds 1000 + 50 i + k, so no two sessions (and no two
    steps) ask for the same config."""
    seed, epochs, depth = 1000 + 50 * i, 2 + i % 3, 2 + i % 4
    learner = Learner(i, seed, epochs, depth, [Change("link", seed, epochs, depth)])
    for k in range(1, n_changes + 1):
        if k % 2:
            seed += 1
            learner.changes.append(Change("seed", seed, epochs, depth))
        else:
            epochs += 1
            learner.changes.append(Change("epochs", seed, epochs, depth))
    return learner


def link_of(page: str, c: Change) -> str:
    return f"/{page}?seed={c.seed}&epochs={c.epochs}&depth={c.depth}"


async def look(page, page_name: str) -> dict:
    return await page.evaluate(LOOK_JS, [IDLE_JS, RESULT_JS[page_name], MAIN])


async def wait_for_result(page, page_name: str, c: Change, asked_at: float,
                          runs_before: int, timeout_s: float) -> None:
    """Fill in `c`: the time from `asked_at` until the page was idle with its result for
    QUIET_S (the time taken ends where that quiet period began), counting only once the
    page has been busy since the request: a script run has begun (`runs_before` runs had
    begun before it), or a look found it not idle (a rerun asked for during a run keeps
    the run state "running" from one run to the next)."""
    deadline = asked_at + timeout_s
    quiet_since, state, busy_seen = None, {}, False
    while True:
        now = time.monotonic()
        if now > deadline:
            said = state.get("progress") or state.get("error") or ""
            c.error = f"no result after {timeout_s:.0f} s" + \
                (f" (page says: {said[:120]!r})" if said else
                 " (no run began)" if state.get("runs", 0) <= runs_before else "")
            return
        try:
            state = await asyncio.wait_for(look(page, page_name),
                                           max(min(ACTION_TIMEOUT_S, deadline - now), 1))
        except asyncio.TimeoutError:
            continue                # a page too busy to answer: the deadline bounds this
        if WAITING_TEXT in state["progress"]:
            c.queued = True
        busy_seen = busy_seen or not state["idle"] or state["runs"] > runs_before
        if not state["idle"] or not busy_seen:
            quiet_since = None
        elif state["error"]:
            c.error = f"page shows: {state['error']}"
            return
        elif state["result"]:
            if quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= QUIET_S:
                if not shows(page.url, c, page_defaults(page_name)):
                    c.error = f"the link does not show the change: {page.url}"
                    return
                c.took_s = quiet_since - asked_at
                return
        await asyncio.sleep(POLL_S)


@functools.cache
def page_defaults(page_name: str) -> dict[str, str]:
    """The page's default seed, epochs and depth, as its link would spell them."""
    from vgcore.workshop.experiments import PAGE_EXPERIMENTS
    cfg = PAGE_EXPERIMENTS[page_name].config
    return {"seed": str(cfg.seed), "epochs": str(cfg.epochs), "depth": str(len(cfg.hidden))}


def shows(url: str, c: Change, defaults: dict[str, str]) -> bool:
    """Whether the page's link carries the change's seed, epochs and depth (Streamlit
    leaves a control at its default value out of the link)."""
    q = defaults | {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
    return (q["seed"], q["epochs"], q["depth"]) == (str(c.seed), str(c.epochs), str(c.depth))


async def runs_begun(page) -> int:
    return await asyncio.wait_for(page.evaluate("() => window.__wlRuns || 0"),
                                  ACTION_TIMEOUT_S)


async def make_change(page, c: Change, timeout_s: float) -> tuple[float, int]:
    """Do `c` with the page's widget; (the time of the request -- the key press --, the
    script runs begun before it). Typing waits for the browser up to `timeout_s`: seen
    here, a page still drawing its last result's charts in a starved renderer took over
    60 s to let Playwright type (that wait is before the request, not counted)."""
    t_ms = timeout_s * 1000
    if c.what == "seed":
        box = page.locator(SEED_BOX)
        await box.fill(str(c.seed), timeout=t_ms)
        runs_before = await runs_begun(page)
        asked_at, c.asked_wall = time.monotonic(), time.time()
        await box.press("Enter", timeout=t_ms)
    else:
        slider = page.locator(EPOCHS_SLIDER)
        await slider.focus(timeout=t_ms)
        runs_before = await runs_begun(page)
        asked_at, c.asked_wall = time.monotonic(), time.time()
        await slider.press("ArrowRight", timeout=t_ms)
    return asked_at, runs_before


def said(err: BaseException) -> str:
    """An exception in one line: its first line, and for Playwright the last step of its
    call log (what it was still waiting for)."""
    lines = [x.strip() for x in str(err).splitlines() if x.strip()]
    text = f"{type(err).__name__}: {lines[0][:200]}" if lines else type(err).__name__
    if len(lines) > 2 and lines[1].lower().startswith("call log"):
        text += f" [last: {lines[-1][:160]}]"
    return text


POST_MORTEM_JS = """mainSel => {
    const app = document.querySelector('[data-testid="stApp"]');
    const bar = document.querySelector('[data-testid="stSidebar"]');
    const status = document.querySelector('[data-testid="stStatusWidget"]');
    const main = document.querySelector(mainSel);
    return [`connection ${app ? app.dataset.testConnectionState : 'no app'}`,
            `script ${app ? app.dataset.testScriptState : '-'}`,
            `sidebar ${bar ? (bar.getAttribute('aria-expanded') ?? 'present') : 'absent'}`,
            `number boxes ${document.querySelectorAll('[data-testid="stNumberInput"]').length}`,
            `status ${status ? JSON.stringify(status.textContent.trim().slice(0, 60)) : '-'}`,
            `main ${JSON.stringify((main ? main.innerText : document.body.innerText)
                                   .trim().slice(0, 100))}`].join(', ');
}"""


async def post_mortem(page, s: Learner, debug_dir: Path | None) -> str:
    """What a failed learner's page shows (and, with --debug-dir, its picture)."""
    try:
        if debug_dir is not None:
            debug_dir.mkdir(parents=True, exist_ok=True)
            await asyncio.wait_for(page.screenshot(
                path=str(debug_dir / f"learner-{s.index}.png")), 60)
        return await asyncio.wait_for(page.evaluate(POST_MORTEM_JS, MAIN), 30)
    except Exception as err:  # noqa: BLE001
        return f"unreadable ({said(err)})"


async def learn(browser, base_url: str, page_name: str, s: Learner, timeout_s: float,
                think_s: float, start_s: float, pages: list,
                debug_dir: Path | None = None) -> None:
    """One learner: at `start_s` open the link, then each change in turn, waiting for its
    result. A change that fails ends the learner's session (the rest are not tried)."""
    rng = random.Random(s.index)
    await asyncio.sleep(start_s)
    context = await browser.new_context(viewport=VIEWPORT)
    await context.add_init_script(COUNT_RUNS_JS)
    page = None
    try:
        page = await context.new_page()
        page.set_default_timeout(ACTION_TIMEOUT_S * 1000)
        pages.append((s, page))
        first = s.changes[0]
        asked_at, first.asked_wall = time.monotonic(), time.time()
        # "commit": 30 pages loading at once wait long for their "load" events; the
        # result's wait below is the one that counts
        await page.goto(base_url + link_of(page_name, first), wait_until="commit",
                        timeout=timeout_s * 1000)
        await wait_for_result(page, page_name, first, asked_at, 0, timeout_s)
        for c in s.changes[1:]:
            if any(x.error for x in s.changes):
                break
            await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))
            asked_at, runs_before = await make_change(page, c, timeout_s)
            await wait_for_result(page, page_name, c, asked_at, runs_before, timeout_s)
    except Exception as err:  # noqa: BLE001 -- reported per learner, never fatal
        s.error = said(err)
        failed = next((c for c in s.changes if c.took_s is None and not c.error), None)
        if failed is not None:
            failed.error = s.error
    finally:
        failed = next((c for c in s.changes if c.error), None)
        if failed is not None and page is not None:
            failed.error += f"; the page then: {await post_mortem(page, s, debug_dir)}"
        pages[:] = [(x, p) for x, p in pages if x is not s]
        try:
            await asyncio.wait_for(context.close(), 20)
        except Exception:  # noqa: BLE001
            pass


@dataclass
class Flooder:
    seed: int = 900_000
    sent: int = 0                 # seeds typed in
    send_errors: int = 0
    last: Change | None = None    # its last change, waited for once the learners are done
    error: str = ""


async def flood(browser, base_url: str, page_name: str, f: Flooder, learners_done:
                asyncio.Event, timeout_s: float) -> None:
    """A careless learner: a new seed every FLOOD_EVERY_S, never waiting for a result,
    until `learners_done`; then it waits for the result of its last seed."""
    context = await browser.new_context(viewport=VIEWPORT)
    await context.add_init_script(COUNT_RUNS_JS)
    try:
        page = await context.new_page()
        page.set_default_timeout(ACTION_TIMEOUT_S * 1000)
        await page.goto(base_url + link_of(page_name, Change("link", f.seed, 3, 3)),
                        wait_until="commit", timeout=timeout_s * 1000)
        await page.wait_for_selector(SEED_BOX, timeout=timeout_s * 1000)
        box = page.locator(SEED_BOX)
        while not learners_done.is_set():
            tick = time.monotonic()
            f.seed += 1
            try:
                await box.fill(str(f.seed), timeout=5000)
                runs_then = await runs_begun(page)
                pressed_at = time.monotonic()
                await box.press("Enter", timeout=5000)
                f.sent += 1
                f.last = Change("seed", f.seed, 3, 3)
                runs_before, asked_at = runs_then, pressed_at
            except Exception:  # noqa: BLE001 -- a careless learner keeps typing
                f.send_errors += 1
            try:
                await asyncio.wait_for(learners_done.wait(),
                                       max(FLOOD_EVERY_S - (time.monotonic() - tick), 0))
            except asyncio.TimeoutError:
                pass
        if f.last is not None:
            await wait_for_result(page, page_name, f.last, asked_at, runs_before,
                                  timeout_s)
    except Exception as err:  # noqa: BLE001
        f.error = said(err)
    finally:
        try:
            await asyncio.wait_for(context.close(), 20)
        except Exception:  # noqa: BLE001
            pass


async def photograph_a_wait(pages: list, path: Path, stop: asyncio.Event,
                            shot: dict) -> None:
    """Photograph (viewport) a learner's page waiting for a trainer: one that says so
    just before and just after the picture (a busy browser can take seconds to shoot,
    and the wait may be over by then)."""
    progress_js = """() => (document.querySelector('[data-testid="stProgress"]') || {})
                          .textContent || ''"""
    tries = 0
    while not stop.is_set() and tries < 20:
        for s, page in list(pages):
            try:
                text = await asyncio.wait_for(page.evaluate(progress_js), 10)
                if WAITING_TEXT not in text:
                    continue
                tries += 1
                path.parent.mkdir(parents=True, exist_ok=True)
                await asyncio.wait_for(page.screenshot(path=str(path)), 60)
                after = await asyncio.wait_for(page.evaluate(progress_js), 10)
                shot.update(path=str(path), learner=s.index, tries=tries,
                            at_s=time.monotonic() - shot["t0"], text=text,
                            still_waiting=WAITING_TEXT in after)
                if shot["still_waiting"]:
                    return
            except Exception:  # noqa: BLE001 -- a page closing meanwhile: try another
                continue
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except asyncio.TimeoutError:
            pass


async def workshop(base_url: str, page_name: str, learners: list[Learner],
                   flooder: Flooder | None, timeout_s: float, think_s: float,
                   ramp_s: float, shot_path: Path | None, shot: dict,
                   meters: dict, debug_dir: Path | None = None) -> None:
    from playwright.async_api import async_playwright
    n_steps = max(len(s.changes) for s in learners)
    overall = ramp_s + n_steps * (2 * timeout_s + 2 * think_s) + 120
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                           args=CHROMIUM_ARGS, timeout=60_000)
        try:
            pages: list = []
            done, stop_shot = asyncio.Event(), asyncio.Event()
            extra = []
            if flooder is not None:
                extra.append(asyncio.create_task(
                    flood(browser, base_url, page_name, flooder, done, timeout_s)))
            if shot_path is not None:
                extra.append(asyncio.create_task(
                    photograph_a_wait(pages, shot_path, stop_shot, shot)))

            async def everyone() -> None:
                try:
                    await asyncio.gather(*(learn(browser, base_url, page_name, s,
                                                 timeout_s, think_s,
                                                 ramp_s * s.index / len(learners), pages,
                                                 debug_dir)
                                           for s in learners))
                finally:
                    done.set()
                    stop_shot.set()
                await asyncio.gather(*extra)

            try:
                await asyncio.wait_for(everyone(), overall + timeout_s)
            except asyncio.TimeoutError:
                for s in learners:
                    s.error = s.error or "overall deadline passed"
                raise
        finally:
            if "server_pid" in meters:
                meters["browsers_cpu_s"] = browsers_cpu_s(meters["server_pid"])
            await asyncio.wait_for(browser.close(), 60)


# ---------------------------------------------------------------------------------------
# The trainings the store counted (read once the server has stopped)
# ---------------------------------------------------------------------------------------
def page_config(page_name: str, c: Change):
    """The config the page trains for `c` (its defaults with the link's seed, epochs and
    depth; as bench/load_test.session_config)."""
    from vgcore.workshop.experiments import PAGE_EXPERIMENTS
    defaults = PAGE_EXPERIMENTS[page_name].config
    return defaults.replace(seed=c.seed, epochs=c.epochs,
                            hidden=(defaults.hidden[0],) * c.depth)


def read_store(cache_dir: Path, page_name: str, learners: list[Learner]
               ) -> tuple[int | None, int | None]:
    """(trainings counted, results stored) in the server's disk store, or None each; and
    each change's `ready_s`: from its request to the moment its result was put in the
    store (diskcache's store_time of the entry), the server's side of the wait."""
    import sqlite3
    counted = stored = None
    try:
        os.environ["VGCORE_CACHE"] = str(cache_dir)     # its key file lives there
        from vgcore.store.disk import DiskStore
        from vgcore.store.keys import key_of
        store = DiskStore(cache_dir / "results")
        stored = len(store)
        meta = store._caches["meta"]                     # counters: "trained:<key>" -> n
        counted = sum(n for n in (meta.get(k) for k in meta.iterkeys()
                                  if str(k).startswith("trained:")) if isinstance(n, int))
        con = sqlite3.connect(f"{(cache_dir / 'results' / 'lru' / 'cache.db').as_uri()}"
                              f"?mode=ro", uri=True, timeout=5)
        try:
            put_at = dict(con.execute("SELECT key, store_time FROM Cache WHERE raw = 1"))
        finally:
            con.close()
        for s in learners:
            for c in s.changes:
                at = put_at.get(key_of(page_config(page_name, c)))
                if at is not None and c.asked_wall is not None:
                    c.ready_s = at - c.asked_wall
    except Exception:  # noqa: BLE001 -- figures we can do without
        traceback.print_exc()
    return counted, stored


# ---------------------------------------------------------------------------------------
# Who used the cores: the server process vs. the whole machine (Linux /proc)
# ---------------------------------------------------------------------------------------
TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int, reaped: bool = False) -> float:
    """CPU seconds (user + system) of one process, its threads included; with `reaped`,
    also those of its children that have ended and been waited for."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15 if reaped else 13]) * TICK_S
    except (OSError, ValueError, IndexError):
        return float("nan")


def browsers_cpu_s(server_pid: int) -> float:
    """CPU seconds of this process's descendants but the server: Playwright's driver and
    chromium (renderers that have ended count in their reaper, chromium's zygote)."""
    server = {server_pid, *_descendants(server_pid)}
    return sum(process_cpu_s(p, reaped=True) for p in _descendants(os.getpid())
               if p not in server)


def machine_cpu_s() -> tuple[float, float]:
    """(busy, all) CPU seconds of the machine since boot, every core summed."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = ticks[3] + ticks[4]                      # idle + iowait
        total = sum(ticks[:8])                          # guest time is in user already
        return (total - idle) * TICK_S, total * TICK_S
    except (OSError, ValueError, IndexError):
        return float("nan"), float("nan")


# ---------------------------------------------------------------------------------------
# The whole bench
# ---------------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of `values`; nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def run(n_sessions: int = 30, n_changes: int = 3, flooder: bool = False,
        timeout_s: float = 300.0, think_s: float = 1.0, ramp_s: float = 15.0,
        page_name: str = "gradient_flow", browser_nice: int = 10,
        shot_path: Path | None = None, debug_dir: Path | None = None) -> dict:
    wall_start = time.monotonic()
    load_before = os.getloadavg()
    learners = [plan(i, n_changes) for i in range(n_sessions)]
    page_defaults(page_name)        # vgcore (torch) imported here, before the load
    flood_state = Flooder() if flooder else None
    shot: dict = {}
    harness_error = ""
    with tempfile.TemporaryDirectory(prefix="vglab-workshop-") as tmp:
        work = Path(tmp)
        cache = work / "vgcore-cache"
        server = StreamlitServer(cache_dir=cache, log_path=work / "streamlit.log")
        probe = None
        load_s = float("nan")
        cpu = [float("nan")] * 4      # CPU s in the load: server, machine busy, machine
        meters: dict = {}             # all, this harness
        try:
            server.wait_healthy()
            probe = HealthProbe(server.url)
            probe.start()
            # As load_test: the 30 browsers stand for 30 laptops, so they yield the
            # cores to the server (children inherit this process's niceness).
            if browser_nice:
                os.nice(browser_nice)
            load_start = time.monotonic()
            shot["t0"] = load_start
            me = os.times()
            cpu_start = process_cpu_s(server.proc.pid), *machine_cpu_s(), me.user + me.system
            meters["server_pid"] = server.proc.pid
            try:
                asyncio.run(workshop(server.url, page_name, learners, flood_state,
                                     timeout_s, think_s, ramp_s, shot_path, shot, meters,
                                     debug_dir))
            finally:
                me = os.times()
                cpu_end = process_cpu_s(server.proc.pid), *machine_cpu_s(), me.user + me.system
                cpu = [b - a for a, b in zip(cpu_start, cpu_end)]
            load_s = time.monotonic() - load_start
        except Exception as err:  # noqa: BLE001 -- the harness failed: say so, exit 1
            harness_error = f"{type(err).__name__}: {err}"
            traceback.print_exc()
        finally:
            if probe is not None:
                probe.stop()
            server_alive = server.proc.poll() is None
            server.stop()
            log_text = server.log_tail(2_000_000)
            peak_rss_mib = server.rss.peak_kb / 1024
        trainings, stored = read_store(cache, page_name, learners)
    changes = [c for s in learners for c in s.changes[1:]]
    openings = [s.changes[0] for s in learners]
    longest = [s.longest_change_s for s in learners if s.longest_change_s is not None]
    longest_all = [max(c.took_s for c in s.changes if c.took_s is not None)
                   for s in learners if any(c.took_s is not None for c in s.changes)]
    times = [c.took_s for c in changes if c.done]
    ready = [c.ready_s for c in changes if c.done and c.ready_s is not None]
    return {
        "page": page_name, "sessions": n_sessions, "changes_each": n_changes,
        "think_s": think_s, "ramp_s": ramp_s, "timeout_s": timeout_s, "browser_nice": browser_nice,
        "opened": sum(c.done for c in openings),
        "open_times": [c.took_s for c in openings if c.done],
        "changes_asked": len(changes),
        "changes_done": len(times),
        "changes_failed": sum(1 for c in changes if c.error),
        "changes_not_tried": sum(1 for c in changes if c.took_s is None and not c.error),
        "queued": sum(c.queued for c in changes),
        "times": times, "ready": ready,
        "open_ready": [c.ready_s for c in openings if c.done and c.ready_s is not None],
        "longest_change": longest, "longest_incl_open": longest_all,
        "failures": [f"learner {s.index} {c.what} (seed {c.seed}, epochs {c.epochs}, "
                     f"depth {c.depth}): {c.error}"
                     for s in learners for c in s.changes if c.error]
        + [f"learner {s.index}: {s.error}" for s in learners
           if s.error and not any(c.error for c in s.changes)],
        "flooder": flood_state,
        "health": probe.latencies if probe else [],
        "health_slow": probe.slow if probe else [],
        "health_errors": probe.errors if probe else [],
        "trainings": trainings, "stored": stored,
        "distinct_asked": len({(c.seed, c.epochs, c.depth) for s in learners
                               for c in s.changes}),
        "tracebacks": log_text.count("Traceback (most recent call last)"),
        "log_errors": log_errors(log_text),
        "server_alive": server_alive, "peak_rss_mib": peak_rss_mib,
        "cpu_server_s": cpu[0], "cpu_busy_s": cpu[1], "cpu_all_s": cpu[2],
        "cpu_harness_s": cpu[3],
        "cpu_browsers_s": meters.get("browsers_cpu_s", float("nan")),
        "shot": shot,
        "load_s": load_s, "wall_s": time.monotonic() - wall_start,
        "load_before": load_before, "load_after": os.getloadavg(),
        "harness_error": harness_error,
    }


def log_errors(text: str, most: int = 5) -> list[str]:
    """The server log's error lines and, for each traceback, its exception's line (the
    first unindented line after it), without repeats."""
    out: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if " ERROR " in line or "training failed" in line:
            found = line
        elif line.startswith("Traceback (most recent call last)"):
            found = next((x for x in lines[i + 1:] if x and not x.startswith(" ")), "")
            found = f"traceback: {found}"
        else:
            continue
        if found and found not in out:
            out.append(found)
    return out[:most]


def format_report(r: dict) -> str:
    t, h = r["times"], r["health"]
    o = r["open_times"]
    la = lambda v: "/".join(f"{x:.2f}" for x in v)  # noqa: E731
    lines = [
        f"page /{r['page']}: {r['sessions']} sessions (opened over {r['ramp_s']:g} s), "
        f"{r['changes_each']} changes each (think {r['think_s']:g} s ± half), browsers "
        f"at niceness {r['browser_nice']}",
        f"opening links: {r['opened']}/{r['sessions']} shown; time to result p50 "
        f"{pct(o, .5):.1f} s, p95 {pct(o, .95):.1f} s, max {max(o, default=math.nan):.1f} s",
        f"changes: {r['changes_done']} done, {r['changes_failed']} failed, "
        f"{r['changes_not_tried']} not tried, of {r['changes_asked']}; "
        f"{r['queued']} showed '{WAITING_TEXT}'",
        f"time to a result (changes): p50 {pct(t, .5):.1f} s, p95 {pct(t, .95):.1f} s, "
        f"max {max(t, default=math.nan):.1f} s, mean "
        f"{statistics.fmean(t) if t else math.nan:.1f} s",
        f"  of which on the server (request -> result in the store; {len(r['ready'])} "
        f"found): p50 {pct(r['ready'], .5):.1f} s, p95 {pct(r['ready'], .95):.1f} s, max "
        f"{max(r['ready'], default=math.nan):.1f} s; opening links p50 "
        f"{pct(r['open_ready'], .5):.1f} s, max "
        f"{max(r['open_ready'], default=math.nan):.1f} s",
        f"longest single wait of a session: changes only max "
        f"{max(r['longest_change'], default=math.nan):.1f} s (median over sessions "
        f"{statistics.median(r['longest_change']) if r['longest_change'] else math.nan:.1f}"
        f" s); opening link included max "
        f"{max(r['longest_incl_open'], default=math.nan):.1f} s",
        f"health ({len(h)} GETs every {PROBE_EVERY_S} s): median "
        f"{statistics.median(h) * 1000 if h else math.nan:.0f} ms, p95 "
        f"{pct(h, .95) * 1000:.0f} ms, max {max(h, default=math.nan) * 1000:.0f} ms, "
        f"{len(r['health_slow'])} over 1 s, errors {len(r['health_errors'])}",
        f"trainings counted by the store: {r['trainings']} (distinct configs asked "
        f"{r['distinct_asked']}"
        + (f" + the flooder's {r['flooder'].sent + 1}" if r["flooder"] else "")
        + f"); results stored {r['stored']}",
        f"server: alive at the end {r['server_alive']}, peak RSS "
        f"{r['peak_rss_mib']:.0f} MiB, tracebacks in its log {r['tracebacks']}",
        f"CPU during the load: the machine busy {r['cpu_busy_s']:.0f} of "
        f"{r['cpu_all_s']:.0f} core-seconds: the server {r['cpu_server_s']:.0f} s, the "
        f"browsers (chromium, Playwright's driver) {r['cpu_browsers_s']:.0f} s, this "
        f"harness {r['cpu_harness_s']:.0f} s, other work on the machine "
        f"{r['cpu_busy_s'] - r['cpu_server_s'] - r['cpu_browsers_s'] - r['cpu_harness_s']:.0f} s",
        f"wall: load {r['load_s']:.1f} s, total {r['wall_s']:.1f} s; load average before "
        f"{la(r['load_before'])}, after {la(r['load_after'])}",
    ]
    f = r["flooder"]
    if f is not None:
        last = f.last
        lines.append(
            f"flooder: {f.sent} seeds typed every {FLOOD_EVERY_S} s ({f.send_errors} "
            f"typing errors); its last seed's result "
            + (f"shown {last.took_s:.1f} s after it was typed (the learners done)"
               if last and last.done
               else f"not shown ({(last.error if last else '') or f.error or 'none sent'})"))
    if r["shot"].get("path"):
        sh = r["shot"]
        lines.append(f"screenshot: {sh['path']} (learner {sh['learner']}, {sh['at_s']:.0f} s "
                     f"in, try {sh['tries']}: {sh['text'][:90]!r}"
                     + ("" if sh["still_waiting"] else "; the wait ended while shooting")
                     + ")")
    if r["health_slow"]:
        lines.append("health GETs over 1 s (s after start: latency): " + ", ".join(
            f"{a:.0f}: {b:.1f} s" for a, b in r["health_slow"][:20]))
    lines += [f"  FAILED {x}" for x in r["failures"][:40]]
    lines += [f"  SERVER LOG {x[:200]}" for x in r["log_errors"]]
    lines += [f"  HEALTH ERROR {x}" for x in r["health_errors"][:5]]
    if r["harness_error"]:
        lines.append(f"HARNESS FAILED: {r['harness_error']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=30, help="learners (browser sessions)")
    ap.add_argument("--changes", type=int, default=3, help="changes per learner")
    ap.add_argument("--flooder", action="store_true",
                    help="one more session typing a new seed every 0.5 s")
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="seconds one change (or the opening link) may take to show its "
                         "result (the server gives up queueing after 300 s)")
    ap.add_argument("--think", type=float, default=1.0,
                    help="seconds a learner waits between a result and the next change")
    ap.add_argument("--ramp", type=float, default=15.0,
                    help="seconds over which the learners open their links (0: at once)")
    ap.add_argument("--page", choices=sorted(RESULT_JS), default="gradient_flow")
    ap.add_argument("--browser-nice", type=int, default=10,
                    help="niceness of the browsers (0: compete with the server as equals)")
    ap.add_argument("--shot", default="/tmp/shots/workshop_wait.png",
                    help="where to photograph a page waiting for a trainer ('' : don't)")
    ap.add_argument("--debug-dir", default="",
                    help="a folder for a picture of each failed learner's page")
    args = ap.parse_args(argv)
    if not 1 <= args.sessions <= 100:
        ap.error("--sessions: 1 to 100")
    if not 1 <= args.changes <= 40:
        ap.error("--changes: 1 to 40")
    if not 10 <= args.timeout <= 1800:
        ap.error("--timeout: 10 to 1800 s")
    if not 0 <= args.think <= 60:
        ap.error("--think: 0 to 60 s")
    if not 0 <= args.ramp <= 600:
        ap.error("--ramp: 0 to 600 s")
    if not 0 <= args.browser_nice <= 19:
        ap.error("--browser-nice: 0 to 19")
    report = run(args.sessions, args.changes, args.flooder, args.timeout, args.think,
                 args.ramp, args.page, args.browser_nice,
                 Path(args.shot) if args.shot else None,
                 Path(args.debug_dir) if args.debug_dir else None)
    print(format_report(report))
    return 1 if report["harness_error"] or not report["server_alive"] else 0


if __name__ == "__main__":
    sys.exit(main())
