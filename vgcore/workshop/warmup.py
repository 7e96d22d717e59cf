"""Every experiment the app runs with its defaults: the lesson pages', the presets' and the
exercises' starting configs, each once. What a warm-up trains ahead of a workshop, and
what tests use to check that every default is a valid, cheap run."""
from __future__ import annotations

from typing import Any

from .exercises import EXERCISES
from .experiments import PAGE_EXPERIMENTS
from .presets import PRESETS


def default_configs() -> list[Any]:
    """Every config the lesson pages, presets and exercises run with their defaults, of
    every experiment kind."""
    configs = [c for page in PAGE_EXPERIMENTS.values() for c in page.configs()]
    configs += [c for preset in PRESETS.values() for _, c in preset.configs]
    configs += [ex.start for ex in EXERCISES.values()]
    return list(dict.fromkeys(configs))


__all__ = ["default_configs"]
