"""A room's own spread: every stored run of one experiment, whatever its seed, pooled.

In a workshop each learner runs the leader's link with their own `?seed=`; the store
lists each stored run under its experiment (`Store.runs_of_room`). Repeat k of a run
with seed s is the run with seed s + k alone, so two runs that share a seed share its
numbers: each seed's rows are taken once, from the first run that has them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import pandas as pd

from vgcore.kinds import kind_of
from vgcore.store.base import MAX_ROOM_RUNS, Store, room_of


@dataclass(frozen=True)
class RoomPool:
    """The pooled seeds of one experiment: `frames` holds, per frame name, the rows of
    every seed in `seeds` (each once); `runs` is how many stored runs they came from."""
    experiment: Any                       # the config with seed 0 and one repeat
    seeds: tuple[int, ...] = ()
    runs: int = 0
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)


def room_runs(store: Store, config: Any) -> list[Any]:
    """The configs of every stored run of `config`'s experiment (at most MAX_ROOM_RUNS,
    the latest), whatever their seed and repeats."""
    if room_of(config) is None:
        return []
    return [config.replace(seed=seed, n_seeds=n)
            for seed, n in store.runs_of_room(config)[-MAX_ROOM_RUNS:]]


def pool(config: Any, runs: Iterable[Any], frames_of: Callable[[Any], dict | None],
         frames: Sequence[str] | None = None) -> RoomPool:
    """Pool the runs (configs of one experiment): `frames_of(run)` gives a run's frames
    by name (None: no longer stored). `frames`: which to pool (default: the kind's
    `out_frames`); only frames with a `seed` column are pooled."""
    names = tuple(frames or kind_of(config).out_frames)
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in names}
    seen: set[int] = set()
    used = 0
    for run in runs:
        new = [s for s in range(run.seed, run.seed + run.n_seeds) if s not in seen]
        got = frames_of(run) if new else None
        if not got:
            continue
        for name in names:
            frame = got.get(name)
            if isinstance(frame, pd.DataFrame) and "seed" in frame.columns:
                parts[name].append(frame[frame["seed"].isin(new)])
        seen.update(new)
        used += 1
    pooled = {name: pd.concat(p, ignore_index=True) for name, p in parts.items() if p}
    return RoomPool(room_of(config), tuple(sorted(seen)), used, pooled)


def frames_from(store: Store, frames: Sequence[str]) -> Callable[[Any], dict | None]:
    """`frames_of` for `pool` reading each run's result from `store`."""
    def frames_of(run: Any) -> dict | None:
        result = store.get(run)
        return None if result is None else {name: getattr(result, name, None)
                                            for name in frames}
    return frames_of


def pool_room(store: Store, config: Any, frames: Sequence[str] | None = None) -> RoomPool:
    """Every stored run of `config`'s experiment, pooled (`pool`) straight from the store."""
    names = tuple(frames or kind_of(config).out_frames)
    return pool(config, room_runs(store, config), frames_from(store, names), names)


__all__ = ["RoomPool", "room_runs", "pool", "pool_room", "frames_from"]
