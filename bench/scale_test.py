"""Scale-out test: app replicas behind nginx sharing one Redis result store.

    python bench/scale_test.py                          # 40 sessions, 2 replicas
    python bench/scale_test.py --sessions 60 --no-kill

Starts on 127.0.0.1 only, each on a free port and stopped on the way out:

- `redis-server` with `maxmemory 256mb` and `maxmemory-policy volatile-lru` (REDIS_ARGS),
  no persistence;
- 2 replicas, `streamlit run streamlit_app.py` (tests/browser_util.StreamlitServer) with
  VGLAB_STORE=redis://127.0.0.1:<port>/0;
- nginx in front of them (NGINX_CONF, the configuration README *Scaling out* shows):
  sticky by a cookie that nginx sets to a random `$request_id` on a browser's first
  request and hashes with `hash ... consistent` (ip_hash would send every loopback
  browser to one replica), websocket upgrade headers passed on, and a replica that
  stops answering skipped (`proxy_next_upstream`).

Then it opens the sessions at once through nginx (bench/load_test.py's machinery, one
headless chromium, one browser context each): half on one shared link
(`/gradient_flow?seed=<SHARED_SEED>&epochs=1&depth=3`), the other half two to a seed
(seeds 0, 1, ...), so every config is asked for by several sessions at once.
Once the shared config's result is in Redis, it SIGKILLs replica 1 (a crash, not a clean
stop): that replica's browsers lose their websocket, reconnect through nginx to replica 0
and must finish there. Every session's Seed box, link and "speed of learning" sentences
are checked against `vgcore.run` of its config in this process; trainings are counted
in Redis by the runner (`vgcore.store`: `vglab:trained:<key>`, incremented when a
training starts), so the shared config must have been trained exactly once across
both replicas.

Prints sessions served and correct, trainings run (shared config / all), the replica
each session started on, the time to finished (median / worst), failures; exit 1 on
any failure. Every wait has a deadline.
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import secrets
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load_test import (DEPTH, EPOCHS, PAGE_PATH, READ_TIMEOUT_S,  # noqa: E402
                             SETTLE_S, VIEWPORT, HealthProbe, expected_sentences,
                             page_defaults, session_config, settled_view,
                             wait_until_finished)
from tests.browser_util import (CHROMIUM, CHROMIUM_ARGS, StreamlitServer,  # noqa: E402
                                free_port)

SHARED_SEED = 1000          # the shared link's seed (the own links use 0, 1, 2, ...)
REDIS_MAXMEMORY = "256mb"
REDIS_ARGS = ["--bind", "127.0.0.1", "--protected-mode", "yes", "--save", "",
              "--appendonly", "no", "--maxmemory", REDIS_MAXMEMORY,
              "--maxmemory-policy", "volatile-lru"]
# Every replica signs and checks the store's entries with one secret, and shares one
# cookie secret (README, Scaling out); made fresh for each run.
STORE_KEY = secrets.token_hex(32)
COOKIE_SECRET = secrets.token_hex(32)
COOKIE = "vglab_replica"
# {port}, {upstreams}, {work}, {user}, {static}: filled in by `nginx_conf`. README,
# Scaling out, shows it.
NGINX_CONF = """\
user {user};
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}

http {{
    # Which replica served which browser stays in the server's log, never in a header.
    log_format vglab '$vglab_key $upstream_addr $status "$request"';
    access_log {work}/nginx-access.log vglab;
    # One address may hold this many connections: a classroom behind one NAT fits (a
    # browser opens up to 6 while a page loads, then keeps its websocket: 60 loading at
    # once is ~420), one machine's flood of thousands does not.
    limit_conn_zone $binary_remote_addr zone=per_address:10m;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;

    # Websockets: pass the upgrade on (Streamlit keeps a session on one websocket).
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      close;
    }}
    # Sticky sessions: a browser without the cookie gets a random key (this request's
    # id), which the response sets as its cookie; the key picks the replica.
    map $cookie_{cookie} $vglab_key {{
        ""      $request_id;
        default $cookie_{cookie};
    }}

    upstream vglab {{
        hash $vglab_key consistent;
{upstreams}
    }}

    server {{
        listen 127.0.0.1:{port};
        limit_conn per_address 512;
        # Streamlit's own files (JavaScript, CSS, fonts) are the same on every replica:
        # nginx serves them itself, so a replica that dies while a browser downloads one
        # cannot break that browser's page (seen once in the test: "Failed to fetch
        # dynamically imported module" when the kill cut a script short).
        location /static/ {{
            alias {static}/;
            types {{                          # a module script needs its type
                application/javascript js;
                text/css css;
                font/woff2 woff2;
                image/svg+xml svg;
                image/png png;
                image/gif gif;
            }}
        }}
        location / {{
            proxy_pass http://vglab;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_read_timeout 1h;            # an idle websocket stays open
            proxy_buffering off;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_connect_timeout 2s;
            add_header Set-Cookie "{cookie}=$vglab_key; Path=/; HttpOnly; SameSite=Lax" always;
        }}
    }}
}}
"""
STARTUP_TIMEOUT_S = 60


def streamlit_static() -> Path:
    """The folder Streamlit serves /static/ from (its installed frontend)."""
    import streamlit
    return Path(streamlit.__file__).parent / "static" / "static"


def name_replicas(sessions: list["Session"], access_log: Path) -> None:
    """Fill in each session's first replica from nginx's log (`$vglab_key $upstream_addr
    ...` lines; the first request of a browser logs the key its cookie then holds)."""
    first: dict[str, str] = {}
    try:
        lines = access_log.read_text(errors="replace").splitlines()
    except OSError:
        return
    for line in lines:
        key, _, rest = line.partition(" ")
        upstream = rest.split(" ", 1)[0]
        if upstream not in ("", "-"):
            first.setdefault(key, upstream)
    for s in sessions:
        s.replica = first.get(s.key, s.replica)


def nginx_conf(port: int, upstream_ports: list[int], work: Path) -> str:
    upstreams = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;"
                          for p in upstream_ports)
    # nginx's workers run as this user (it can read the installed Streamlit; when nginx
    # is not started as root the directive is ignored and they run as this user anyway)
    return NGINX_CONF.format(port=port, upstreams=upstreams, work=work, cookie=COOKIE,
                             user=getpass.getuser(), static=streamlit_static())


# ---------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------
def _binary(name: str) -> str | None:
    return shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}")
                                       if os.access(p, os.X_OK)), None)


def missing_tools() -> list[str]:
    """What this test needs that the machine lacks (CI installs them: .ci/run)."""
    return [name for name, path in (("redis-server", _binary("redis-server")),
                                    ("nginx", _binary("nginx")), ("chromium", CHROMIUM))
            if not path or not os.path.exists(path)]


class Redis:
    def __init__(self, work: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen([_binary("redis-server"), "--port", str(self.port),
                                      "--dir", str(work), *REDIS_ARGS],
                                     stdout=open(work / "redis.log", "wb"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        import redis
        self.client = redis.Redis(port=self.port, socket_timeout=10)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            try:
                self.client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        _stop(self.proc)


class Nginx:
    def __init__(self, work: Path, upstream_ports: list[int]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.conf = work / "nginx.conf"
        self.conf.write_text(nginx_conf(self.port, upstream_ports, work))
        self.proc = subprocess.Popen([_binary("nginx"), "-p", str(work), "-c", str(self.conf),
                                      "-g", "daemon off;"],
                                     stdout=open(work / "nginx.out", "wb"),
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self) -> None:
        _stop(self.proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)


# ---------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------
@dataclass
class Session:
    seed: int
    shared: bool
    started: bool = False
    key: str = ""                        # the sticky cookie nginx gave this browser
    replica: str = ""                    # the upstream that served it first (nginx's log)
    finished_s: float | None = None      # goto -> script finished (first time)
    done_s: float | None = None          # goto -> finished and read at the end
    sentences: list[str] = field(default_factory=list)
    seed_shown: str = ""
    url_end: str = ""
    error: str = ""
    page = None
    context = None

    @property
    def link(self) -> str:
        return f"/{PAGE_PATH}?seed={self.seed}&epochs={EPOCHS}&depth={DEPTH}"


async def _alerts(page) -> str:
    exc = page.locator('[data-testid="stException"]')
    if await exc.count():
        return f"exception: {(await exc.first.inner_text())[:300]}"
    alerts = page.locator('[data-testid="stAlertContentError"], '
                          '[data-testid="stAlertContentWarning"]')
    if await alerts.count():
        return f"alert: {(await alerts.first.inner_text())[:300]}"
    return ""


async def open_session(browser, base_url: str, s: Session, t0: float, timeout_s: float
                       ) -> None:
    try:
        s.context = await browser.new_context(viewport=VIEWPORT)
        s.page = await s.context.new_page()
        s.page.set_default_timeout(timeout_s * 1000)
        s.started = True
        await s.page.goto(base_url + s.link, wait_until="commit")
        s.key = next((c["value"] for c in await s.context.cookies()
                      if c["name"] == COOKIE), "")
        await wait_until_finished(s.page, timeout_s - (time.monotonic() - t0))
        s.finished_s = time.monotonic() - t0
    except Exception as err:  # noqa: BLE001 -- reported; the final pass retries it
        s.error = f"{type(err).__name__}: {str(err).splitlines()[0][:300]}"


async def finish_session(s: Session, t0: float, timeout_s: float) -> None:
    """After the kill: wait until the session is connected and idle again (a session
    of the killed replica reconnects to the other one and reruns there), then read it."""
    if s.page is None:
        return
    try:
        s.error = ""
        await wait_until_finished(s.page, max(timeout_s - (time.monotonic() - t0), 5))
        s.done_s = time.monotonic() - t0
        s.error = await _alerts(s.page)
        s.seed_shown, s.sentences = await settled_view(s.page)
        s.url_end = s.page.url
    except Exception as err:  # noqa: BLE001
        s.error = f"{type(err).__name__}: {str(err).splitlines()[0][:300]}"


async def drive_all(base_url: str, sessions: list[Session], timeout_s: float,
                    kill) -> dict:
    """Open every session at once; `kill()` (awaited in parallel) ends a replica
    mid-load; then wait for every session to be finished and read it."""
    from playwright.async_api import async_playwright
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                           args=CHROMIUM_ARGS, timeout=60_000)
        t0 = time.monotonic()
        try:
            opening = asyncio.gather(*(open_session(browser, base_url, s, t0, timeout_s)
                                       for s in sessions))
            killed = await asyncio.wait_for(asyncio.gather(opening, kill(sessions, t0)),
                                            timeout_s + 60)
            kill_info = killed[1]
            await asyncio.sleep(3)      # let the killed replica's browsers notice
            await asyncio.wait_for(asyncio.gather(
                *(finish_session(s, t0, timeout_s) for s in sessions)),
                timeout_s + READ_TIMEOUT_S + SETTLE_S + 60)
        except asyncio.TimeoutError:
            kill_info = {}
            for s in sessions:
                s.error = s.error or "overall deadline passed"
        finally:
            for s in sessions:
                if s.context is not None:
                    try:
                        await asyncio.wait_for(s.context.close(), 20)
                    except Exception:  # noqa: BLE001
                        pass
            await browser.close()
    return kill_info


# ---------------------------------------------------------------------------------------
# The whole test
# ---------------------------------------------------------------------------------------
def run_scale_test(n_sessions: int = 40, replicas: int = 2, timeout_s: float = 480.0,
                   kill_replica: bool = True, browser_nice: int = 10,
                   work_dir: Path | None = None) -> dict:
    """Run it; return the report as a dict (see `format_report`)."""
    from vgcore.store import key_of
    wall_start = time.monotonic()
    n_shared = n_sessions // 2
    n_own = max((n_sessions - n_shared) // 2, 1)    # the other half: two sessions a seed
    sessions = [Session(SHARED_SEED, True) for _ in range(n_shared)] + \
               [Session(i % n_own, False) for i in range(n_sessions - n_shared)]
    defaults = page_defaults()
    shared_cfg = session_config(SHARED_SEED, defaults)
    shared_key = f"vglab:result:{key_of(shared_cfg)}"
    with tempfile.TemporaryDirectory(prefix="vglab-scale-") as tmp:
        work = Path(work_dir or tmp)
        work.mkdir(parents=True, exist_ok=True)
        redis_srv = nginx = probe = None
        servers: list[StreamlitServer] = []
        try:
            redis_srv = Redis(work)
            servers = [StreamlitServer(cache_dir=work / f"cache-{i}",
                                       log_path=work / f"replica-{i}.log",
                                       env={"VGLAB_STORE": redis_srv.url,
                                            "VGLAB_STORE_KEY": STORE_KEY,
                                            "STREAMLIT_SERVER_COOKIE_SECRET": COOKIE_SECRET})
                       for i in range(replicas)]
            for server in servers:
                server.wait_healthy()
            nginx = Nginx(work, [s.port for s in servers])
            _wait_http(nginx.url + "/_stcore/health", nginx)
            probe = HealthProbe(nginx.url)
            probe.start()
            if browser_nice:
                os.nice(browser_nice)    # the browsers stand in for laptops (load_test)

            victim = servers[-1] if kill_replica and replicas > 1 else None

            async def kill(all_sessions, t0):
                """Once the shared result is stored, SIGKILL the last replica."""
                if victim is None:
                    return {}
                deadline = t0 + timeout_s
                while time.monotonic() < deadline:
                    if redis_srv.client.exists(shared_key):
                        break
                    await asyncio.sleep(0.5)
                await asyncio.sleep(2)
                # A loaded box may not have logged (or committed) a browser on the victim
                # yet: wait until one is there, so the kill cuts a session short.
                port = f":{victim.port}"
                while True:
                    name_replicas(all_sessions, work / "nginx-access.log")
                    on_victim = [s for s in all_sessions if s.replica.endswith(port)]
                    if on_victim or time.monotonic() > deadline \
                            or all(s.finished_s is not None for s in all_sessions):
                        break
                    await asyncio.sleep(0.5)
                info = {"at_s": time.monotonic() - t0,
                        "sessions_on_it": len(on_victim),
                        "unfinished_on_it": sum(s.finished_s is None for s in on_victim)}
                os.killpg(victim.proc.pid, signal.SIGKILL)
                return info

            load_start = time.monotonic()
            kill_info = asyncio.run(drive_all(nginx.url, sessions, timeout_s, kill))
            load_s = time.monotonic() - load_start
            name_replicas(sessions, work / "nginx-access.log")
            trainings = _trainings(redis_srv.client)
            shared_trainings = int(redis_srv.client.get(
                f"vglab:trained:{key_of(shared_cfg)}") or 0)
            redis_info = redis_srv.client.info("memory")
        finally:
            if probe is not None:
                probe.stop()
            alive = [s.proc.poll() is None for s in servers]
            for server in servers:
                server.stop()
            for srv in (nginx, redis_srv):
                if srv is not None:
                    srv.stop()
            logs = {f"replica-{i}": s.log_tail(1500) for i, s in enumerate(servers)}
            logs["nginx-error"] = _tail(work / "nginx-error.log")
            peak_rss = [s.rss.peak_kb / 1024 for s in servers]
    expected = expected_sentences(sorted({s.seed for s in sessions}))
    wrong = []
    for i, s in enumerate(sessions):
        if s.error or not s.done_s:
            continue
        name = f"session {i} (seed {s.seed}, first served by {s.replica or '?'})"
        if s.sentences != expected[s.seed]:
            wrong.append(f"{name}: shows {s.sentences}, expected {expected[s.seed]}")
        url_seed = parse_qs(urlsplit(s.url_end).query).get("seed", ["0"])[-1]
        if url_seed != str(s.seed):
            wrong.append(f"{name}: the link lost its seed (URL at the end: {s.url_end})")
        if s.seed_shown != str(s.seed):
            wrong.append(f"{name}: the Seed box shows {s.seed_shown!r}")
    failures = [f"session {i} (seed {s.seed}): {s.error or 'not served'}"
                for i, s in enumerate(sessions) if s.error or not s.done_s]
    by_replica: dict[str, int] = {}
    for s in sessions:
        by_replica[s.replica or "?"] = by_replica.get(s.replica or "?", 0) + 1
    times = [s.finished_s for s in sessions if s.finished_s is not None]
    return {
        "sessions": n_sessions, "shared": n_shared, "replicas": replicas,
        "started": sum(s.started for s in sessions),
        "served": sum(1 for s in sessions if s.done_s and not s.error),
        "correct": sum(1 for i, s in enumerate(sessions) if s.done_s and not s.error
                       and not any(w.startswith(f"session {i} ") for w in wrong)),
        "failures": failures, "wrong": wrong,
        "shared_trainings": shared_trainings,
        "configs": len({s.seed for s in sessions}),
        "trainings": trainings,
        "by_replica": by_replica,
        "kill": kill_info,
        "replicas_alive_at_end": alive,
        "finished_s": {"median": statistics.median(times) if times else float("nan"),
                       "max": max(times) if times else float("nan")},
        "done_s_max": max((s.done_s for s in sessions if s.done_s), default=float("nan")),
        "health_s": {"n": len(probe.latencies) if probe else 0,
                     "median": statistics.median(probe.latencies)
                     if probe and probe.latencies else float("nan"),
                     "max": max(probe.latencies) if probe and probe.latencies
                     else float("nan"),
                     "errors": len(probe.errors) if probe else 0},
        "redis_used_mib": redis_info.get("used_memory", 0) / 2**20,
        "peak_rss_mib": peak_rss,
        "load_s": load_s, "wall_s": time.monotonic() - wall_start,
        "logs": logs,
    }


def _trainings(client) -> int:
    return sum(int(client.get(k) or 0) for k in client.scan_iter("vglab:trained:*"))


def _tail(path: Path, chars: int = 1500) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def _wait_http(url: str, nginx: Nginx) -> None:
    import urllib.error
    import urllib.request
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        if nginx.proc.poll() is not None:
            raise RuntimeError(f"nginx exited: {_tail(nginx.conf.parent / 'nginx.out')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"nginx did not answer {url}")
        time.sleep(0.2)


def format_report(r: dict) -> str:
    f, h, k = r["finished_s"], r["health_s"], r["kill"]
    lines = [
        f"sessions: {r['sessions']} through nginx to {r['replicas']} replicas "
        f"({r['shared']} on one shared link), started {r['started']}, served "
        f"{r['served']}, correct {r['correct']}, failures {len(r['failures'])}, "
        f"wrong {len(r['wrong'])}",
        f"trainings run: {r['trainings']} for {r['configs']} distinct configs; the shared "
        f"config {r['shared_trainings']} time(s) across the replicas",
        "first served by: " + ", ".join(f"{rep} {n}" for rep, n in
                                        sorted(r["by_replica"].items())),
        (f"replica killed (SIGKILL) at {k['at_s']:.0f} s with {k['sessions_on_it']} "
         f"sessions on it, {k['unfinished_on_it']} of them unfinished; replicas alive at "
         f"the end: {r['replicas_alive_at_end']}") if k else "no replica killed",
        f"time to finished: median {f['median']:.1f} s, worst {f['max']:.1f} s; every "
        f"session finished and read (after the kill) by {r['done_s_max']:.1f} s",
        f"health via nginx ({h['n']} GETs): median {h['median'] * 1000:.0f} ms, worst "
        f"{h['max'] * 1000:.0f} ms, errors {h['errors']}",
        f"Redis used {r['redis_used_mib']:.1f} MiB; replicas' peak RSS "
        + ", ".join(f"{m:.0f}" for m in r["peak_rss_mib"]) + " MiB",
        f"wall: load {r['load_s']:.1f} s, total {r['wall_s']:.1f} s",
    ]
    lines += [f"  FAILED {x}" for x in r["failures"]]
    lines += [f"  WRONG {x}" for x in r["wrong"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=40)
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=480.0,
                    help="seconds for every session to finish (the test's deadline)")
    ap.add_argument("--no-kill", action="store_true", help="keep every replica up")
    args = ap.parse_args(argv)
    if missing_tools():
        ap.error(f"missing: {', '.join(missing_tools())} (.ci/run installs them)")
    if not 2 <= args.sessions <= 100 or not 1 <= args.replicas <= 4:
        ap.error("--sessions: 2 to 100; --replicas: 1 to 4")
    report = run_scale_test(args.sessions, args.replicas, args.timeout,
                            kill_replica=not args.no_kill)
    print(format_report(report))
    ok = not report["failures"] and not report["wrong"] and report["shared_trainings"] == 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
