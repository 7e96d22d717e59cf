"""Property-based tests: random and hostile input at every validation boundary.

1. `ExperimentConfig(**kwargs)` / `from_dict`: a valid config within the caps, or a
   `ValueError` naming the field, short enough to show. Never another exception.
   (No `run()` here: nothing trains.)
2. `vgcore.cli.main(argv)`: exit 0 or 2, and exit 2 prints exactly one `error:` line.
   Every argv starts from a tiny `--epochs 0` xor config; hostile size values are junk
   or tiny, so a run that validates costs milliseconds.
3. `vgcore.workshop.uploads.parse_run_file`: random bytes / hostile CSV and JSON -> DataFrame or
   `ValueError`, never another exception.

Each value these properties once broke on (huge ints, over-long values echoed in
messages, line breaks in CLI arguments, mixed key types) has a minimal regression test at
the bottom, and the strategies include those values.
`pytest -s` prints how many generated cases ran.
"""
from __future__ import annotations

import dataclasses
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vgcore import cli
from vgcore import text
from vgcore.workshop import uploads
from vgcore import config as cfg_mod
from vgcore.config import ExperimentConfig, count_parameters
from vgcore.data import DATASETS

DATASETS_2D = tuple(name for name, d in DATASETS.items() if d.is_2d)

FIELDS = [f.name for f in dataclasses.fields(ExperimentConfig)]
MAX_MESSAGE = 400
CASES = {"tried": 0}


@pytest.fixture(scope="module", autouse=True)
def _report_cases(request):
    failed_before = request.session.testsfailed
    yield
    failed = request.session.testsfailed - failed_before
    print(f"\nproperty cases tried: {CASES['tried']}, failures: {failed}")


def _count() -> None:
    CASES["tried"] += 1


# -- hostile values -----------------------------------------------------------------------

MARKUP = ["<script>alert(1)</script>", "</b>", "[x](javascript:alert(1))", "![i](http://x)",
          "`code`", "${{7*7}}", "'; DROP TABLE runs;--", "\x00", "\u202e", "😀", "ß",
          "١٢٣", "\r\n", "  ", ""]

# 10**400 is a valid JSON integer that float() cannot hold (it once raised OverflowError).
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, 1, -1, 2**31 - 1, 2**31, 10**30, -(10**30), 2**63, 10**400,
                     -(10**400)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e-320, 1e308]),
    st.booleans(),
)
# Texts, short ones mostly; a 10,000-character one must still give a bounded message.
short_text = st.one_of(st.text(max_size=30), st.sampled_from(MARKUP + ["x" * 10_000]))
scalars = st.one_of(st.none(), numbers, short_text, st.binary(max_size=10))
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                            st.dictionaries(st.text(max_size=5), inner, max_size=3),
                            st.frozensets(st.integers(), max_size=3)),
    max_leaves=8,
)
# Plausible values per field, so generated configs are sometimes valid.
PLAUSIBLE = {
    "dataset": st.sampled_from(tuple(cfg_mod.FIELDS['dataset'].choices)),
    "train_size": st.integers(1, 70_000),
    "test_size": st.integers(1, 12_000),
    "noise": st.floats(-0.5, 1.5),
    "data_dir": st.sampled_from(["", "/tmp/none", "<b>"]),
    "activations": st.lists(st.sampled_from(list(cli.CHOICES["activations"]) + ["nope"]),
                            min_size=0, max_size=9),
    "hidden": st.one_of(st.lists(st.integers(0, 600), max_size=24),
                        st.text(alphabet="0123456789,- x", max_size=20)),
    "init": st.sampled_from(tuple(cfg_mod.FIELDS['init'].choices)),
    "bias_init": st.sampled_from(tuple(cfg_mod.FIELDS['bias_init'].choices)),
    "head": st.sampled_from(tuple(cfg_mod.FIELDS['head'].choices)),
    "optimizer": st.sampled_from(tuple(cfg_mod.FIELDS['optimizer'].choices)),
    "lr": st.floats(-1, 2000),
    "momentum": st.floats(-0.5, 1.5),
    "batch_size": st.integers(-5, 11_000),
    "epochs": st.integers(-5, 250),
    "weight_decay": st.floats(-0.5, 1.5),
    "dropout": st.floats(-0.5, 1.5),
    "grad_clip": st.floats(-1, 2e6),
    "norm": st.sampled_from(tuple(cfg_mod.FIELDS['norm'].choices) + ("layer",)),
    "residual": st.sampled_from([True, False, 0, 1, "true", None]),
    "pretrain_epochs": st.integers(-2, 25),
    "seed": st.integers(-5, 2**32),
    "n_seeds": st.integers(-1, 7),
    "hist_bins": st.integers(0, 120),
}
assert set(PLAUSIBLE) == set(FIELDS), "a new config field needs a strategy here"

config_kwargs = st.fixed_dictionaries(
    {}, optional={name: st.one_of(PLAUSIBLE[name], junk) for name in FIELDS})
unknown_keys = st.text(min_size=1, max_size=30).filter(lambda k: k not in FIELDS)


def _check_config_outcome(build) -> None:
    try:
        config = build()
    except ValueError as exc:
        message = str(exc)
        assert len(message) < MAX_MESSAGE, message[:200]
        field, sep, _ = message.partition(":")
        assert (sep and field in FIELDS) or message.startswith("unknown config field"), \
            message
        return
    # Valid: every cap holds and the stored values have the promised types.
    assert 1 <= config.depth <= cfg_mod.MAX_DEPTH
    assert all(type(w) is int and 1 <= w <= cfg_mod.MAX_WIDTH for w in config.hidden)
    assert isinstance(config.activations, tuple) and config.activations
    params = len(config.activations) * config.n_seeds * count_parameters(config)
    assert params <= cfg_mod.MAX_PARAMS
    assert params * config.train_size * max(config.epochs, 1) <= cfg_mod.MAX_WORK
    assert 0 <= config.epochs <= cfg_mod.MAX_EPOCHS
    assert 1 <= config.n_seeds <= cfg_mod.MAX_SEEDS
    assert math.isfinite(config.lr) and config.lr > 0
    assert type(config.residual) is bool and (not config.residual
                                              or len(set(config.hidden)) == 1)
    assert 0 <= config.pretrain_epochs <= cfg_mod.MAX_PRETRAIN
    hash(config)                                   # usable as a cache key
    assert ExperimentConfig.from_dict(config.to_dict()) == config


# -- 1. ExperimentConfig --------------------------------------------------------------------

@settings(max_examples=400, deadline=None)
@given(config_kwargs)
def test_config_kwargs_valid_or_field_error(kwargs):
    _count()
    _check_config_outcome(lambda: ExperimentConfig(**kwargs))


@settings(max_examples=200, deadline=None)
@given(config_kwargs, st.dictionaries(unknown_keys, junk, max_size=2))
def test_config_from_dict_valid_or_field_error(data, extra):
    _count()
    _check_config_outcome(lambda: ExperimentConfig.from_dict({**data, **extra}))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(FIELDS), junk)
def test_config_one_hostile_field(field, value):
    _count()
    _check_config_outcome(lambda: ExperimentConfig(**{field: value}))
    base = ExperimentConfig(dataset="xor", train_size=8, test_size=8, hidden=(2,), epochs=0)
    _check_config_outcome(lambda: base.replace(**{field: value}))


# -- 2. the CLI -----------------------------------------------------------------------------

SAFE_PREFIX = ["run", "--epochs", "0", "--dataset", "xor", "--train-size", "8",
               "--test-size", "8", "--hidden", "2", "--quiet"]
FLAGS = [cli.flag_of(name) for name in FIELDS]
# Fields whose *valid* values could make a run slow or load real data: only junk or tiny.
COSTLY = {"epochs", "train_size", "test_size", "hidden", "dataset", "n_seeds",
          "activations", "batch_size", "data_dir", "hist_bins"}
junk_text = st.one_of(
    st.text(max_size=20).filter(lambda s: not s.replace(",", "").strip().lstrip("+-").isdigit()),
    st.sampled_from(MARKUP + ["nan", "inf", "-inf", "1e999", "-1", "-0", "0x10", "1_000",
                              "10" + "0" * 30, "-" + "9" * 40, ",", "--", "-",
                              "--epochs", "1.5", "True", "None", "[]", "{}", "a\nb",
                              "x\u2028y"]))
tiny_value = {
    "epochs": st.sampled_from(["0", "1"]),
    "train_size": st.sampled_from(["1", "4", "8"]),
    "test_size": st.sampled_from(["1", "4", "8"]),
    "hidden": st.sampled_from(["2", "1,1", " 3 , 2 ", "2,"]),
    "dataset": st.sampled_from(DATASETS_2D),
    "n_seeds": st.sampled_from(["1", "2"]),
    "activations": st.sampled_from(["relu", "sigmoid, tanh", "relu,relu", "linear,"]),
    "batch_size": st.sampled_from(["1", "4", "10000"]),
    "data_dir": st.sampled_from(["", "/nonexistent"]),
    "hist_bins": st.sampled_from(["5", "100"]),
}


@st.composite
def hostile_argv(draw):
    argv = list(SAFE_PREFIX)
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["field", "field", "field", "unknown", "bare", "option"]))
        if kind == "field":
            name = draw(st.sampled_from(FIELDS))
            if name in COSTLY:
                value = draw(st.one_of(junk_text, tiny_value[name]))
            else:
                value = draw(st.one_of(junk_text, st.text(max_size=10).filter(
                                       lambda s: "".join(s.splitlines()) == s),
                                       st.integers(-(10**40), 10**40).map(str),
                                       st.floats().map(repr)))
            argv += [cli.flag_of(name), value]
        elif kind == "unknown":
            argv += [draw(st.sampled_from(["--nope", "--lr=", "-x", "--", "---", "--EPOCHS",
                                           "--train_size", "--hid", "--config="])),
                     draw(junk_text)]
        elif kind == "bare":
            argv.append(draw(st.sampled_from(["", " ", "run", "list", "<script>", "--json",
                                              "--progress", "--quiet", "😀", "-"])))
        else:
            argv += ["--config", draw(st.sampled_from(["", "/nonexistent/c.json", "/",
                                                       "<script>.json"]))]
    if draw(st.booleans()):     # sometimes start without the subcommand or reorder it
        argv = draw(st.permutations(argv))
    return argv


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=hostile_argv())
def test_cli_exit_code_and_one_error_line(argv, capsys):
    _count()
    capsys.readouterr()
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert code in (0, 2), (code, err[-500:])
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and err.endswith("\n"), err[:500]
        assert lines[0].startswith("error: "), lines[0][:200]
        assert "Traceback" not in err


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(
    st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8),
                    st.recursive(st.none() | st.booleans() | st.text(max_size=12)
                                 | st.integers(-(10**30), 10**30)
                                 | st.floats(allow_nan=False, allow_infinity=False),
                                 lambda x: st.lists(x, max_size=3)
                                 | st.dictionaries(st.text(max_size=4), x, max_size=2),
                                 max_leaves=5), max_size=4).map(json.dumps),
    st.text(max_size=40), st.sampled_from(["[]", "null", "{\"config\": 3}", "1", "\ufeff{}"])))
def test_cli_config_file_hostile_json(content, capsys, tmp_path_factory):
    _count()
    path = tmp_path_factory.mktemp("cfg") / "c.json"
    path.write_text(content, encoding="utf-8")
    capsys.readouterr()
    code = cli.main(SAFE_PREFIX[:1] + ["--config", str(path)] + SAFE_PREFIX[1:])
    out, err = capsys.readouterr()
    assert code in (0, 2), (code, err[-500:])
    if code == 2:
        assert len(err.splitlines()) == 1 and err.startswith("error: "), err[:500]


# -- 3. uploads ------------------------------------------------------------------------------

COLUMNS = list(uploads.HISTORY_COLUMNS)
cell_text = st.one_of(
    st.sampled_from(["relu", "sigmoid", "train", "test", "0", "1", "0.5", "-1", "nan", "inf",
                     "1e999", "1e400", "2147483648", " 3 ", "1.0", "1.5", "", "\"", "\"\"",
                     "a,b", "\r", "<script>"]),
    st.text(max_size=12))
json_value = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(allow_nan=False),
    st.sampled_from(["relu", "tanh", "train", "test", "", "1"]), st.text(max_size=8),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.none(),
                                                         max_size=1))


def _csv_text(header, rows, sep):
    return sep.join([",".join(header), *(",".join(r) for r in rows)])


csv_files = st.builds(
    _csv_text,
    st.one_of(st.just(COLUMNS), st.permutations(COLUMNS),
              st.lists(st.sampled_from(COLUMNS + ["x", "", "_line"]), max_size=8)),
    st.lists(st.lists(cell_text, min_size=5, max_size=7), max_size=6),
    st.sampled_from(["\n", "\r\n", "\r", "\n\n"]))
json_rows = st.lists(st.one_of(
    st.fixed_dictionaries({c: json_value for c in COLUMNS}),
    st.dictionaries(st.sampled_from(COLUMNS + ["_line", "x"]), json_value, max_size=7),
    json_value), max_size=5)
json_files = st.one_of(json_rows.map(json.dumps),
                       json_rows.map(lambda rows: json.dumps({"config": {}, "history": rows})),
                       st.sampled_from(["{", "[", "[NaN]", "{\"history\": Infinity}",
                                        "[" * 5000 + "]" * 5000, "{\"history\": {}}",
                                        "{\"a\": 1}", "[1, 2]", "\ufeff[]"]))
file_bytes = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
    csv_files.map(str.encode), json_files.map(str.encode),
    st.sampled_from([b"", b"\xef\xbb\xbf", b"\x80\x04", b"a\x00b", b"\xff\xfe{}", b"   \n"]))
file_names = st.one_of(st.text(max_size=80), st.sampled_from(MARKUP + ["a" * 10_000]))


def _check_upload(name, data):
    try:
        frame = uploads.parse_run_file(name, data)
    except ValueError as exc:
        message = str(exc)
        assert message.startswith("`"), message[:200]   # names the file first, quoted
        return
    assert list(frame.columns) == COLUMNS and len(frame) >= 1
    assert frame["loss"].ge(0).all() and frame["accuracy"].between(0, 1).all()
    assert not frame.duplicated(["activation", "seed", "epoch", "split"]).any()


@settings(max_examples=300, deadline=None)
@given(file_names, file_bytes)
def test_parse_run_file_only_value_error(name, data):
    _count()
    _check_upload(name, data)


@settings(max_examples=200, deadline=None)
@given(st.one_of(csv_files, json_files))
def test_parse_run_file_structured_text(text):
    _count()
    _check_upload("run.csv", text.encode("utf-8", "surrogatepass"))


@settings(max_examples=200, deadline=None)
@given(st.one_of(junk, st.text(), st.sampled_from(MARKUP)), st.integers(1, 100))
def test_quote_and_run_name_are_inert_and_bounded(value, limit):
    _count()
    quoted = text.quote(value, limit)
    inner = quoted[1:-1]
    assert quoted.startswith("`") and quoted.endswith("`") and "`" not in inner
    assert len(inner) <= limit + 1
    assert not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in inner)
    label = uploads.run_name(str(value))
    assert 1 <= len(label) <= uploads.MAX_NAME + 1
    prose = text.escaped(value, limit)
    assert "\n" not in prose and len(prose) <= 2 * (limit + 1)
    assert not any(c in prose.replace("\\" + c, "") for c in "`[]()<>#*_$:")


# -- regression tests: the minimal examples the properties found -------------------------

HUGE = 10**400            # a valid JSON integer that float() cannot hold


def _row(**changes):
    return {**dict(activation="relu", seed=0, epoch=0, split="train", loss=0.1,
                   accuracy=0.5), **changes}


@pytest.mark.parametrize("field", ["lr", "noise", "momentum", "weight_decay", "dropout",
                                   "grad_clip"])
def test_regression_float_field_huge_int_overflows(field):
    # math.isfinite(10**400) once raised OverflowError in _check_float.
    _check_config_outcome(lambda: ExperimentConfig(**{field: HUGE}))


def test_regression_cli_config_file_huge_int_traceback(tmp_path, capsys):
    # {"lr": 10**400} in --config once escaped main() as OverflowError (a traceback).
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"lr": HUGE}), encoding="utf-8")
    assert cli.main(["run", "--config", str(path), *SAFE_PREFIX[1:]]) == 2


@pytest.mark.parametrize("column", ["seed", "epoch", "loss", "accuracy"])
def test_regression_upload_json_huge_int_overflows(column):
    data = json.dumps([_row(**{column: HUGE})]).encode()
    _check_upload("run.json", data)


def test_regression_from_dict_mixed_key_types_type_error():
    # sorted() of unknown keys {1, "a"} once raised TypeError before the ValueError.
    _check_config_outcome(lambda: ExperimentConfig.from_dict({1: 0, "a": 0}))


@pytest.mark.parametrize("field, value", [
    ("train_size", "x" * 10_000), ("lr", "x" * 10_000), ("hidden", "x" * 10_000),
    ("hidden", ["x" * 10_000]), ("seed", [0] * 3000)],
    ids=["train_size", "lr", "hidden_text", "hidden_list", "seed_list"])
def test_regression_message_echoes_whole_value(field, value):
    # _check_int/_check_float/_parse_int once put {value!r} in the message uncut.
    _check_config_outcome(lambda: ExperimentConfig(**{field: value}))


def test_regression_unknown_key_echoed_whole():
    _check_config_outcome(lambda: ExperimentConfig.from_dict({"k" * 10_000: 0}))


@pytest.mark.parametrize("field, value", [("dataset", 10**5000), ("hidden", [10**5000])],
                         ids=["dataset", "hidden"])
def test_regression_giant_int_message_names_no_field(field, value):
    # str() of an int over 4300 digits raises its own ValueError ("Exceeds the limit"),
    # which once replaced the message naming the field.
    _check_config_outcome(lambda: ExperimentConfig(**{field: value}))


@pytest.mark.parametrize("stray", ["\n", "a\rb", "x\x85", "\u2028"])
def test_regression_cli_stray_argument_with_line_break(stray, capsys):
    # argparse's "unrecognized arguments: ..." once echoed the raw text on 2 lines.
    assert cli.main([*SAFE_PREFIX, "--nope", stray]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, repr(err)


# ---------------------------------------------------------------------------------------
# URL parameters: any text in a link gives a sentence (or nothing), never an exception
# ---------------------------------------------------------------------------------------
from app.widgets import link_problems, widgets_of  # noqa: E402

WIDGETS = widgets_of("mlp")

_link_text = st.one_of(st.text(max_size=300), st.sampled_from(
    ["nan", "inf", "-1", "1e400", "999999999999", "<script>alert(1)</script>", "`x`",
     "[a](javascript:alert(1))", "", " ", "0x10", "ReLU", "He / Kaiming"]))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(WIDGETS)), st.lists(_link_text, max_size=4),
                       max_size=6))
def test_any_link_gives_sentences_not_exceptions(params):
    _count()
    problems = link_problems(params)
    assert len(problems) <= len(params)
    for sentence in problems:
        assert sentence.count("`") == 2          # user text stays in one code span
        assert len(sentence) < 600
