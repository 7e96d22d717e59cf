"""Uploaded run files -> validated history frames, for the workshop's "compare runs" page.

Accepted: the app's "History (CSV)" download (columns activation, seed, epoch, split,
loss, accuracy) and the CLI's `--json` output ({"config", "summary", "history", "layers"};
only "history" is read). Uploads come from a room of strangers, so a file is treated as
untrusted *data*:

- at most MAX_BYTES and MAX_ROWS; UTF-8 text only (a pickle or any binary fails to decode);
- parsed with `csv` / `json` only: no pickle, no eval, never `torch.load`; JSON NaN and
  Infinity literals are refused;
- exactly the history columns; every value checked: activation from the registry, split
  train/test, integer seed and epoch ≥ 0, finite loss ≥ 0, accuracy in [0, 1], no
  duplicate (activation, seed, epoch, split) rows;
- every problem is a `ValueError` that names the file, the row and the column. Text from
  the file (its name included) is quoted in a code span with markup characters
  neutralised, so an error shown with `st.error` (Markdown) cannot render links, images
  or HTML from a hostile file;
- at most MAX_FILES files and MAX_TOTAL_BYTES in all are read per session
  (`within_caps`); the rest are skipped with a note (`skipped_note`).

Every message (errors, notes, the "unnamed" label) is in the reader's language; the
column names and values it quotes (activation, seed, train, test) are the file's own.

Pure: no streamlit.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import fields
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from vgcore.activations import ACTIVATIONS
from vgcore.config import ExperimentConfig
from vgcore.i18n import listing, tr
from vgcore.results import HISTORY_COLUMNS, net_outcome
from vgcore.text import quote, visible


MAX_BYTES = 2 * 1024 * 1024      # a 200-epoch run of 8 activations × 5 seeds is ~0.6 MB
MAX_ROWS = 50_000                # 8 activations × 5 seeds × 201 epochs × 2 splits = 16,080
MAX_NAME = 60                    # characters of a file name kept as the run's label
# Per session: a workshop's thirty learners send one file each, and parsing costs time and
# memory on every file, so a room's files fit and one visitor's flood does not.
MAX_FILES = 30
MAX_TOTAL_BYTES = 10 * 1024 * 1024
SPLITS = ("train", "test")
def _cut(text: str, limit: int) -> str:
    """`text` at most `limit` + 1 characters: a long one loses its middle ('…'), since the
    parts of a room's file names that differ are at their ends (the common prefix and
    suffix are gone) and the extension says what the file is."""
    if len(text) <= limit:
        return text
    head = (limit + 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - head):]


def _shown(filename: Any) -> str:
    """A file's name as plain characters: no control or format characters, bounded work."""
    return visible(str(filename)[:4 * MAX_NAME]).strip()


def run_name(filename: str) -> str:
    """A file's name as a label: no control characters, bounded length. (Browsers
    send the base name only; '/' is kept, a name like '</b>.csv' is just text.)"""
    return _cut(_shown(filename), MAX_NAME) or tr("unnamed")


# Where the words of a file name meet: run_file_stem joins settings with "_" and "-", people
# with spaces. A "." is not one: it sits inside numbers (lr0.05 vs lr0.5).
_SEPARATORS = "_- "


def _prefix_cut(names: Sequence[str]) -> int:
    """Length of the longest prefix all `names` share that ends just after a separator."""
    first, n = names[0], 0
    while all(len(s) > n and s[n] == first[n] for s in names):
        n += 1
    while n and first[n - 1] not in _SEPARATORS:
        n -= 1
    return n


def _suffix_cut(names: Sequence[str]) -> int:
    """Length of the longest suffix all `names` share that starts with a separator."""
    return _prefix_cut([s[::-1] for s in names])


def short_names(filenames: Sequence[str]) -> list[str]:
    """One label per uploaded file, telling a room's files apart where they differ: the
    words that every name starts with and ends with are dropped ('exercise-close-gap_' and
    '-history.csv' from 'exercise-close-gap_weight-decay0.005_seed0-history.csv' and its
    neighbours leave 'weight-decay0.005_seed0'). Cuts fall between words (_SEPARATORS), so
    'lr0.05' and 'lr0.5' stay whole. A name that would be left empty keeps the suffix,
    else the prefix, else everything; one file, or files all named alike, keep their
    names. Each label is one line of plain characters, at most MAX_NAME + 1 long."""
    names = [_shown(n) for n in filenames]
    if len(set(names)) > 1:
        p, s = _prefix_cut(names), _suffix_cut(names)
        for head, tail in ((p, s), (0, s), (p, 0)):
            middles = [n[head:len(n) - tail].strip(_SEPARATORS) for n in names]
            if all(middles) and all(head + tail <= len(n) for n in names):
                names = middles
                break
    return [_cut(n, MAX_NAME) or tr("unnamed") for n in names]


def within_caps(sizes: Sequence[int]) -> tuple[list[int], list[int]]:
    """Which of a session's files (their sizes in bytes, in upload order) are read:
    (kept, skipped) indices. A file is kept while fewer than MAX_FILES are and it fits in
    what is left of MAX_TOTAL_BYTES; a later, smaller file may still fit."""
    kept: list[int] = []
    skipped: list[int] = []
    total = 0
    for i, size in enumerate(sizes):
        if len(kept) < MAX_FILES and total + size <= MAX_TOTAL_BYTES:
            kept.append(i)
            total += size
        else:
            skipped.append(i)
    return kept, skipped


def skipped_note(names: Sequence[str], uploaded: int) -> str:
    """The sentence for files `within_caps` skipped: how many, the first few names
    (quoted) and the limits."""
    said = {"skipped": len(names), "uploaded": uploaded, "max_files": MAX_FILES,
            "max_mb": MAX_TOTAL_BYTES / 2**20,
            "listed": listing(quote(run_name(n), MAX_NAME) for n in names[:3])}
    if len(names) > 3:
        return tr("Skipped {skipped} of {uploaded} files ({listed} and {more} more): one "
                  "session compares at most {max_files} files and {max_mb:.0f} MB in all. "
                  "Remove some files to add these.", more=len(names) - 3, **said)
    return tr("Skipped {skipped} of {uploaded} files ({listed}): one session compares at "
              "most {max_files} files and {max_mb:.0f} MB in all. Remove some files to add "
              "these.", **said)


def parse_run_file(name: str, data: bytes) -> pd.DataFrame:
    """Validate an uploaded run file; return its history frame (HISTORY_COLUMNS).
    Raises ValueError('<file>: <problem>') on anything else."""
    where = quote(run_name(name), MAX_NAME)
    if not isinstance(data, (bytes, bytearray)):
        raise ValueError(tr("{where}: expected the file's bytes", where=where))
    if len(data) > MAX_BYTES:
        raise ValueError(tr("{where}: the file is {size:.1f} MB; the limit is {limit:.0f} MB",
                            where=where, size=len(data) / 1e6, limit=MAX_BYTES / 1e6))
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(tr("{where}: not UTF-8 text (byte {byte}); upload the History CSV "
                            "or the CLI's --json output", where=where,
                            byte=err.start)) from None
    if "\x00" in text:
        raise ValueError(tr("{where}: contains NUL bytes, so it is not a text file",
                            where=where))
    if not text.strip():
        raise ValueError(tr("{where}: the file is empty", where=where))
    if text.lstrip()[:1] in "{[":
        records = _json_records(text, where)
    else:
        records = _csv_records(text, where)
    return _validate(records, where)


def _reject_constant(token: str) -> None:
    # caught below and quoted in "not valid JSON (...)": a visitor reads it
    raise ValueError(tr("{token} is not a number JSON allows", token=token))


def _json_records(text: str, where: str) -> list[dict]:
    try:
        payload = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError(tr("{where}: the JSON is nested too deeply", where=where)) from None
    except ValueError as err:
        raise ValueError(tr("{where}: not valid JSON ({why})", where=where,
                            why=quote(err, 80))) from None
    if isinstance(payload, dict):
        if "history" not in payload:
            raise ValueError(tr("{where}: a JSON run file needs a \"history\" list (the "
                                "output of python -m vgcore run --json)", where=where))
        payload = payload["history"]
    if not isinstance(payload, list):
        raise ValueError(tr("{where}: \"history\" must be a list of rows", where=where))
    if len(payload) > MAX_ROWS:
        raise ValueError(tr("{where}: {rows:,} rows; the limit is {limit:,}", where=where,
                            rows=len(payload), limit=MAX_ROWS))
    for i, row in enumerate(payload, 1):
        if not isinstance(row, dict):
            raise ValueError(tr("{where}: history row {row} is not an object", where=where,
                                row=i))
    if payload:
        _check_columns(payload[0].keys(), where)
        for i, row in enumerate(payload, 1):
            if set(row) != set(HISTORY_COLUMNS):
                _check_columns(row.keys(), tr("{where}: history row {row}", where=where,
                                              row=i))
    return payload


def _csv_records(text: str, where: str) -> list[dict]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        _check_columns(header, where)
        if len(set(header)) != len(header):
            raise ValueError(tr("{where}: duplicate column names", where=where))
        rows = []
        for line, values in enumerate(reader, 2):
            if not values:
                continue                 # blank line
            if len(rows) >= MAX_ROWS:
                raise ValueError(tr("{where}: more than {limit:,} rows; that is not one "
                                    "run's history", where=where, limit=MAX_ROWS))
            if len(values) != len(header):
                raise ValueError(tr("{where}: line {line} has {fields} fields, the header "
                                    "has {header}", where=where, line=line,
                                    fields=len(values), header=len(header)))
            rows.append(dict(zip(header, values), _line=line))
    except csv.Error as err:
        raise ValueError(tr("{where}: not a valid CSV file ({why})", where=where,
                            why=quote(err, 80))) from None
    return rows


def _check_columns(columns: Iterable[Any], where: str) -> None:
    cols = [str(c) for c in columns]
    missing = [c for c in HISTORY_COLUMNS if c not in cols]
    extra = [c for c in cols if c not in HISTORY_COLUMNS]
    # the columns are named as the file writes them: a list of names, joined with ", "
    columns = ", ".join(HISTORY_COLUMNS)
    if "cell" in cols and "activation" not in cols:
        raise ValueError(tr("{where}: this is a recurrent run (lesson 9, a 'cell' column); "
                            "Compare runs overlays the runs of lessons 2–8, whose History "
                            "CSV has {columns}", where=where, columns=columns))
    said = {"where": where, "columns": columns, "missing": ", ".join(missing),
            "extra": ", ".join(quote(c, 30) for c in extra[:5])}
    if missing and extra:
        raise ValueError(tr("{where}: missing column(s) {missing}; unexpected column(s) "
                            "{extra}; a run file has exactly {columns} (the History CSV "
                            "download)", **said))
    if missing:
        raise ValueError(tr("{where}: missing column(s) {missing}; a run file has exactly "
                            "{columns} (the History CSV download)", **said))
    if extra:
        raise ValueError(tr("{where}: unexpected column(s) {extra}; a run file has exactly "
                            "{columns} (the History CSV download)", **said))


def _validate(records: list[dict], where: str) -> pd.DataFrame:
    if not records:
        raise ValueError(tr("{where}: no rows", where=where))
    out = {c: [] for c in HISTORY_COLUMNS}
    seen: set[tuple] = set()
    for i, rec in enumerate(records, 1):
        at = tr("{where}: line {line}", where=where, line=rec["_line"]) if "_line" in rec \
            else tr("{where}: row {row}", where=where, row=i)
        activation = rec["activation"]
        if not isinstance(activation, str) or activation not in ACTIVATIONS:
            raise ValueError(tr("{at}: activation {value} is not one of {allowed}", at=at,
                                value=quote(activation), allowed=", ".join(ACTIVATIONS)))
        split = rec["split"]
        if split not in SPLITS:
            raise ValueError(tr("{at}: split {value} is not train or test", at=at,
                                value=quote(split)))
        seed = _integer(rec["seed"], "seed", at)
        epoch = _integer(rec["epoch"], "epoch", at)
        loss = _number(rec["loss"], "loss", at)
        if loss < 0:
            raise ValueError(tr("{at}: loss {loss:g} is negative", at=at, loss=loss))
        accuracy = _number(rec["accuracy"], "accuracy", at)
        if not 0 <= accuracy <= 1:
            raise ValueError(tr("{at}: accuracy {accuracy:g} is outside [0, 1]", at=at,
                                accuracy=accuracy))
        key = (activation, seed, epoch, split)
        if key in seen:
            raise ValueError(tr("{at}: a second row for {activation}, seed {seed}, epoch "
                                "{epoch}, {split}", at=at, activation=activation, seed=seed,
                                epoch=epoch, split=split))
        seen.add(key)
        for col, value in zip(HISTORY_COLUMNS, (activation, seed, epoch, split, loss,
                                                accuracy)):
            out[col].append(value)
    return pd.DataFrame(out, columns=HISTORY_COLUMNS)


def _finite_float(value: Any) -> float:
    """float(value), with ints too large for a float (10**400) counted as infinite."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _integer(value: Any, name: str, at: str) -> int:
    number = value
    if isinstance(value, str):
        try:
            number = float(value.strip()) if value.strip() else math.nan
        except ValueError:
            raise ValueError(tr("{at}: {name} {value} is not a number", at=at, name=name,
                                value=quote(value))) from None
    if isinstance(number, bool) or not isinstance(number, (int, float)) \
            or not math.isfinite(_finite_float(number)) or number != int(number) \
            or number < 0 or number > 2**31 - 1:
        raise ValueError(tr("{at}: {name} {value} is not a whole number ≥ 0", at=at,
                            name=name, value=quote(value)))
    return int(number)


def _number(value: Any, name: str, at: str) -> float:
    number = value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise ValueError(tr("{at}: {name} {value} is not a number", at=at, name=name,
                                value=quote(value))) from None
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise ValueError(tr("{at}: {name} {value} is not a number", at=at, name=name,
                            value=quote(value)))
    if not math.isfinite(_finite_float(number)):
        raise ValueError(tr("{at}: {name} is {value}, not a finite number (the app leaves a "
                            "diverged run's rows out of its History CSV)", at=at, name=name,
                            value=_finite_float(number)))
    return float(number)


def overlay_frame(named_frames: Mapping[str, pd.DataFrame] | Iterable[tuple[str, pd.DataFrame]]
                  ) -> pd.DataFrame:
    """One frame for `charts.overlay_chart(df, metric, split, series="run")`: the history
    columns plus `run` (the file's short name, `run_labels`)."""
    pairs = list(named_frames.items()) if isinstance(named_frames, Mapping) \
        else list(named_frames)
    frames = [frame[HISTORY_COLUMNS].assign(run=label)
              for label, (_, frame) in zip(run_labels(name for name, _ in pairs), pairs)]
    if not frames:
        return pd.DataFrame(columns=["run", *HISTORY_COLUMNS])
    return pd.concat(frames, ignore_index=True)[["run", *HISTORY_COLUMNS]]


def run_labels(names: Iterable[str]) -> list[str]:
    """One chart label per file: its short name (`short_names`), with " (2)", " (3)", …
    for repeated ones."""
    labels, used = [], set()
    for short in short_names(list(names)):
        label, n = short, 2
        while label in used:
            label, n = f"{short} ({n})", n + 1
        used.add(label)
        labels.append(label)
    return labels


def uploaded_runs(filenames: Sequence[str]) -> pd.DataFrame:
    """What was uploaded, one row per run in upload order: `run`, its label on the chart
    and in the tables, and `file`, the name it came in (plain, one line, bounded: a
    download's name is at most MAX_STEM + 15 characters, kept whole)."""
    return pd.DataFrame({"run": run_labels(filenames),
                         "file": [_cut(_shown(n), 2 * MAX_NAME) or tr("unnamed")
                                  for n in filenames]},
                        columns=["run", "file"])


def same_name_notes(named_frames: Iterable[tuple[str, Any]]) -> list[str]:
    """One sentence per file name uploaded more than once, saying how the runs are told
    apart (in a room everyone doing one exercise downloads the same name)."""
    names = [name for name, _ in named_frames]
    notes = []
    for name in dict.fromkeys(names):
        count = names.count(name)
        if count > 1:
            labels = [label for n, label in zip(names, run_labels(names)) if n == name]
            notes.append(tr("{count} files are named {name}: each is its own run, shown as "
                            "{labels}.", count=count, name=quote(run_name(name), MAX_NAME),
                            labels=listing(quote(l, MAX_NAME + 5) for l in labels)))
    return notes


SUMMARY_COLUMNS = ["run", "activation", "seed", "last_epoch", "best_test_epoch",
                   "final_train_loss", "final_test_loss", "final_train_accuracy",
                   "final_test_accuracy"]


def summarize_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per run, activation and seed of an `overlay_frame`: its last epoch, the
    epoch of its lowest test loss and its final losses and accuracies (NaN where a split
    is missing)."""
    rows = []
    for (run, activation, seed), h in runs.groupby(["run", "activation", "seed"],
                                                   sort=False):
        outcome = net_outcome(h)
        best = outcome["best_test_epoch"]
        rows.append({**outcome, "run": run, "activation": activation, "seed": seed,
                     "last_epoch": int(h["epoch"].max()),
                     "best_test_epoch": best if math.isnan(best) else int(best)})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


MAX_STEM = 80                    # characters of a download's name before "-history.csv"


def _setting(name: str, value: Any) -> str:
    """One setting as a file-name part: hidden (30, 30) -> 'hidden2x30', lr 0.05 ->
    'lr0.05', activations ('relu', 'tanh') -> 'relu+tanh'."""
    if name == "hidden" and isinstance(value, tuple):
        text = f"{len(value)}x{value[0]}" if len(set(value)) == 1 else "-".join(map(str, value))
    elif name in ("activations", "cells"):
        return "+".join(value)
    elif isinstance(value, float):
        text = f"{value:g}"
    else:
        text = str(value)
    return name.replace("_", "-") + re.sub(r"[^A-Za-z0-9.+-]", "-", text)


def run_file_stem(page: str, config: ExperimentConfig, defaults: ExperimentConfig) -> str:
    """A download's name, so a room's files tell themselves apart: the page, each setting
    that differs from the page's defaults, and the seed, e.g.
    'overfitting_dropout0.5_train-size100_seed3'. Cut to MAX_STEM characters (the
    settings that did not fit become '+more')."""
    names = [f.name for f in fields(config)]      # any config class's fields
    parts = [page] + [_setting(name, getattr(config, name)) for name in names
                      if name != "seed" and getattr(config, name) != getattr(defaults, name)]
    seed = f"seed{config.seed}"
    kept = []
    for part in parts:
        if len("_".join([*kept, part, "+more", seed])) > MAX_STEM and kept:
            kept.append("+more")
            break
        kept.append(part)
    return "_".join([*kept, seed])


__all__ = ["run_file_stem", "run_labels", "short_names", "uploaded_runs", "same_name_notes", "parse_run_file", "overlay_frame", "summarize_runs", "quote", "run_name",
           "within_caps", "skipped_note", "MAX_BYTES", "MAX_ROWS", "MAX_FILES",
           "MAX_TOTAL_BYTES"]
