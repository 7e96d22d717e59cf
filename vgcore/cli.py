"""`python -m vgcore`: run an experiment from the shell, or list what is allowed.

    python -m vgcore run --dataset xor --hidden 30,30,30 --activations sigmoid,relu --json
    python -m vgcore run --config saved/config.json --epochs 50 --out results/
    python -m vgcore recurrent --task remember_first --seq-len 50 --cells rnn,lstm --json
    python -m vgcore list
    python -m vgcore warm               # every default experiment into the result store

Every experiment kind (`vgcore.kinds`) is a training command (`run` for the MLP,
`recurrent`), whose flags and help are generated from its config's field declarations,
so a new field becomes a flag, and a new kind a command, with no change here.
Validation stays in the config: the CLI only parses text into values and translates the
config's `field: ...` errors into `--flag: ...` errors; the summary table is the kind's
own. tqdm draws the progress bar.
Bad input exits 2 with one `error: ...` line on stderr (no usage dump, no traceback).
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import platform
import sys
from pathlib import Path
from typing import Any, Callable, Mapping, NoReturn

from tqdm import tqdm

from .config import FIELDS, ExperimentConfig, FieldSpec, declared_fields
from .data import DATASETS
from .kinds import KINDS, Kind, by_command, kind_of

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
PROG = "python -m vgcore"
# Allowed values per choice field, shown in --help and by `list`; validation stays in
# config.py (argparse `choices=` would print its own multi-line error).
CHOICES: dict[str, tuple[str, ...]] = {name: tuple(fs.choices) for name, fs in FIELDS.items()
                                       if fs.choices}
# The run subcommand's own options; a config field with one of these names would clash.
CLI_OPTIONS = ("config", "json", "out", "progress", "quiet")


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and calling sys.exit: every usage
    error (unknown flag, unparsable number, missing command) becomes one line."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message.removeprefix("argument "))


# -- flags generated from the dataclass ---------------------------------------------------

def flag_of(field_name: str) -> str:
    """Config field -> command-line flag: train_size -> --train-size."""
    return "--" + field_name.replace("_", "-")


def _scalar_parser(kind: type) -> Callable[[str], Any]:
    """Text -> int/float/str. argparse prefixes the error with the flag's name."""
    def parse(text: str) -> Any:
        if kind is str:
            return text
        try:
            return kind(text.strip())
        except ValueError:
            noun = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None
    parse.__name__ = kind.__name__   # argparse names the type in some messages
    return parse


_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def _parse_bool(text: str) -> bool:
    """'true' / 'false' (any case; also yes/no, on/off, 1/0) -> True / False."""
    word = text.strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise argparse.ArgumentTypeError(f"{text[:40]!r} is not true or false")


_parse_bool.__name__ = "bool"


def _list_parser(kind: type) -> Callable[[str], tuple]:
    """'30,30,30' -> (30, 30, 30); 'sigmoid, relu' -> ('sigmoid', 'relu')."""
    item = _scalar_parser(kind)

    def parse(text: str) -> tuple:
        return tuple(item(part.strip()) for part in text.split(",") if part.strip())
    return parse


def _show_default(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return '""' if value == "" else str(value)


_METAVARS = {int: "INT", float: "NUM", str: "TEXT"}


def _add_field_flags(parser: argparse.ArgumentParser, config_cls: type) -> None:
    """One flag per field of the config class, typed from the field's default value.

    default=SUPPRESS keeps unset flags out of the namespace, so we know exactly which
    flags the user typed: those override --config, everything else comes from the file
    or the dataclass.
    """
    declared = declared_fields(config_cls)
    group = parser.add_argument_group(f"experiment (every {config_cls.__name__} field)")
    for field in dataclasses.fields(config_cls):
        if field.name in CLI_OPTIONS:
            raise AssertionError(f"config field {field.name!r} clashes with a CLI option")
        default = field.default
        flag = flag_of(field.name)
        if isinstance(default, bool):   # `--residual` alone is true; `--residual=false`
            group.add_argument(flag, dest=field.name, type=_parse_bool, nargs="?",
                               const=True, metavar="BOOL", default=argparse.SUPPRESS,
                               help=_flag_help(field.name, default, False, declared))
            continue
        is_list = isinstance(default, tuple)
        kind = (type(default[0]) if default else str) if is_list else type(default)
        metavar = _METAVARS[kind] if not declared[field.name].choices else "NAME"
        if is_list:
            parse, metavar = _list_parser(kind), f"{metavar},{metavar},..."
        else:
            parse = _scalar_parser(kind)
        group.add_argument(flag, dest=field.name, type=parse, metavar=metavar,
                           default=argparse.SUPPRESS,
                           help=_flag_help(field.name, default, is_list, declared))


def _flag_help(name: str, default: Any, is_list: bool,
               declared: Mapping[str, FieldSpec] = FIELDS) -> str:
    """'(default: 1000) training samples; small training sets overfit; [1, 60000]'.
    The default comes first so it stays next to the flag however argparse wraps."""
    fs = declared[name]
    parts = [fs.help, fs.why]
    if fs.choices:
        parts.append(("comma list of: " if is_list else "one of: ") + ", ".join(fs.choices))
    elif fs.kind in ("int", "float"):
        parts.append(f"allowed {fs.range_text()}")
    elif fs.kind == "layers":
        parts.append(f"comma list of {fs.min_len} to {fs.max_len} widths in "
                     f"{fs.range_text()}")
    elif fs.kind == "bool":
        parts.append("true or false; the flag alone means true")
    text = "; ".join(p for p in parts if p).replace("%", "%%")   # argparse formats help
    return f"(default: {_show_default(default)}) {text}"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, allow_abbrev=False,
                     description="Vanishing Gradient Lab: train small nets side by side "
                                 "and measure how gradients flow through their layers.")
    parser.add_argument("--version", action="version", version=_version_text())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for kind in KINDS.values():           # one training command per experiment kind
        command = commands.add_parser(kind.command, allow_abbrev=False, help=kind.help,
                                      description=kind.description)
        _add_run_options(command, out_files(kind))
        _add_field_flags(command, kind.config)
    commands.add_parser("list", allow_abbrev=False,
                        help="print the allowed data sets, activations, ... and the caps")
    warm = commands.add_parser(
        "warm", allow_abbrev=False, help="train every default experiment into the store",
        description="Train every experiment the app runs with its defaults (each lesson "
                    "page's, every preset's, every exercise's starting point) into the "
                    "result store the app reads, so the room finds them ready; what is "
                    "already stored is skipped. Prints what it computed and how long "
                    "it took.")
    warm.add_argument("--store", metavar="STORE",
                      help="folder, 'memory' or redis://host:port/db (default: "
                           "$VGLAB_STORE, else the disk store under the user's cache)")
    warm.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def out_files(kind: Kind) -> tuple[str, ...]:
    """What --out writes for a run of `kind`: its frames as CSV, then config.json."""
    return (*(f"{frame}.csv" for frame in kind.out_frames), "config.json")


def _add_run_options(command: argparse.ArgumentParser, out_files: tuple[str, ...]) -> None:
    """The options a training command has besides its config's fields (CLI_OPTIONS)."""
    command.add_argument("--config", metavar="FILE.json", dest="config",
                         help="start from this config (config.json written by --out, or "
                              "a --json output); flags given explicitly override it")
    command.add_argument("--json", action="store_true", dest="json",
                         help="print the result as JSON on stdout and nothing else there")
    command.add_argument("--out", metavar="DIR", dest="out",
                         help="write " + ", ".join(out_files) + " into DIR")
    command.add_argument("--progress", action="store_true",
                         help="show the progress bar on stderr even when it is not a "
                              "terminal")
    command.add_argument("--quiet", action="store_true", help="no progress bar")


def _version_text() -> str:
    """vgcore's version (installed metadata, else the package attribute) and torch's."""
    from importlib import metadata

    import torch
    try:
        version = metadata.version("vgcore")
    except metadata.PackageNotFoundError:   # run from a checkout, not installed
        version = getattr(sys.modules[__package__], "__version__", "dev")
    return f"vgcore {version} (torch {torch.__version__}, Python {platform.python_version()})"


# -- building the config ------------------------------------------------------------------

def _load_config_file(path: str) -> dict[str, Any]:
    """A config dict from JSON: config.json as --out writes it, or a whole --json output."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--config: cannot read {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"--config: {path} is not valid JSON ({exc})") from None
    if isinstance(data, dict) and isinstance(data.get("config"), dict):
        data = data["config"]          # a saved --json result: take its config
    if not isinstance(data, dict):
        raise UsageError(f"--config: {path} must hold a JSON object of config fields")
    return data


def _field_error(exc: ValueError, given: set[str], config_path: str | None,
                 config_cls: type = ExperimentConfig) -> UsageError:
    """The config's `field: problem` -> `--field: problem`, or `FILE: field: problem` when
    the value came from --config and was not overridden on the command line. One line."""
    message = " ".join(str(exc).split())
    name, sep, rest = message.partition(":")
    known = {f.name for f in dataclasses.fields(config_cls)}
    if sep and name in known:
        if config_path and name not in given:
            return UsageError(f"{config_path}: {message}")
        return UsageError(f"{flag_of(name)}:{rest}")
    # Not about one field: with --config it is the file's fault (e.g. an unknown key).
    return UsageError(f"{config_path}: {message}" if config_path else message)


def config_from_args(args: argparse.Namespace, config_cls: type = ExperimentConfig) -> Any:
    """Dataclass defaults <- --config file <- flags typed on the command line."""
    field_names = [f.name for f in dataclasses.fields(config_cls)]
    given = {name: getattr(args, name) for name in field_names if hasattr(args, name)}
    base = _load_config_file(args.config) if args.config else {}
    try:
        return config_cls.from_dict({**base, **given})
    except (ValueError, TypeError) as exc:   # TypeError: e.g. a JSON list where a number goes
        raise _field_error(ValueError(str(exc)), set(given), args.config,
                           config_cls) from None


# -- progress bar -------------------------------------------------------------------------

def progress_bar(stream: Any = None) -> Callable[[Any], None]:
    """An `on_epoch` callback drawing `epoch 3/10 [#####.....] 00:01, ETA 00:03` with tqdm
    on `stream` (stderr). Call its `close()` when the run ends."""
    bars: list[tqdm] = []           # made at the first epoch, when the total is known

    def on_epoch(progress: Any) -> None:    # vgcore.train.Progress
        if not bars:
            bars.append(tqdm(total=progress.epochs, file=stream or sys.stderr, leave=True,
                             mininterval=0, ascii=" #",
                             bar_format="epoch {n}/{total} [{bar:24}] {elapsed}, "
                                        "ETA {remaining}"))
        bars[0].n = progress.epoch
        bars[0].refresh()

    def close() -> None:
        for bar in bars:
            bar.close()
    on_epoch.close = close                  # type: ignore[attr-defined]
    return on_epoch


def _progress_bar(args: argparse.Namespace) -> Callable[[Any], None] | None:
    if args.quiet or not (sys.stderr.isatty() or args.progress):
        return None
    return progress_bar(sys.stderr)


# -- output -------------------------------------------------------------------------------

def _prepare_out(out: str) -> Path:
    """Create --out before training, so a bad path fails in a second, not after the run."""
    path = Path(out)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out: cannot create {out}: {exc.strerror or exc}") from None
    return path


def write_out(result: Any, folder: Path) -> list[Path]:
    """The run's frames as CSV (its kind's `out_frames`) plus config.json (loadable by
    the config's from_dict)."""
    written = []
    for frame in kind_of(result).out_frames:
        path = folder / f"{frame}.csv"
        getattr(result, frame).to_csv(path, index=False)
        written.append(path)
    (folder / "config.json").write_text(json.dumps(result.config.to_dict(), indent=2) + "\n",
                                        encoding="utf-8")
    written.append(folder / "config.json")
    return written


def list_text() -> str:
    """What `list` prints: every allowed choice (from each kind's field declarations) and
    every cap (each kind's, the ones kinds share once)."""
    datasets = [f"{d.name} (≤{d.capacity:,} samples)" if d.capacity is not None
                else f"{d.name} (needs --data-dir)" for d in DATASETS.values()]
    lines = [f"{'datasets:':<14}{', '.join(datasets)}"]
    shown = {"dataset"}
    for kind in KINDS.values():
        for name, fs in declared_fields(kind.config).items():
            if fs.choices and name not in shown:
                shown.add(name)
                lines.append(f"{name + ':':<14}{', '.join(fs.choices)}")
    lines.append("caps:")
    first, *others = KINDS.values()
    lines += [f"  {name:<16}{_show_cap(value)}" for name, value in first.caps.items()]
    for kind in others:
        lines += [f"  {name:<16}{_show_cap(value)} ({kind.name})"
                  for name, value in kind.caps.items() if name not in first.caps]
    return "\n".join(lines)


def _show_cap(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:.0e}"


# -- commands -----------------------------------------------------------------------------

def cmd_train(args: argparse.Namespace) -> int:
    """A kind's training command: its config from the flags, trained by its trainer."""
    kind = by_command(args.command)
    config = config_from_args(args, kind.config)
    return _train(args, config, kind.train, kind.summary_text)


def _train(args: argparse.Namespace, config: Any, trainer: Callable[..., Any],
           summary: Callable[[Any], str]) -> int:
    """Train `config` with `trainer` and print the result: --json, or the `summary` table
    (and --out files)."""
    folder = _prepare_out(args.out) if args.out else None
    bar = _progress_bar(args)
    # With --json, stdout must hold the JSON alone: anything a library prints goes to stderr.
    quiet_stdout = contextlib.redirect_stdout(sys.stderr) if args.json \
        else contextlib.nullcontext()
    try:
        with quiet_stdout:
            result = trainer(config, on_epoch=bar)
    except ValueError as exc:
        raise _field_error(exc, set(), None, type(config)) from None
    finally:
        if bar:
            bar.close()                  # type: ignore[attr-defined]
    if folder:
        written = write_out(result, folder)
    if args.json:
        print(json.dumps(result.to_json_dict()))
    else:
        print(summary(result))
        if folder:
            print(f"wrote {', '.join(p.name for p in written)} to {folder}")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    print(list_text())
    return EXIT_OK


def _differences(config: Any) -> str:
    """The fields of a config that differ from its type's defaults, as `name=value`."""
    try:
        defaults = type(config)().to_dict()
    except (TypeError, ValueError):
        defaults = {}
    return " ".join(f"{k}={_show_default(v)}" for k, v in config.to_dict().items()
                    if defaults.get(k, object()) != v) or "(defaults)"


def cmd_warm(args: argparse.Namespace) -> int:
    """Every default experiment into the store's pinned area, which visitors' runs never
    evict (vgcore.store.compute_once: a config another process is training is waited
    for, not trained twice)."""
    import time

    from .runs import run_config
    from .store import compute_once, open_store
    from .workshop.warmup import default_configs
    store = open_store(args.store)
    configs = default_configs()
    computed: list[tuple[Any, float]] = []
    failed: list[tuple[Any, str]] = []
    present = 0
    started = time.perf_counter()
    bar = tqdm(configs, desc="warm", unit="run", file=sys.stderr, ascii=" #",
               disable=args.quiet, bar_format="{desc} {n}/{total} [{bar:24}] {elapsed}, "
                                              "ETA {remaining} {postfix}")
    for config in bar:
        t0 = time.perf_counter()
        if store.pinned(config):
            present += 1
        else:
            try:
                result, trained = compute_once(
                    store, config, lambda config=config: run_config(config), pinned=True)
            except ValueError as exc:
                failed.append((config, " ".join(str(exc).split())[:200]))
                continue
            if trained:
                computed.append((config, time.perf_counter() - t0))
            else:                       # found among visitors' results: pin it
                store.put(config, result, pinned=True)
                present += 1
        bar.set_postfix_str(f"computed {len(computed)}, already stored {present}")
    bar.close()
    total = time.perf_counter() - started
    print(f"store: {store.where}")
    print(f"{len(configs)} default experiments: {len(computed)} computed "
          f"({sum(t for _, t in computed):.1f} s), {present} already stored, "
          f"{len(failed)} failed; {total:.1f} s in all")
    for config, took in computed:
        print(f"  computed {took:6.1f} s  {type(config).__name__} {_differences(config)}")
    for config, why in failed:
        print(f"  FAILED  {type(config).__name__} {_differences(config)}: {why}")
    return EXIT_FAIL if failed else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m vgcore`; returns the exit status (tests call it directly)."""
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:       # --help / --version: argparse printed and exits 0
            return int(exc.code or 0)
        if args.command is None:
            raise UsageError("choose a command: run, recurrent, list or warm (see --help)")
        commands = {"list": cmd_list, "warm": cmd_warm}
        return commands.get(args.command, cmd_train)(args)
    except UsageError as exc:
        # one line, whatever the user typed (argparse echoes stray arguments verbatim)
        print(f"error: {' '.join(str(exc).split())[:300]}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:           # any other library validation error
        print(f"error: {' '.join(str(exc).split())[:300]}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:             # `... --json | head`: the reader left; not an error
        _silence_stdout()
        return EXIT_FAIL


def _silence_stdout() -> None:
    """Point stdout at devnull so the interpreter's final flush cannot raise again
    (the recipe from Python's signal module documentation)."""
    import os
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):       # stdout replaced by a non-file (tests): nothing to do
        pass
