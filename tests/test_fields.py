"""One declaration per field, and everyone agrees with it.

`vgcore.config.FIELDS` declares each `ExperimentConfig` field once: its default, range or
choices, label, help and why. These tests walk *every* field and check that the three
readers of that declaration agree with it:

- validation accepts the default and the declared ends, and rejects a value just outside
  them with a `ValueError` that starts with the field's name and states the range;
- the CLI has the field's flag, whose help shows the default, the help line and every
  choice, and a value outside the range given on the command line exits 2 naming the flag;
- the app either draws the field with a widget whose label, range and options come from
  the declaration (narrower only with a stated reason, never wider), or says in
  `NOT_SHOWN` why it never shows it.

A new field, or a changed range, is picked up here without editing this file.
"""
from __future__ import annotations

import contextlib
import io
import math

import pytest

from app import widgets as widgets_mod
from app.widgets import link_problems

# The MLP kind's controls (the recurrent kind's: tests/test_recurrent_workshop.py)
LOOKS, NOT_SHOWN = widgets_mod.LOOKS["mlp"], widgets_mod.NOT_SHOWN["mlp"]
WIDGETS = widgets_mod.widgets_of("mlp")
from vgcore import ExperimentConfig, cli
from vgcore import config as cfg_mod
from vgcore.activations import ACTIVATIONS
from vgcore.config import FIELDS
from vgcore.data import DATASETS
from vgcore.heads import HEAD_LABELS
from vgcore.inits import BIAS_INITS, INIT_SCHEMES
from vgcore.model import NORMS
from vgcore.optimizers import OPTIMIZERS
from vgcore.workshop.experiments import PAGE_EXPERIMENTS

NAMES = tuple(FIELDS)
NUMBERS = tuple(n for n, fs in FIELDS.items() if fs.kind in ("int", "float"))
CHOICE = tuple(n for n, fs in FIELDS.items() if fs.kind == "choice")
CHOICE_LISTS = tuple(n for n, fs in FIELDS.items() if fs.kind == "choices")
LAYERS = tuple(n for n, fs in FIELDS.items() if fs.kind == "layers")
BOOLS = tuple(n for n, fs in FIELDS.items() if fs.kind == "bool")
KINDS = {"int", "float", "choice", "choices", "layers", "text", "bool"}

# A run small enough that no cross-field cap (data set capacity, MAX_PARAMS, MAX_WORK)
# interferes with a single field's own range: a [2, 4, 2] XOR net has 22 parameters, so
# even 60,000 samples × 200 epochs × 5 seeds of every activation stays far below the caps.
BASE = ExperimentConfig(dataset="xor", train_size=20, test_size=10, hidden=(4,),
                        activations=("relu",), epochs=1)
BASE_FLAGS = ["--dataset", "xor", "--train-size", "20", "--test-size", "10", "--hidden",
              "4", "--activations", "relu", "--epochs", "1"]
# The registry each choice field's names and labels come from.
REGISTRY_LABELS = {
    "dataset": {k: v.label for k, v in DATASETS.items()},
    "activations": {k: v.label for k, v in ACTIVATIONS.items()},
    "init": {k: v.label for k, v in INIT_SCHEMES.items()},
    "bias_init": dict(BIAS_INITS),
    "head": dict(HEAD_LABELS),
    "optimizer": {k: v.label for k, v in OPTIMIZERS.items()},
    "norm": dict(NORMS),
}


def _with(name: str, value) -> ExperimentConfig:
    """BASE with one field changed (plus the folder the IDX data set needs)."""
    extra = {"data_dir": "/some/idx/folder"} if (name, value) == ("dataset", "idx") else {}
    return BASE.replace(**{name: value}, **extra)


def _rejected(name: str, value) -> str:
    """The message of the ValueError a config with `name=value` raises."""
    with pytest.raises(ValueError) as err:
        _with(name, value)
    message = str(err.value)
    assert message.startswith(f"{name}:"), message
    return message


def _inside(fs) -> list:
    """The ends of a number field's range, or the nearest values inside an open end."""
    if fs.kind == "int":
        return [int(fs.lo), int(fs.hi)]
    return [math.nextafter(fs.lo, math.inf) if fs.lo_open else fs.lo,
            math.nextafter(fs.hi, -math.inf) if fs.hi_open else fs.hi]


def _outside(fs) -> list:
    """The nearest values outside a number field's range: lo-1 / hi+1 for integers; for
    floats the next float beyond a closed end, or exactly an open end."""
    if fs.kind == "int":
        return [int(fs.lo) - 1, int(fs.hi) + 1]
    return [fs.lo if fs.lo_open else math.nextafter(fs.lo, -math.inf),
            fs.hi if fs.hi_open else math.nextafter(fs.hi, math.inf)]


def _text(value) -> str:
    """A value as typed on the command line (repr: floats round-trip exactly)."""
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return repr(value) if isinstance(value, float) else str(value)


def _default_text(default) -> str:
    """How --help shows a default: as you would type it; an empty text as ""."""
    if isinstance(default, tuple):
        return ",".join(map(str, default))
    return '""' if default == "" else str(default)


def _run_parser():
    """The `run` subcommand's parser, as `python -m vgcore` builds it."""
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return parser, sub.choices["run"]


def _action(name: str):
    _, run = _run_parser()
    return next(a for a in run._actions if a.dest == name)


def _looks_of(name: str) -> list[str]:
    """The controls that edit field `name`."""
    return [key for key, look in LOOKS.items() if (look.edits or key) == name]


# -- the declarations themselves --------------------------------------------------------

def test_every_dataclass_field_is_declared_once():
    """FIELDS holds every ExperimentConfig field, in declaration order, each with a known
    kind, a label and a help line; number and layer fields have both ends."""
    assert NAMES == tuple(ExperimentConfig.__dataclass_fields__)
    for name, fs in FIELDS.items():
        assert fs.kind in KINDS, name
        assert fs.label and fs.help, name
        if fs.kind in ("int", "float", "layers"):
            assert fs.lo is not None and fs.hi is not None and fs.lo <= fs.hi, name
        if fs.kind in ("choice", "choices"):
            assert fs.choices, name
    labels = [fs.label for fs in FIELDS.values()]
    assert len(set(labels)) == len(labels), "two fields share a label"


@pytest.mark.parametrize("name", NAMES)
def test_default_validates(name):
    """Each field's default is a valid value: the all-defaults config builds, and so does
    a small config that takes this one field's default."""
    default = ExperimentConfig.__dataclass_fields__[name].default
    assert getattr(ExperimentConfig(), name) == default
    assert getattr(_with(name, default), name) == default


@pytest.mark.parametrize("name", CHOICE + CHOICE_LISTS)
def test_choices_are_the_registry_with_its_labels(name):
    """A choice field's names and labels are its registry's, in registry order, and the
    labels are distinct (a link holds the label, so two equal labels could not both
    restore)."""
    assert dict(FIELDS[name].choices) == REGISTRY_LABELS[name]
    assert list(FIELDS[name].choices) == list(REGISTRY_LABELS[name])
    labels = list(FIELDS[name].choices.values())
    assert len(set(labels)) == len(labels)


# -- (b) validation reads the declaration ------------------------------------------------

@pytest.mark.parametrize("name", NUMBERS)
def test_number_range_ends(name):
    """A number field accepts its declared ends (or the nearest value inside an open end)
    and rejects the nearest values outside, naming the field and the range."""
    fs = FIELDS[name]
    for value in _inside(fs):
        assert getattr(_with(name, value), name) == value
    for value in _outside(fs):
        message = _rejected(name, value)
        assert fs.range_text() in message, message


@pytest.mark.parametrize("name", CHOICE)
def test_choice_accepts_every_choice_and_nothing_else(name):
    """Every declared choice is accepted; an unknown name is rejected, naming the field
    and listing the choices."""
    fs = FIELDS[name]
    for choice in fs.choices:
        assert getattr(_with(name, choice), name) == choice
    message = _rejected(name, "no_such_" + name)
    assert all(choice in message for choice in fs.choices), message


@pytest.mark.parametrize("name", CHOICE_LISTS)
def test_choice_list_rules(name):
    """A choice list takes each choice alone and all of them together (max_len); it
    rejects an empty list, a duplicate and an unknown name, naming the field."""
    fs = FIELDS[name]
    for choice in fs.choices:
        assert getattr(_with(name, (choice,)), name) == (choice,)
    everything = tuple(fs.choices)
    assert len(everything) == fs.max_len
    assert getattr(_with(name, everything), name) == everything
    _rejected(name, ())
    first = everything[0]
    _rejected(name, (first, first))
    _rejected(name, (first, "no_such_choice"))


@pytest.mark.parametrize("name", LAYERS)
def test_layers_depth_and_width_ends(name):
    """Hidden layers: between min_len and max_len layers, each width in [lo, hi]. The
    ends are accepted, one layer more (or fewer) and one unit more (or fewer) rejected."""
    fs = FIELDS[name]
    lo, hi = int(fs.lo), int(fs.hi)
    for depth in (fs.min_len, fs.max_len):
        assert len(getattr(_with(name, (4,) * depth), name)) == depth
    for width in (lo, hi):
        assert getattr(_with(name, (width,)), name) == (width,)
    for depth in (fs.min_len - 1, fs.max_len + 1):
        message = _rejected(name, (4,) * depth)
        assert str(fs.min_len) in message and str(fs.max_len) in message, message
    for width in (lo - 1, hi + 1):
        message = _rejected(name, (4, width))
        assert fs.range_text() in message, message


def test_text_field_takes_text_only():
    """A text field accepts any string and rejects anything else, naming the field."""
    for name, fs in FIELDS.items():
        if fs.kind == "text":
            assert getattr(_with(name, "any/folder"), name) == "any/folder"
            _rejected(name, 3)


@pytest.mark.parametrize("name", BOOLS)
def test_bool_field_takes_true_and_false_only(name):
    """A bool field accepts True and False and rejects anything else — 0 and 1, the
    text 'true', None — naming the field."""
    for value in (True, False):
        assert getattr(_with(name, value), name) is value
    for value in (0, 1, "true", "False", None, 1.0):
        message = _rejected(name, value)
        assert "True or False" in message, message


def test_range_text_writes_open_and_closed_ends():
    """range_text(): '[' / ']' for a closed end, '(' / ')' for an open one."""
    assert FIELDS["lr"].range_text() == "(0.0, 1000.0]"
    assert FIELDS["momentum"].range_text() == "[0.0, 1.0)"
    assert FIELDS["train_size"].range_text() == f"[1, {cfg_mod.MAX_TRAIN_SIZE}]"


# -- (c) the CLI reads the declaration ----------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_cli_flag_and_help(name):
    """The run subcommand has one flag per field whose help starts with the default (as
    typed) and holds the field's help line, its range or every choice."""
    fs = FIELDS[name]
    default = ExperimentConfig.__dataclass_fields__[name].default
    action = _action(name)
    assert action.option_strings == [cli.flag_of(name)]
    assert cli.flag_of(name) == "--" + name.replace("_", "-")
    text = action.help.replace("%%", "%")      # argparse's escaping of a literal %
    assert text.startswith(f"(default: {_default_text(default)}) "), text
    assert fs.help in text
    if fs.why:
        assert fs.why in text
    if fs.kind in ("int", "float", "layers"):
        assert fs.range_text() in text
    if fs.choices:
        assert cli.CHOICES[name] == tuple(fs.choices)
        listed = text.split("one of: " if fs.kind == "choice" else "comma list of: ")[1]
        assert listed.split(", ") == list(fs.choices)


def test_cli_help_prints_every_flag_help(capsys):
    """`run --help` prints each flag's help (argparse only re-wraps the lines)."""
    assert cli.main(["run", "--help"]) == 0
    printed = "".join(capsys.readouterr().out.split())
    for name in NAMES:
        action = _action(name)
        help_text = action.help.replace("%%", "%")
        # a flag whose value may be left out (a bool's) shows it in brackets, as argparse
        metavar = f"[{action.metavar}]" if action.nargs == "?" else action.metavar
        shown = f"{cli.flag_of(name)} {metavar} {help_text}"
        assert "".join(shown.split()) in printed, name


@pytest.mark.parametrize("name", NAMES)
def test_cli_default_text_round_trips(name):
    """The default as --help writes it (an empty text: nothing after the `=`), typed back
    on the command line, gives the same config as leaving the flag out."""
    default = ExperimentConfig.__dataclass_fields__[name].default
    text = "" if default == "" else _default_text(default)
    parser, _ = _run_parser()
    args = parser.parse_args(["run", *BASE_FLAGS, f"{cli.flag_of(name)}={text}"])
    assert cli.config_from_args(args) == _with(name, default)


@pytest.mark.parametrize("name", NUMBERS)
def test_cli_number_range(name):
    """On the command line the range's ends parse to exactly the value accepted by the
    config; a value just outside exits 2 with one line naming the flag and the range."""
    fs = FIELDS[name]
    parser, _ = _run_parser()
    for value in _inside(fs):
        args = parser.parse_args(["run", *BASE_FLAGS, f"{cli.flag_of(name)}={_text(value)}"])
        assert cli.config_from_args(args) == _with(name, value)
    for value in _outside(fs):
        _cli_rejects(name, _text(value), fs.range_text())


@pytest.mark.parametrize("name", CHOICE + CHOICE_LISTS + LAYERS)
def test_cli_rejects_bad_choices_and_layers(name):
    """Unknown choices, empty or duplicate lists, too many layers and too wide layers
    exit 2 naming the flag."""
    fs = FIELDS[name]
    if fs.kind == "choice":
        bad = ["no_such_choice"]
    elif fs.kind == "choices":
        first = next(iter(fs.choices))
        bad = ["", f"{first},{first}", f"{first},no_such_choice"]
    else:
        bad = [",".join(["4"] * (fs.max_len + 1)), f"4,{int(fs.hi) + 1}", f"4,{int(fs.lo) - 1}"]
    for text in bad:
        _cli_rejects(name, text)


@pytest.mark.parametrize("name", BOOLS)
def test_cli_bool_flag(name):
    """A bool field's flag alone means True; `=true` / `=false` (any case) say which; it
    may be left out before another flag; anything else exits 2 naming the flag. Its help
    says how."""
    parser, _ = _run_parser()
    flag = cli.flag_of(name)
    for args, value in (([flag], True), ([f"{flag}=true"], True), ([f"{flag}=FALSE"], False),
                        ([flag, "false"], False), ([flag, "--epochs", "1"], True)):
        parsed = parser.parse_args(["run", *BASE_FLAGS, *args])
        assert cli.config_from_args(parsed) == _with(name, value), args
    assert "true or false" in _action(name).help
    for text in ("maybe", "2", ""):
        _cli_rejects(name, text, "true or false")


def _cli_rejects(name: str, text: str, *needles: str) -> None:
    """`run --<flag>=<text>` exits 2 with one `error: --<flag>: ...` line on stderr."""
    err = io.StringIO()
    out = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = cli.main(["run", *BASE_FLAGS, f"{cli.flag_of(name)}={text}"])
    message = err.getvalue()
    assert code == 2, (name, text, message)
    assert out.getvalue() == ""
    assert message.startswith(f"error: {cli.flag_of(name)}: "), message
    assert message.count("\n") == 1, message
    for needle in needles:
        assert needle in message, message


# -- (d) the app's widgets read the declaration -------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_every_field_is_shown_or_says_why_not(name):
    """A field is drawn by at least one control, or listed in NOT_SHOWN with a reason;
    never both."""
    shown = bool(_looks_of(name))
    hidden = name in NOT_SHOWN
    assert shown != hidden, f"{name}: shown={shown}, in NOT_SHOWN={hidden}"
    if hidden:
        assert NOT_SHOWN[name].strip()


def test_looks_name_real_fields():
    """Every control edits a declared field, and NOT_SHOWN lists only declared fields;
    only `hidden` is drawn in parts (depth, width)."""
    assert set(NOT_SHOWN) <= set(FIELDS)
    assert set(WIDGETS) == set(LOOKS)
    for key, look in LOOKS.items():
        assert (look.edits or key) in FIELDS, key
        if look.part:
            assert FIELDS[look.edits].kind == "layers" and look.part in ("depth", "width")
        else:
            assert not look.edits or look.edits == key
    assert sorted(LOOKS[k].part for k in _looks_of("hidden")) == ["depth", "width"]


def _field_range(key: str) -> tuple[float, float, bool, bool]:
    """What the config allows for control `key`: (lo, hi, lo_open, hi_open)."""
    look = LOOKS[key]
    fs = FIELDS[look.edits or key]
    if look.part == "depth":
        return fs.min_len, fs.max_len, False, False
    return fs.lo, fs.hi, fs.lo_open, fs.hi_open


@pytest.mark.parametrize("key", [k for k, w in WIDGETS.items()
                                 if w.kind not in ("select", "multi", "toggle")])
def test_number_widget_range_lies_within_the_field(key):
    """A slider or number box takes its label, help and range from the field: the range
    may be narrower (with a reason) but never wider, and a closed widget end never sits
    on an open field end. Integer fields have whole-number ends."""
    look, w = LOOKS[key], WIDGETS[key]
    fs = FIELDS[look.edits or key]
    lo, hi, lo_open, hi_open = _field_range(key)
    assert w.label == (look.label or fs.label)
    if not look.part:
        assert not look.label, f"{key}: only a part of a field declares its own label"
    shown = widgets_mod.help_of(w)      # the help the control shows
    assert fs.help[1:] in shown and fs.why in shown
    assert (w.field_lo, w.field_hi) == (lo, hi)
    allowed = f"{'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"
    assert (w.lo > lo if lo_open else w.lo >= lo), f"{key}: widget lo {w.lo} not in {allowed}"
    assert (w.hi < hi if hi_open else w.hi <= hi), f"{key}: widget hi {w.hi} not in {allowed}"
    assert w.lo <= w.hi
    narrowed = (w.lo, w.hi) != (lo, hi)
    assert bool(look.why.strip()) == narrowed, \
        f"{key}: a narrowed range needs a why, and a why needs a narrowed range"
    if fs.kind == "int" or look.part:
        assert float(w.lo).is_integer() and float(w.hi).is_integer(), key


@pytest.mark.parametrize("key", [k for k, w in WIDGETS.items() if w.kind in ("select", "multi")])
def test_choice_widget_options_and_labels(key):
    """A select or multiselect offers a subset of the field's choices (all of them unless a
    reason is given), written with the registry's labels; its kind matches the field's."""
    look, w = LOOKS[key], WIDGETS[key]
    fs = FIELDS[look.edits or key]
    assert w.kind == {"choice": "select", "choices": "multi"}[fs.kind]
    assert w.label == fs.label
    assert w.options and set(w.options) <= set(fs.choices)
    assert list(w.options) == [c for c in fs.choices if c in w.options], "registry order"
    for option in w.options:
        assert w.fmt[option] == REGISTRY_LABELS[key][option]
    narrowed = set(w.options) != set(fs.choices)
    assert bool(look.why.strip()) == narrowed, \
        f"{key}: a narrowed option list needs a why, and a why needs a narrowed list"


@pytest.mark.parametrize("key", [k for k, w in WIDGETS.items() if w.kind == "toggle"])
def test_toggle_widget_draws_a_bool_field(key):
    """A toggle draws a bool field (and only a bool field is drawn as one), with the
    field's label and help; a link holds true or false (Streamlit's binding reads either
    case), anything else is a problem the page announces."""
    look, w = LOOKS[key], WIDGETS[key]
    fs = FIELDS[look.edits or key]
    assert fs.kind == "bool" and not look.why and not look.part
    assert w.label == fs.label
    shown = widgets_mod.help_of(w)      # the help the control shows
    assert fs.help[1:] in shown and fs.why in shown
    for text in ("true", "false", "True", "FALSE"):
        assert link_problems({key: [text]}) == [], text
    for raw in (["1"], ["yes"], [""], ["true", "false"]):
        assert link_problems({key: raw}), raw


def test_bool_fields_are_drawn_as_toggles():
    """Every shown bool field is drawn by a toggle."""
    for name in BOOLS:
        assert all(WIDGETS[key].kind == "toggle" for key in _looks_of(name)), name


def test_dataset_widget_offers_the_app_data_sets():
    """The data-set select offers exactly the registry's in-app sets (not the IDX folder,
    which needs files on the server)."""
    assert WIDGETS["dataset"].options == tuple(n for n, d in DATASETS.items() if d.in_app)
    assert "idx" not in WIDGETS["dataset"].options


@pytest.mark.parametrize("page", PAGE_EXPERIMENTS)
def test_page_defaults_fit_their_widgets(page):
    """Each lesson page's controls exist, its per-page limits lie within what the config
    allows, and its default config can be drawn by its widgets (a value outside a slider's
    range, or missing from a select, would fail to render)."""
    exp = PAGE_EXPERIMENTS[page]
    cfg = exp.config
    widgets = widgets_mod.widgets_for(cfg)          # the page's kind's controls
    for key in exp.controls:
        assert key in widgets, f"{page}: {key}"
    for key, (lo, hi) in exp.limits.items():
        w = widgets[key]
        assert key in exp.controls and w.field_lo <= lo <= hi <= w.field_hi, (page, key)
    for key in exp.controls:
        w = widgets[key]
        if key == "width":
            assert len(set(cfg.hidden)) == 1, f"{page}: the width control sets every layer"
        value = widgets_mod.start_value(cfg, key)
        if w.kind == "select":
            assert value in w.options, (page, key)
        elif w.kind == "multi":
            assert set(value) <= set(w.options), (page, key)
        elif w.kind == "toggle":
            assert isinstance(value, bool), (page, key)
        else:
            lo, hi = exp.limits.get(key, (w.lo, w.hi))
            assert lo <= value <= hi, (page, key, value)


# -- (e) the mismatches the refactor fixed stay fixed -------------------------------------

def test_lr_widget_reaches_the_config_maximum():
    """The learning-rate box goes up to the config's 1000 (it once stopped earlier), and a
    link holding 1000 restores without a warning."""
    assert FIELDS["lr"].hi == 1000.0
    assert WIDGETS["lr"].hi == FIELDS["lr"].hi
    assert link_problems({"lr": ["1000"]}) == []
    assert link_problems({"lr": ["1000.5"]})


def test_width_widget_reaches_max_width():
    """The units-per-layer slider goes up to MAX_WIDTH (512), the config's own limit."""
    assert cfg_mod.MAX_WIDTH == 512
    assert WIDGETS["width"].hi == cfg_mod.MAX_WIDTH == FIELDS["hidden"].hi
    assert WIDGETS["depth"].hi == cfg_mod.MAX_DEPTH == FIELDS["hidden"].max_len
    assert link_problems({"width": ["512"]}) == []
    assert link_problems({"width": ["513"]})
