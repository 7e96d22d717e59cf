"""The leader's guide (docs/workshop.md) states the code's numbers: every number it gives
about a run is listed below with the guide's words around it, the run it describes (a
page's default experiment, a preset, an exercise's start and the variations the guide
names) and how the number is derived from that run, then recomputed through vgcore and
compared with the guide at the precision the guide writes it (86.1% holds for 0.8605 to
0.8615). The guide stays plain Markdown; a number that drifts from the code, or a phrase
that is no longer in the guide, fails here with the code's value beside the guide's.

After a change of defaults, print every checked phrase as the code would write it:
    python -m tests.test_guide --print          # from the repository root
Runs are trained once per process (`_run`) and shared by every assertion; the lesson-9
sweeps over 5 seeds and the timings are not checked (minutes of training, and the
machine's speed).
"""
from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Callable

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from vgcore.recurrent.results import time_ratio  # noqa: E402
from vgcore.results import median, net_history, net_outcome, seed_outcomes  # noqa: E402
from vgcore.runs import run_config  # noqa: E402
from vgcore.workshop.cures import CURES, PLAIN, cure_runs, cure_seeds  # noqa: E402
from vgcore.workshop.exercises import EPOCH_TOLERANCE, EXERCISES  # noqa: E402
from vgcore.workshop.experiments import PAGE_EXPERIMENTS, closed_gate  # noqa: E402
from vgcore.workshop.presets import PRESETS  # noqa: E402

GUIDE = ROOT / "docs" / "workshop.md"

# ---------------------------------------------------------------------------------------
# How the guide writes a number, and how precise that writing is
# ---------------------------------------------------------------------------------------
_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_TO_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
NUMBER = r"never|[+−-]?(?:\d[\d,]*(?:\.\d+)?(?:·10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)?|10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)%?"


def _decimals(digits: str) -> int:
    return len(digits.split(".")[1]) if "." in digits else 0


def parse(text: str) -> tuple[float, float]:
    """A number as the guide writes it -> (value, half a unit of its last digit):
    '86.1%' -> (0.861, 0.0005), '3.9·10⁵' -> (390000, 5000), '1,333' -> (1333, 0.5),
    'never' -> (NaN, 0)."""
    if text == "never":
        return math.nan, 0.0
    body = text.replace(",", "").replace("−", "-").lstrip("+")
    scale = 0.01 if body.endswith("%") else 1.0
    body = body.rstrip("%")
    if body.startswith("10") and "·" not in body and body[2:3] in "⁻⁰¹²³⁴⁵⁶⁷⁸⁹" \
            and len(body) > 2:                                  # 10⁻⁶: a power alone
        return 10.0 ** int(body[2:].translate(_SUP)), 0.0
    mantissa, _, power = body.partition("·10")
    scale *= 10.0 ** int(power.translate(_SUP)) if power else 1.0
    return float(mantissa) * scale, 0.5 * 10.0 ** -_decimals(mantissa) * scale


def write_like(value: float, text: str) -> str:
    """`value` written the way the guide wrote `text` (its form and precision)."""
    if math.isnan(value):
        return "never"
    sign = "+" if text.startswith("+") else ""
    percent = text.endswith("%")
    body = text.replace(",", "").lstrip("+").rstrip("%")
    if "·10" in body or (body.startswith("10") and len(body) > 2 and "·" not in body
                         and body[2] in "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"):
        mantissa = body.partition("·10")[0] if "·10" in body else ""
        places = _decimals(mantissa) if mantissa else 0
        power = math.floor(math.log10(abs(value))) if value else 0
        m = round(value / 10.0 ** power, places)
        if abs(m) >= 10:
            m, power = m / 10, power + 1
        exponent = str(power).translate(_TO_SUP)
        if not mantissa and m == 1:                 # 10⁻⁶ stays a bare power
            return f"10{exponent}"
        return f"{m:.{places}f}·10{exponent}"
    shown = value * 100 if percent else value
    out = f"{shown:,.{_decimals(body)}f}" if "," in text else f"{shown:.{_decimals(body)}f}"
    return f"{sign}{out}{'%' if percent else ''}"


def holds(value: float, text: str) -> bool:
    """Whether the guide's `text` is `value` rounded as the guide rounds it."""
    written, half = parse(text)
    if math.isnan(written) or math.isnan(value):
        return math.isnan(written) and math.isnan(value)
    return abs(value - written) <= half * (1 + 1e-9) + 1e-12 * abs(written)


# ---------------------------------------------------------------------------------------
# The runs the guide describes (trained once per process)
# ---------------------------------------------------------------------------------------
@cache
def _run(config: Any) -> Any:
    return run_config(config)


@cache
def how_fixed() -> Any:
    """Lesson 8's numbers of each seed as the page computes them (target 50%): one row
    per net and seed (`cure_seeds`)."""
    config = PAGE_EXPERIMENTS["how_fixed"].config
    results = {label: _run(c) for label, c in cure_runs(config, tuple(CURES)).items()}
    return cure_seeds(results, 0.5)


@cache
def preset(key: str) -> tuple[dict[str, float], dict[str, float], dict[str, Any]]:
    """(ours, published, results) of a preset, by quantity label."""
    p = PRESETS[key]
    results = p.run_all(_run)
    return p.ours(results), dict(p.published), results


def overfitting(column: str, **changes: Any) -> list[float]:
    """Lesson 5's net (its default, with `changes`): an outcome number of each seed."""
    result = _run(PAGE_EXPERIMENTS["overfitting"].config.replace(**changes))
    return seed_outcomes(result.history, "sigmoid")[column].tolist()


def exercise(key: str, **changes: Any) -> Any:
    """The summary row of an exercise's start (with `changes`), its first net."""
    result = _run(EXERCISES[key].start.replace(**changes))
    return result.summary.iloc[0]


def exercise_train_loss(key: str, epoch: int, **changes: Any) -> float:
    h = _run(EXERCISES[key].start.replace(**changes)).history
    return float(h[(h["split"] == "train") & (h["epoch"] == epoch)]["loss"].iloc[0])


def saturation(epoch: int, column: str, layer: int) -> float:
    """Glorot & Bengio saturation preset: a hidden layer's `column` at `epoch`."""
    layers = preset("glorot-saturation")[2]["sigmoid, standard init"].layers
    rows = layers[(layers["epoch"] == epoch) & (layers["layer"] == layer)]
    return float(rows[column].mean())


def through_time(cell: str, closed: bool = False) -> list[float]:
    """Lesson 9's default run (or its closed-gate LSTM): a cell's step-1 ratio at init,
    of each seed."""
    config = PAGE_EXPERIMENTS["through_time"].config
    grads = _run(closed_gate(config) if closed else config).time_grads
    own = grads[grads["cell"] == cell]
    return [time_ratio(own[own["seed"] == seed]) for seed in sorted(set(own["seed"]))]


# ---------------------------------------------------------------------------------------
# The guide's numbers: its words with {} for each number, and what each number is
# ---------------------------------------------------------------------------------------
ANY = "{?}"          # in a claim's words: a table cell the claim does not check


@dataclass(frozen=True)
class Claim:
    words: str                                   # the guide's text, {} for each number
    numbers: tuple[Callable[[], float], ...]     # each number from the code

    @property
    def text(self) -> str:
        """The words as one line (the guide's line breaks do not matter)."""
        return " ".join(self.words.split())

    def pattern(self) -> re.Pattern:
        parts = [re.escape(p).replace(re.escape(ANY), "[^|]*?")
                 for p in self.text.split("{}")]
        return re.compile(f"({NUMBER})".join(parts))

    def fill(self, numbers: list[str]) -> str:
        """The words with `numbers` in the {} slots (ANY stays)."""
        parts = self.text.split("{}")
        return "".join(p + n for p, n in zip(parts, numbers + [""]))


def claim(words: str, *numbers: Callable[[], float]) -> Claim:
    assert words.count("{}") == len(numbers), words
    return Claim(words, numbers)


# A page's number over its seeds is written "median (lowest–highest)", SPREAD, or, where
# every seed gives the same written number, once (checked on each seed, `Each`).
SPREAD = "{} ({}–{})"


class Each(tuple):
    """Every seed's value of a number the guide writes once: it must hold for each."""


def _spread(values: Callable[[], list[float]]) -> tuple[Callable[[], float], ...]:
    """The SPREAD numbers of `values()` (one per seed): median, lowest, highest of the
    finite ones (NaN, 'never', where no seed has one)."""
    def finite() -> list[float]:
        return [v for v in values() if math.isfinite(v)]
    return (lambda: median(values()), lambda: min(finite(), default=math.nan),
            lambda: max(finite(), default=math.nan))


def _each(values: Callable[[], list[float]]) -> Callable[[], Each]:
    return lambda: Each(values())


def _over_seeds(form: str, values: Callable[[], list[float]]
                ) -> tuple[Callable[[], Any], ...]:
    """The numbers of a cell written as `form`: SPREAD or "{}" (the same on each seed)."""
    return _spread(values) if form == SPREAD else (_each(values),)


def _holds_on_seeds(value: Any, written: str) -> bool:
    if isinstance(value, Each):
        return all(holds(float(v), written) for v in value)
    return holds(float(value), written)


def _middle(value: Any) -> float:
    """What the code would write: a seeds' number (Each) by its median."""
    return median(value) if isinstance(value, Each) else float(value)


def _cure(net: str, column: str) -> Callable[[], list[float]]:
    return lambda: how_fixed().loc[how_fixed()["net"] == net, column].tolist()


def _ours(key: str, label: str) -> Callable[[], float]:
    return lambda: preset(key)[0][label]


def _published(key: str, label: str) -> Callable[[], float]:
    return lambda: preset(key)[1][label]


def _ch5(depth: int, layer: int, which=_ours) -> Callable[[], float]:
    return which("nielsen-ch5", f"{depth} layers: hidden {layer} bias-gradient norm")


def _ch5_ratio(depth: int, which=_ours) -> Callable[[], float]:
    return which("nielsen-ch5", f"{depth} layers: last ÷ first")


def _ch3(column: str) -> Callable[[], float]:
    def measure() -> float:
        h = preset("nielsen-ch3")[2]
        return net_outcome(net_history(next(iter(h.values())).history, "sigmoid"))[column]
    return measure


def _ch3_train_accuracy_reaches(accuracy: float) -> float:
    h = next(iter(preset("nielsen-ch3")[2].values())).history
    train = h[(h["split"] == "train") & (h["accuracy"] >= accuracy)]
    return float(train["epoch"].min())


def _summary(key: str, column: str, **changes: Any) -> Callable[[], float]:
    return lambda: float(exercise(key, **changes)[column])


def _lesson5(column: str, **changes: Any) -> Callable[[], list[float]]:
    return lambda: overfitting(column, **changes)


LESSON5_COLUMNS = ("final_test_accuracy", "final_train_accuracy", "rise", "best_test_epoch",
                   "gap")


def _lesson5_row(run: str, forms: tuple[str, ...], **changes: Any) -> Claim:
    """A row of lesson 5's table: each column's number over the page's seeds."""
    return claim(f"| {run} | " + " | ".join(forms) + " |",
                 *(n for form, column in zip(forms, LESSON5_COLUMNS)
                   for n in _over_seeds(form, _lesson5(column, **changes))))


CURE = {c.key: c.label for c in CURES.values()}
HS = "lstm-through-time"
SIGMOID_SPEED = "sigmoid-speed"
RELU_REFERENCE = dict(activations=("relu",), init="he", bias_init="zeros")
CLAIMS: dict[str, tuple[Claim, ...]] = {
    "lesson 8 (How it was fixed)": tuple(
        claim(f"| {row} | {SPREAD}{after} | {accuracy}{note} | {{}} |",
              *_spread(_cure(net, "speed_ratio")),
              *_over_seeds(accuracy, _cure(net, "final_test_accuracy")),
              _each(_cure(net, "reached_at")))
        for row, after, accuracy, note, net in (
            ("plain", "", "{}", " (chance)", PLAIN),
            ("layer-wise pretraining, 3 epochs a layer (2006)", " (after pretraining)",
             SPREAD, "", CURE["pretraining"]),
            ("normalised (Xavier) init (2010)", "", "{}", "", CURE["normalised_init"]),
            ("ReLU, same LeCun init (2011)", "", SPREAD, "", CURE["relu"]),
            ("gradient clipping at 1 (2013)", "", "{}", "", CURE["clipping"]),
            ("batch norm (2015)", "", SPREAD, "", CURE["batch_norm"]),
            ("residual connections (2016)", "", SPREAD, "", CURE["residual"]))),
    "preset Nielsen ch. 5": (
        claim("| 2 hidden | {}, {} | {}, {} | {} / {} |",
              _ch5(2, 1, _published), _ch5(2, 2, _published), _ch5(2, 1), _ch5(2, 2),
              _ch5_ratio(2, _published), _ch5_ratio(2)),
        claim("| 3 hidden | {}, {}, {} | {}, {}, {} | {} / {} |",
              *(_ch5(3, i, _published) for i in (1, 2, 3)), *(_ch5(3, i) for i in (1, 2, 3)),
              _ch5_ratio(3, _published), _ch5_ratio(3)),
        claim("| 4 hidden | {}, {}, {}, {} | {}, {}, {}, {} | {} / {} |",
              *(_ch5(4, i, _published) for i in (1, 2, 3, 4)),
              *(_ch5(4, i) for i in (1, 2, 3, 4)),
              _ch5_ratio(4, _published), _ch5_ratio(4)),
        claim("Nielsen's MNIST net with 4 layers gives {}×", _ch5_ratio(4))),
    "preset Nielsen ch. 3": (
        claim("The test loss is lowest at epoch **{}** ({}) and rises to {}\nby epoch {}.",
              _ch3("best_test_epoch"), _ch3("best_test_loss"), _ch3("final_test_loss"),
              _ch3("last_epoch")),
        claim("Training accuracy reaches 100% by epoch {}.",
              lambda: _ch3_train_accuracy_reaches(1.0)),
        claim("Nielsen saw the turn \"around epoch 15\" (band: {}–{}).",
              lambda: PRESETS["nielsen-ch3"].bands[0].lo,
              lambda: PRESETS["nielsen-ch3"].bands[0].hi)),
    "preset Glorot & Bengio: init": tuple(
        claim(f"| {row} | {{}} | {{}} |", _ours("glorot-init", label),
              _published("glorot-init", label))
        for row, label in (
            ("tanh, normalised (Xavier) init", "tanh, normalised init: last ÷ first"),
            ("tanh, standard U(±1/√n) init", "tanh, standard init: last ÷ first"),
            ("sigmoid, normalised init", "sigmoid, normalised init: last ÷ first"))),
    "preset Glorot & Bengio: saturation": (
        claim("The top hidden layer's mean activation falls from {} to {} after one\n"
              "epoch and to {} after four.",
              lambda: saturation(0, "act_mean", 4), lambda: saturation(1, "act_mean", 4),
              lambda: saturation(4, "act_mean", 4)),
        claim("The share of its units that are saturated goes\n{} → {} → {} → {}.",
              *(lambda e=e: saturation(e, "saturation", 4) for e in (1, 2, 3, 4))),
        claim("Test\naccuracy stays at {} (chance)",
              _ours("glorot-saturation", "test accuracy (stuck on a plateau)"))),
    "preset He et al.": (
        claim("He init\n**{}** (published: level, {}); Xavier **{}** (√2 per layer in "
              "theory: {}); PyTorch\ndefault **{}** (theory: {}).",
              _ours("he-init", "ReLU, He / Kaiming init: last ÷ first"),
              _published("he-init", "ReLU, He / Kaiming init: last ÷ first"),
              _ours("he-init", "ReLU, Glorot / Xavier init: last ÷ first"),
              _published("he-init", "ReLU, Glorot / Xavier init: last ÷ first"),
              _ours("he-init", "ReLU, PyTorch default init: last ÷ first"),
              _published("he-init", "ReLU, PyTorch default init: last ÷ first")),),
    "preset Hochreiter & Schmidhuber": (
        claim("RNN step-1 ratio {} (band ≤ {}), LSTM with forget bias 3 {} (band ≥ {}),\n"
              "LSTM with forget bias 0 {} (band ≤ {})",
              _ours(HS, "RNN: gradient at step 1 ÷ step 50, untrained"),
              lambda: PRESETS[HS].bands[0].hi,
              _ours(HS, "LSTM, forget bias 3: step 1 ÷ step 50, untrained"),
              lambda: PRESETS[HS].bands[1].lo,
              _ours(HS, "LSTM, forget bias 0: step 1 ÷ step 50, untrained"),
              lambda: PRESETS[HS].bands[2].hi),
        claim("seeds that solve T = 50: LSTM bias 3\n{} of 3 (band: all), RNN {} of 3 and "
              "LSTM bias 0 {} of 3",
              lambda: 3 * _ours(HS, "LSTM, forget bias 3: share of seeds that solve "
                                    "T = 50")(),
              lambda: 3 * _ours(HS, "RNN: share of seeds that solve T = 50")(),
              lambda: 3 * _ours(HS, "LSTM, forget bias 0: share of seeds that solve "
                                    "T = 50")())),
    "lesson 5 (Overfitting)": (
        _lesson5_row("no regularisation", (SPREAD, "{}", SPREAD, SPREAD, SPREAD)),
        _lesson5_row("L2 weight decay 0.0001 (Nielsen's λ = 0.1)",
                     (SPREAD, "{}", SPREAD, SPREAD, SPREAD), weight_decay=0.0001),
        _lesson5_row("L2 weight decay 0.001", (SPREAD,) * 5, weight_decay=0.001),
        _lesson5_row("L2 weight decay 0.005", (SPREAD,) * 5, weight_decay=0.005),
        _lesson5_row("dropout 0.5", (SPREAD,) * 5, dropout=0.5),
        claim("Our baseline is higher than his ({})",
              lambda: median(overfitting("final_test_accuracy")))),
    "exercise 1 (vanish)": (
        claim("Xavier init:\n   **{}×**", _summary("vanish", "speed_ratio")),
        claim("With 4 layers you get **{}×** at seed\n   0 but {}× and {}× at seeds 1 and 2",
              *(_summary("vanish", "speed_ratio", hidden=(30,) * 4, seed=s)
                for s in (0, 1, 2))),
        claim("5 layers give\n   **{}–{}×**",
              lambda: min(exercise("vanish", hidden=(30,) * 5, seed=s)["speed_ratio"]
                          for s in (0, 1, 2)),
              lambda: max(exercise("vanish", hidden=(30,) * 5, seed=s)["speed_ratio"]
                          for s in (0, 1, 2)))),
    "exercise 2 (overfit epoch)": (
        claim("The\n   answer is **{}**, and anything from {} to {} passes.",
              _summary("overfit-epoch", "best_test_epoch"),
              lambda: exercise("overfit-epoch")["best_test_epoch"] - EPOCH_TOLERANCE,
              lambda: exercise("overfit-epoch")["best_test_epoch"] + EPOCH_TOLERANCE),),
    "exercise 3 (sigmoid speed)": (
        claim("same 3 × 64 net: ratio {}×, {} test accuracy after {} epochs.",
              _summary(SIGMOID_SPEED, "speed_ratio", **RELU_REFERENCE),
              _summary(SIGMOID_SPEED, "final_test_accuracy", **RELU_REFERENCE),
              _summary(SIGMOID_SPEED, "last_epoch", **RELU_REFERENCE)),
        claim("The sigmoid starts at {}× and {} (it does not learn).",
              _summary(SIGMOID_SPEED, "speed_ratio"),
              _summary(SIGMOID_SPEED, "final_test_accuracy")),
        claim("LeCun/He init gives {}× and\n   {}",
              _summary(SIGMOID_SPEED, "speed_ratio", init="lecun"),
              _summary(SIGMOID_SPEED, "final_test_accuracy", init="lecun")),
        claim("the PyTorch default gives {}× and {}.",
              _summary(SIGMOID_SPEED, "speed_ratio", init="pytorch"),
              _summary(SIGMOID_SPEED, "final_test_accuracy", init="pytorch")),
        claim("Only **N(0, 1)** solves it: **{}×, {}**\n   (with N(0, 1) biases: {}×, {})",
              _summary(SIGMOID_SPEED, "speed_ratio", init="normal"),
              _summary(SIGMOID_SPEED, "final_test_accuracy", init="normal"),
              _summary(SIGMOID_SPEED, "speed_ratio", init="normal", bias_init="normal"),
              _summary(SIGMOID_SPEED, "final_test_accuracy", init="normal",
                       bias_init="normal"))),
    "exercise 4 (tame exploding)": (
        claim("Its\n   training loss is {} at initialisation and it diverges in epoch {}.",
              lambda: exercise_train_loss("tame-exploding", 0),
              _summary("tame-exploding", "diverged_at")),
        claim("**He init**\n   passes: loss {} → {}, {}.",
              lambda: exercise_train_loss("tame-exploding", 0, init="he"),
              _summary("tame-exploding", "final_train_loss", init="he"),
              _summary("tame-exploding", "final_test_accuracy", init="he")),
        claim("He init with clipping at 5 passes too ({}), and so\n   does He init with "
              "clipping at 1 ({}).",
              _summary("tame-exploding", "final_test_accuracy", init="he", grad_clip=5.0),
              _summary("tame-exploding", "final_test_accuracy", init="he", grad_clip=1.0)),
        claim("but the training loss stays at {}",
              _summary("tame-exploding", "final_train_loss", grad_clip=1.0))),
    "exercise 5 (close the gap)": (
        claim("The unregularised gap (test − training loss at epoch\n   30) is {}, with "
              "{} test accuracy.",
              _summary("close-gap", "gap"), _summary("close-gap", "final_test_accuracy")),
        claim("Weight decay **0.005** passes (gap {},\n   {}), and so does 0.01 ({}, {}).",
              _summary("close-gap", "gap", weight_decay=0.005),
              _summary("close-gap", "final_test_accuracy", weight_decay=0.005),
              _summary("close-gap", "gap", weight_decay=0.01),
              _summary("close-gap", "final_test_accuracy", weight_decay=0.01)),
        claim("Weight decay 0.001 ({}) and 0.002 ({})",
              _summary("close-gap", "gap", weight_decay=0.001),
              _summary("close-gap", "gap", weight_decay=0.002)),
        claim("0.05 closes the gap ({}) but drops accuracy to {}",
              _summary("close-gap", "gap", weight_decay=0.05),
              _summary("close-gap", "final_test_accuracy", weight_decay=0.05)),
        claim("Dropout alone does not get there: 0.5 gives {},\n   0.7 gives {}.",
              _summary("close-gap", "gap", dropout=0.5),
              _summary("close-gap", "gap", dropout=0.7))),
    "lesson 9 (Through time), the page's seeds": (
        claim(f"| RNN | {SPREAD} | {{?}} | 1 of 5", *_spread(lambda: through_time("rnn"))),
        claim(f"| GRU | {SPREAD} | {{?}} | 0 of 5", *_spread(lambda: through_time("gru"))),
        claim(f"| LSTM, forget bias 0 (≈ PyTorch's default) | {SPREAD} |",
              *_spread(lambda: through_time("lstm", closed=True))),
        claim(f"| **LSTM, forget bias 3** (the page's default) | **{SPREAD}** |",
              *_spread(lambda: through_time("lstm")))),
}


def guide_text() -> str:
    """The guide with every run of white space one space (Markdown reads it so too)."""
    return " ".join(GUIDE.read_text(encoding="utf-8").split())


def written_numbers(c: Claim, text: str) -> list[str]:
    """The numbers the guide writes in `c`'s words (it must say them exactly once)."""
    found = c.pattern().findall(text)
    assert len(found) == 1, (f"docs/workshop.md should say, once: {c.text!r} "
                             f"(found {len(found)} times)")
    return list(found[0]) if isinstance(found[0], tuple) else [found[0]]


def as_the_code_writes(c: Claim, text: str) -> str:
    """`c`'s words with the code's numbers, written as the guide writes them."""
    values = [write_like(_middle(n()), w) for n, w in zip(c.numbers, written_numbers(c, text))]
    return c.fill(values)


@pytest.mark.parametrize("section", list(CLAIMS))
def test_the_guides_numbers_are_the_codes(section):
    text = guide_text()
    wrong = []
    for c in CLAIMS[section]:
        for n, written in zip(c.numbers, written_numbers(c, text)):
            value = n()
            if not _holds_on_seeds(value, written):
                seeds = (f" (seeds: {', '.join(write_like(v, written) for v in value)})"
                         if isinstance(value, Each) else "")
                wrong.append(f"guide says {written}, the code gives "
                             f"{write_like(_middle(value), written)} ({_middle(value):.6g})"
                             f"{seeds} in {c.text!r}")
    assert not wrong, (f"{section}: the guide's numbers drifted from the code "
                       f"(python -m tests.test_guide --print writes them all):\n"
                       + "\n".join(wrong))


def test_the_guides_numbers_are_read_at_their_written_precision():
    assert parse("86.1%") == pytest.approx((0.861, 0.0005))
    assert parse("3.9·10⁵") == pytest.approx((3.9e5, 5e3))
    assert parse("1,333") == (1333.0, 0.5)
    assert parse("10⁻⁶") == (1e-6, 0.0)
    assert parse("5.7·10⁻¹¹")[0] == pytest.approx(5.7e-11)
    assert holds(0.8605, "86.1%") and not holds(0.834, "86.1%")
    assert holds(math.nan, "never") and not holds(1.0, "never")
    assert write_like(0.834, "86.1%") == "83.4%"
    assert write_like(2.31e5, "3.9·10⁵") == "2.3·10⁵"
    assert write_like(1332.6, "1,333") == "1,333"
    assert write_like(1e-6, "10⁻⁶") == "10⁻⁶"
    assert write_like(0.0301, "+0.147") == "+0.030"


def test_a_drifted_number_fails_with_the_codes_value():
    """The check can fail: the lesson-8 ReLU row with another accuracy is caught."""
    relu = CLAIMS["lesson 8 (How it was fixed)"][3]
    words = relu.fill(["5.2", "4.1", "6.3", "12.3%", "11.0%", "13.5%", "2"])
    assert relu.pattern().findall(words) == [("5.2", "4.1", "6.3", "12.3%", "11.0%",
                                              "13.5%", "2")]
    assert not holds(float(relu.numbers[3]()), "12.3%")


def test_a_number_written_once_must_hold_on_every_seed():
    assert _holds_on_seeds(Each([0.1, 0.1004]), "10.0%")
    assert not _holds_on_seeds(Each([0.1, 0.2]), "10.0%")
    assert _holds_on_seeds(Each([math.nan] * 3), "never")


def _links_section() -> str:
    raw = GUIDE.read_text(encoding="utf-8")
    return raw.split("## Writing a link by hand", 1)[1].split("\n## ", 1)[0]


def test_the_guides_hand_written_links_are_taken_without_a_warning():
    """Every example link of "Writing a link by hand" names settings its page has and
    values they take; the preset and exercise keys it lists are all there are."""
    from urllib.parse import parse_qs, urlsplit

    from app.widgets import link_problems, widgets_for
    from vgcore.workshop.exercises import on_page
    section = _links_section()
    links = re.findall(r"\| `(/[^`]+)` \|", section)
    assert len(links) >= 5, section
    own = {"preset": set(PRESETS), "exercise": set(on_page("exercises")),
           "cures": set(CURES)}
    for link in links:
        url = urlsplit(link)
        page, params = url.path.strip("/"), parse_qs(url.query, keep_blank_values=True)
        assert params, link
        for name, values in params.items():
            if name in own:
                assert set(values) <= own[name], link
                continue
            experiment = PAGE_EXPERIMENTS[page]
            assert name in experiment.controls, link
            w = widgets_for(experiment.config)[name]
            assert link_problems({name: values}, dict(experiment.limits), {name: w}) == [], \
                link
    keys = re.findall(r"`([a-z0-9-]+)`", section.split("Preset keys:", 1)[1])
    assert set(PRESETS) <= set(keys)
    assert set(on_page("exercises")) <= set(keys)


def main() -> None:
    """Print every checked phrase with the code's numbers (guide's value where it differs)."""
    text = guide_text()
    for section, claims in CLAIMS.items():
        print(f"## {section}")
        for c in claims:
            now = as_the_code_writes(c, text)
            guide = c.fill(written_numbers(c, text))
            mark = "  " if now == guide else "✗ "
            print(f"{mark}{now!r}" + ("" if now == guide else f"\n   guide: {guide!r}"))


if __name__ == "__main__":
    if "--print" in sys.argv:
        main()
    else:
        print(__doc__)


def test_the_chinese_guide_states_the_same_numbers():
    """docs/workshop.zh.md is the guide in Chinese: every number the English guide states
    (and so checks above) is in it, and it states none the English does not."""
    number = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?%?")
    english = set(number.findall(GUIDE.read_text(encoding="utf-8")))
    chinese = set(number.findall((ROOT / "docs" / "workshop.zh.md").read_text(encoding="utf-8")))
    assert english - chinese == set(), "numbers the Chinese guide lacks"
    assert chinese - english == set(), "numbers only the Chinese guide states"
