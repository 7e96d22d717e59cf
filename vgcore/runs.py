"""Train whatever a config describes: one entry point for the app's runner, the result
store and the CLI's warm-up, so they need not know each kind of experiment."""
from __future__ import annotations

from typing import Any, Callable

from .config import ExperimentConfig


def run_config(config: Any, on_epoch: Callable | None = None, **kwargs: Any) -> Any:
    """An ExperimentConfig is trained by `vgcore.train.run`, a RecurrentConfig by
    `vgcore.recurrent.run_recurrent`; `kwargs` (threads, max_seconds, should_stop,
    device) go to the trainer, whose keywords are the same."""
    if isinstance(config, ExperimentConfig):
        from .train import run
        return run(config, on_epoch=on_epoch, **kwargs)
    from .recurrent import RecurrentConfig, run_recurrent
    if isinstance(config, RecurrentConfig):
        return run_recurrent(config, on_epoch=on_epoch, **kwargs)
    raise ValueError(f"config: expected an experiment config, got {type(config).__name__}")


def result_type(config: Any) -> type:
    """The result class a config's run returns (what the store rebuilds from data)."""
    if isinstance(config, ExperimentConfig):
        from .results import Result
        return Result
    from .recurrent import RecurrentConfig, RecurrentResult
    if isinstance(config, RecurrentConfig):
        return RecurrentResult
    raise ValueError(f"config: expected an experiment config, got {type(config).__name__}")


__all__ = ["run_config", "result_type"]
