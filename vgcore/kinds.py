"""Experiment kinds: the one interface through which everything above the engine (the
store, the runner, widgets and links, downloads, presets, exercises, `vgcore warm`, the
CLI, uploads) takes an experiment, without asking which kind it holds.

A kind is declared in its own module and registered there (`register`): the MLP kind in
`vgcore.mlp`, the recurrent kind in `vgcore.recurrent`. A new kind is a new module.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence


@dataclass(frozen=True)
class Kind:
    """One way of training nets side by side."""
    name: str                         # how files and the registry name it: "mlp"
    command: str                      # its CLI subcommand: `python -m vgcore <command>`
    help: str                         # one line: what a run of it trains
    description: str                  # its CLI command's description
    config: type                      # a vgcore.config.DeclaredConfig subclass
    result: type                      # its result: a dataclass of config, frames, numbers
    # train(config, on_epoch=None, *, threads, max_seconds, should_stop, device): one
    # progress, time-cap and cancellation contract for every kind (vgcore.train.run's)
    train: Callable[..., Any]
    net: str                          # the column that names a net in its frames
    net_label: Callable[[str], str]   # a net's name for people ("ReLU", "LSTM")
    out_frames: tuple[str, ...]       # frames written as CSV by the CLI's --out
    # (frame, button label): what a page offers to download beside the config
    downloads: tuple[tuple[str, str], ...]
    summary_text: Callable[[Any], str]   # the CLI's table of a finished run
    caps: Mapping[str, float] = field(default_factory=dict)   # what `vgcore list` shows
    # (result, net) -> why that net diverged, from the run's own measurements, with the
    # advice that follows; None (or no function): it cannot tell, and the app gives
    # the generic advice (a smaller step)
    divergence_cause: Callable[[Any, str], str | None] | None = None
    # (configs) -> which of them train together, lists of indices; and (configs of one
    # such list, on_epoch=None, **train's keywords) -> their results, in order, each the
    # one `train` gives. None: each config trains alone
    batches: Callable[[Sequence[Any]], list[list[int]]] | None = None
    train_many: Callable[..., list[Any]] | None = None


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add `kind` to KINDS (once per name and per config class)."""
    for other in KINDS.values():
        if other.name != kind.name and kind.config is other.config:
            raise ValueError(f"kind {kind.name!r}: its config class is {other.name!r}'s")
    KINDS[kind.name] = kind
    return kind


def kind_of(thing: Any) -> Kind:
    """The kind of a config or a result (an instance or its class); ValueError for
    anything else."""
    cls = thing if isinstance(thing, type) else type(thing)
    for kind in KINDS.values():
        if issubclass(cls, (kind.config, kind.result)):
            return kind
    raise ValueError(f"config: expected an experiment config or result, got "
                     f"{cls.__name__}")


def is_result(thing: Any) -> bool:
    """Whether `thing` is a result of some kind."""
    return any(isinstance(thing, kind.result) for kind in KINDS.values())


def by_command(command: str) -> Kind:
    return next(kind for kind in KINDS.values() if kind.command == command)


__all__ = ["Kind", "KINDS", "register", "kind_of", "is_result", "by_command"]
