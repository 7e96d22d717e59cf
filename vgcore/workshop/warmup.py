"""Every experiment the app runs with its defaults: the lesson pages', the presets' and the
exercises' starting configs, each once. What a warm-up trains ahead of a workshop, and
what tests use to check that every default is a valid, cheap run."""
from __future__ import annotations

from vgcore.config import ExperimentConfig
from vgcore.recurrent import RecurrentConfig

from .exercises import EXERCISES, RECURRENT_EXERCISES
from .experiments import PAGE_EXPERIMENTS, RECURRENT_EXPERIMENTS
from .presets import PRESETS, RECURRENT_PRESETS


def default_configs() -> list[ExperimentConfig | RecurrentConfig]:
    """Every config the lesson pages, presets and exercises run with their defaults
    (the recurrent lesson's RecurrentConfigs too)."""
    pages = {**PAGE_EXPERIMENTS, **RECURRENT_EXPERIMENTS}
    configs = [c for page in pages.values() for c in page.configs()]
    configs += [c for preset in {**PRESETS, **RECURRENT_PRESETS}.values()
                for _, c in preset.configs]
    configs += [ex.start for ex in {**EXERCISES, **RECURRENT_EXERCISES}.values()]
    return list(dict.fromkeys(configs))


__all__ = ["default_configs"]
