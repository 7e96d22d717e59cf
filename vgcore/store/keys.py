"""A stored result's key: the engine's version, the config's type and its canonical JSON."""
from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

# vgcore files and folders whose code cannot change a result: left out of the engine
# version (the store itself included: its format has a version of its own).
_NOT_ENGINE = ("cli.py", "__main__.py", "charts", "workshop", "store")


@cache
def engine_version() -> str:
    """12 hex digits that change whenever code that computes results changes: the engine's
    source files (every vgcore/**/*.py but the CLI, the charts, the workshop and the
    store) and torch's and numpy's versions. Computed once per process."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root)
        if name.parts[0] in _NOT_ENGINE or "__pycache__" in name.parts:
            continue
        h.update(name.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for package in ("torch", "numpy"):
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{package}={version}\0".encode())
    return h.hexdigest()[:12]


def _canonical(value: Any) -> Any:
    """-0.0 is 0.0 (equal configs, one key); lists and tuples alike."""
    if isinstance(value, float) and value == 0.0:
        return 0.0
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def kind_of(config: Any) -> str:
    """The config's type as stored: 'vgcore.config.ExperimentConfig'."""
    return f"{type(config).__module__}.{type(config).__qualname__}"


def key_text(config: Any) -> str:
    """What a key stands for: engine version, the config's type, its canonical JSON."""
    body = json.dumps(_canonical(config.to_dict()), sort_keys=True, separators=(",", ":"))
    return f"{engine_version()}|{kind_of(config)}|{body}"


def key_of(config: Any) -> str:
    """The store key of a config: SHA-256 of `key_text`, hex."""
    return hashlib.sha256(key_text(config).encode()).hexdigest()


def storable(result: Any) -> bool:
    """A run cut short by a time cap depends on the machine's speed: never stored."""
    return result is not None and getattr(result, "stopped_at", None) is None
