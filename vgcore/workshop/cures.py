"""Lesson 8, How it was fixed: the deep sigmoid net that would not learn, and each
historical cure switched on in turn, trained side by side.

A `Cure` is one registry entry: what it is, when and by whom, one line of history, and
the config fields it sets (`changes`). Its label and history line, and the names of the
plain and combined nets (PLAIN, COMBINED), are English marked for the catalog (N_): they
are the runs' names (result keys, the frames' `net` column, colours), shown in the
reader's language with tr(label) wherever they are shown. `cure_runs(config, keys)` gives the learner's net
once plain and once per cure (and, asked for, once with all of them together);
`cure_seeds(results, target)` is the lesson's numbers for every net and seed: the speed
ratio at initialisation, the test accuracy after the last epoch, and the first epoch that
reached `target`; `cure_table` their medians over the seeds, one row per net.

Pure: no streamlit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping, Sequence

import pandas as pd

from vgcore.config import ExperimentConfig
from vgcore.i18n import N_, listing, tr, trn
from vgcore.results import Result, epoch_reaching, median


PLAIN = N_("Plain net")
COMBINED = N_("All ticked cures together")


@dataclass(frozen=True)
class Cure:
    key: str
    label: str                         # N_-marked: shown with tr(label)
    year: int
    paper: str                         # a citation: names, kept as written
    history: str                       # one line: what it did and why it helped (N_)
    changes: Mapping[str, Any]         # the config fields it sets

    def apply(self, config: ExperimentConfig) -> ExperimentConfig:
        return config.replace(**self.changes)


def _cure(key: str, label: str, year: int, paper: str, history: str, **changes: Any
          ) -> Cure:
    return Cure(key, label, year, paper, history, MappingProxyType(changes))


# In the order they were found. Each changes as little as it can: the ReLU cure keeps the
# net's initialisation (He et al.'s init for ReLU came four years later, in 2015).
CURES: dict[str, Cure] = {c.key: c for c in (
    _cure("pretraining", N_("Layer-wise pretraining"), 2006,
          "Hinton, Osindero & Teh 2006; Bengio, Lamblin, Popovici & Larochelle 2007",
          N_("the breakthrough of 2006–2007: train each layer alone, as an autoencoder of "
             "the layer below, then fine-tune the whole net — the first way deep nets "
             "learned at all"), pretrain_epochs=3),
    _cure("normalised_init", N_("Normalised init"), 2010, "Glorot & Bengio 2010",
          N_("draw the weights with variance 2/(fan_in + fan_out) so every tanh layer "
             "passes on a signal, and a gradient, of about the same size; for the "
             "sigmoid, σ' ≤ ¼ still shrinks the gradient at every layer"), init="xavier"),
    _cure("relu", "ReLU", 2011, "Glorot, Bordes & Bengio 2011",
          N_("f'(z) = 1 wherever a unit is active, instead of σ' ≤ ¼: the factor each "
             "layer multiplies the gradient by no longer shrinks it"),
          activations=("relu",)),
    _cure("clipping", N_("Gradient clipping"), 2013, "Pascanu, Mikolov & Bengio 2013",
          N_("cap the gradient's norm: a cure for gradients that explode (lesson 7), so it "
             "should change nothing for one that vanishes"), grad_clip=1.0),
    _cure("batch_norm", N_("Batch norm"), 2015, "Ioffe & Szegedy 2015",
          N_("normalise every layer's input to each unit over the mini-batch, so no "
             "sigmoid sits saturated and every layer's gradient keeps its scale"),
          norm="batch"),
    _cure("residual", N_("Residual connections"), 2016, "He, Zhang, Ren & Sun 2016",
          N_("add each layer's input to its output: the gradient has a path to layer 1 "
             "that multiplies by 1, not by one factor per layer"), residual=True),
)}


# The combined net's registry name: with the cure keys, what its colour is keyed by.
COMBINED_KEY = "combined"


def net_names(runs: Mapping[str, ExperimentConfig]) -> dict[str, tuple[str, str]]:
    """What each net of `cure_runs` *is*, as (group, registry name), so a chart draws it in
    that name's one colour (vgcore.charts.palette): a cure by its key (the ReLU cure is
    ReLU), the combined net as 'combined', and the plain net as its activation (the
    sigmoid net in sigmoid's colour); a plain net of several activations is left out."""
    by_label = {c.label: c.key for c in CURES.values()}
    names: dict[str, tuple[str, str]] = {}
    for label, config in runs.items():
        if label in by_label:
            names[label] = ("cure", by_label[label])
        elif label == COMBINED:
            names[label] = ("cure", COMBINED_KEY)
        elif label == PLAIN and len(config.activations) == 1:
            names[label] = ("activation", config.activations[0])
    return names


def cure_runs(config: ExperimentConfig, keys: Sequence[str], combined: bool = False
              ) -> dict[str, ExperimentConfig]:
    """The learner's net plain, with each cure in `keys` (registry order), and, with
    `combined`, with all of them at once: label -> config. The plain net is the
    learner's config with every cure switched off, so a cure's row differs from the
    plain row in that cure alone."""
    unknown = [k for k in keys if k not in CURES]
    if unknown:
        raise ValueError(f"cures: unknown {', '.join(map(str, unknown))}; allowed: "
                         f"{', '.join(CURES)}")
    chosen = [CURES[k] for k in CURES if k in keys]
    runs = {PLAIN: config}
    for cure in chosen:
        runs[cure.label] = cure.apply(config)
    if combined and len(chosen) > 1:
        together = config
        for cure in chosen:
            together = cure.apply(together)
        runs[COMBINED] = together
    return runs


SEED_COLUMNS = ["net", "seed", "speed_ratio", "final_test_accuracy", "reached_at",
                "diverged_at"]


def cure_seeds(results: Mapping[str, Result], target: float) -> pd.DataFrame:
    """One row per run and seed (label -> its Result, in order): the speed ratio at
    initialisation, the final test accuracy, the first epoch whose test accuracy reached
    `target` (NaN if never) and the epoch it diverged at (NaN if never). Every run has
    the same seeds, so a cure's seed s and the plain net's seed s share their data."""
    rows = []
    for label, result in results.items():
        for row in result.summary.itertuples():
            history = result.history[(result.history["seed"] == row.seed)
                                     & (result.history["activation"] == row.activation)]
            rows.append({"net": label, "seed": int(row.seed),
                         "speed_ratio": float(row.speed_ratio),
                         "final_test_accuracy": float(row.final_test_accuracy),
                         "reached_at": epoch_reaching(history, target),
                         "diverged_at": float(row.diverged_at)})
    return pd.DataFrame(rows, columns=SEED_COLUMNS)


TABLE_COLUMNS = ["net", "year", "speed_ratio", "final_test_accuracy", "reached_at",
                 "diverged_at", "n_seeds"]


def cure_table(results: Mapping[str, Result], target: float) -> pd.DataFrame:
    """One row per run (label -> its Result, in order): the year of its cure (NaN for the
    plain and combined nets), the speed ratio at initialisation and the final test
    accuracy (medians over the seeds, `cure_seeds`), the first epoch whose test accuracy
    reached `target` (median over the seeds that reached it; NaN if none did) and the
    first divergence."""
    by_label = {c.label: c for c in CURES.values()}
    seeds = cure_seeds(results, target)
    rows = []
    for label in results:
        own = seeds[seeds["net"] == label]
        cure = by_label.get(label)
        rows.append({
            "net": label, "year": float(cure.year) if cure else math.nan,
            "speed_ratio": median(own["speed_ratio"]),
            "final_test_accuracy": median(own["final_test_accuracy"]),
            "reached_at": median(own["reached_at"]),
            "diverged_at": float(own["diverged_at"].min()),
            "n_seeds": len(own)})
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


SAME_ACCURACY = 0.01     # within one point of the plain net: no help at all


def no_help(seeds: pd.DataFrame) -> list[tuple[str, int, int]]:
    """The nets of `cure_seeds` whose final test accuracy is within SAME_ACCURACY of the
    plain net's (the first net) on the same seed, on a majority of the seeds: (net, on
    how many seeds, of how many). On the accuracy chart their lines lie on its line."""
    if seeds.empty:
        return []
    nets = list(dict.fromkeys(seeds["net"]))
    plain = seeds[seeds["net"] == nets[0]].set_index("seed")["final_test_accuracy"]
    out = []
    for net in nets[1:]:
        own = seeds[seeds["net"] == net].set_index("seed")["final_test_accuracy"]
        same = int(((own - plain.reindex(own.index)).abs() < SAME_ACCURACY).sum())
        if same > len(own) / 2:
            out.append((str(net), same, len(own)))
    return out


def no_help_sentence(seeds: pd.DataFrame) -> str | None:
    """`no_help` in words, counted over the seeds: "No help at all: Gradient clipping (on
    3 of 3 seeds within one point of the plain net's test accuracy) — its line lies on
    the plain net's"; None when every cure changed something. In the reader's language
    (the nets' names too: they are N_-marked labels)."""
    same = no_help(seeds)
    if not same:
        return None
    names = listing(trn("{net} (on {held} of {total} seed within one point of the plain "
                        "net's test accuracy)",
                        "{net} (on {held} of {total} seeds within one point of the plain "
                        "net's test accuracy)", total, net=tr(net), held=held, total=total)
                    for net, held, total in same)
    return trn("No help at all: {names} — its line lies on the plain net's",
               "No help at all: {names} — their lines lie on the plain net's", len(same),
               names=names)


def labelled_frames(results: Mapping[str, Result], frame: str) -> pd.DataFrame:
    """One of the results' frames ('history', 'layers') of every run, with its run label
    in a `net` column: the page's charts draw one colour per net."""
    return pd.concat([getattr(r, frame).assign(net=label) for label, r in results.items()],
                     ignore_index=True)


__all__ = ["Cure", "CURES", "PLAIN", "COMBINED", "COMBINED_KEY", "net_names", "cure_runs",
           "cure_table", "cure_seeds", "labelled_frames", "no_help", "no_help_sentence",
           "TABLE_COLUMNS", "SEED_COLUMNS"]
