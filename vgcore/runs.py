"""Train whatever a config describes: one entry point for the app's runner, the result
store and the CLI's warm-up, through the config's kind (vgcore.kinds)."""
from __future__ import annotations

from typing import Any, Callable

from .kinds import kind_of
from .malloc import release_freed_memory


def run_config(config: Any, on_epoch: Callable | None = None, **kwargs: Any) -> Any:
    """Train `config` with its kind's trainer; `kwargs` (threads, max_seconds,
    should_stop, device) go to it: every kind's trainer takes the same keywords. The
    run's freed memory goes back to the OS afterwards (a server trains run after run)."""
    try:
        return kind_of(config).train(config, on_epoch=on_epoch, **kwargs)
    finally:
        release_freed_memory()


def result_type(config: Any) -> type:
    """The result class a config's run returns (what the store rebuilds from data)."""
    return kind_of(config).result


__all__ = ["run_config", "result_type"]
