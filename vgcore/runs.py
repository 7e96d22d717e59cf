"""Train whatever a config describes: one entry point for the app's runner, the result
store and the CLI's warm-up, through the config's kind (vgcore.kinds)."""
from __future__ import annotations

from typing import Any, Callable, Sequence

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


def plan_batches(configs: Sequence[Any]) -> list[list[int]]:
    """Which of `configs` train together (`run_batch`): lists of their indices, in order
    of first appearance; configs of different kinds, or of a kind that trains each
    config alone, one list each."""
    by_kind: dict[str, list[int]] = {}
    for i, config in enumerate(configs):
        by_kind.setdefault(kind_of(config).name, []).append(i)
    out: list[list[int]] = []
    for indices in by_kind.values():
        kind = kind_of(configs[indices[0]])
        if kind.batches is None:
            out += [[i] for i in indices]
        else:
            out += [[indices[j] for j in batch]
                    for batch in kind.batches([configs[i] for i in indices])]
    return sorted(out, key=lambda batch: batch[0])


def run_batch(configs: Sequence[Any], on_epoch: Callable | None = None, **kwargs: Any
              ) -> list[Any]:
    """Train configs that `plan_batches` put together, as one run of their kind: their
    results in order, each number for number `run_config`'s. `on_epoch` sees the first
    config's progress; `kwargs` as for run_config."""
    configs = list(configs)
    if len(configs) == 1:
        return [run_config(configs[0], on_epoch, **kwargs)]
    kind = kind_of(configs[0])
    if kind.train_many is None or any(kind_of(c) is not kind for c in configs):
        raise ValueError("configs: these are not trained together (plan_batches)")
    try:
        return kind.train_many(configs, on_epoch=on_epoch, **kwargs)
    finally:
        release_freed_memory()


def result_type(config: Any) -> type:
    """The result class a config's run returns (what the store rebuilds from data)."""
    return kind_of(config).result


__all__ = ["run_config", "run_batch", "plan_batches", "result_type"]
