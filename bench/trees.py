"""Two versions of vgcore side by side: a tree at a git revision, and a worker process
that imports vgcore from a tree and answers one JSON line per job (bench_cures.py,
bench_kinds.py)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


class Worker:
    """A python process running `code` with vgcore imported from `tree`: it reads one
    JSON job per line and answers one JSON line (imports and warm-up paid once)."""

    def __init__(self, tree: Path, code: str) -> None:
        env = {k: v for k, v in os.environ.items() if k in ("HOME", "VGCORE_CACHE",
                                                             "TMPDIR")}
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=tree, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin",
                                          **env})

    def ask(self, job: Any) -> Any:
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError("worker died; run the config by hand to see why")
        return json.loads(answer)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def base_tree(revision: str, into: Path) -> Path:
    """vgcore/ as it was at `revision`, extracted into `into` (read-only for the repo)."""
    archive = subprocess.run(["git", "archive", revision, "vgcore"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into
