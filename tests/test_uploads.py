"""Uploaded run files are untrusted data: the app's own downloads parse back exactly;
anything else is refused with a ValueError naming the file and the problem, and text from
the file can never become markup in the message."""
from __future__ import annotations

import json
import pickle

import pandas as pd
import pytest

from vgcore import charts, run
from vgcore.results import HISTORY_COLUMNS
from vgcore.text import quote
from vgcore.workshop.uploads import (MAX_BYTES, MAX_ROWS, overlay_frame, parse_run_file,
                                     run_name, summarize_runs)

HEADER = ",".join(HISTORY_COLUMNS)


def csv_bytes(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


GOOD_ROWS = ("relu,0,0,train,2.3,0.1", "relu,0,0,test,2.31,0.09",
             "relu,0,1,train,1.2,0.6", "relu,0,1,test,1.4,0.5")


@pytest.fixture(scope="module")
def result():
    from vgcore import ExperimentConfig
    return run(ExperimentConfig(dataset="xor", train_size=64, test_size=32, hidden=(6, 6),
                                activations=("sigmoid", "relu"), epochs=2, batch_size=16))


def test_the_apps_history_csv_parses_back_exactly(result):
    df = parse_run_file("loss-curves-history.csv", result.history.to_csv(index=False).encode())
    assert list(df.columns) == HISTORY_COLUMNS
    pd.testing.assert_frame_equal(df, result.history, check_dtype=False)


def test_a_run_file_reads_the_same_in_either_language(result):
    """Run files hold numbers and the config's names, never words: a file downloaded by a
    reader of one language compares, number for number, for a reader of the other; only
    the refusal of a bad file is in the reader's language."""
    from vgcore.i18n import speaking
    data = result.history.to_csv(index=False).encode()
    with speaking("zh"):
        chinese = summarize_runs(overlay_frame({"a-history.csv": parse_run_file(
            "a-history.csv", data)}))
        with pytest.raises(ValueError, match=r"[\u4e00-\u9fff]"):
            parse_run_file("b.csv", b"not,a\nrun,file\n")
    english = summarize_runs(overlay_frame({"a-history.csv": parse_run_file(
        "a-history.csv", data)}))
    pd.testing.assert_frame_equal(chinese, english)


def test_the_clis_json_output_parses(result):
    df = parse_run_file("run.json", json.dumps(result.to_json_dict()).encode())
    assert len(df) == len(result.history)
    assert df["loss"].to_numpy() == pytest.approx(result.history["loss"].to_numpy())
    # a bare list of history rows is the same data
    rows = json.dumps(result.to_json_dict()["history"]).encode()
    assert len(parse_run_file("rows.json", rows)) == len(result.history)


def test_a_utf8_bom_and_blank_lines_are_fine():
    df = parse_run_file("bom.csv", b"\xef\xbb\xbf" + csv_bytes(*GOOD_ROWS) + b"\n\n")
    assert len(df) == 4 and df["epoch"].tolist() == [0, 0, 1, 1]


BAD = [
    ("oversize", "big.csv", csv_bytes(*GOOD_ROWS) + b"#" * MAX_BYTES, "limit is 2 MB"),
    ("not utf-8", "latin.csv", csv_bytes("relu,0,0,train,1,0.5").replace(b"relu", b"r\xe9lu"),
     "not UTF-8"),
    ("pickle", "run.csv", pickle.dumps({"history": []}), "not UTF-8"),
    ("pickle protocol 0 is ASCII", "run.csv", pickle.dumps({"history": []}, protocol=0),
     "missing column"),
    ("torch file", "run.pt", b"PK\x03\x04" + bytes(range(256)), "not UTF-8"),
    ("wrong columns", "x.csv", b"a,b\n1,2\n", "missing column(s) activation"),
    ("a recurrent run", "rnn.csv", b"cell,seed,epoch,split,loss,accuracy\n"
     b"lstm,0,0,test,0.7,0.5\n", "a recurrent run (lesson 9"),
    ("extra column", "x.csv", (HEADER + ",note\nrelu,0,0,train,1,0.5,hi\n").encode(),
     "unexpected column(s) `note`"),
    ("NaN loss", "x.csv", csv_bytes("relu,0,0,train,nan,0.5"), "loss is nan"),
    ("inf accuracy", "x.csv", csv_bytes("relu,0,0,train,1,inf"), "accuracy is inf"),
    ("JSON NaN literal", "x.json", b'[{"activation": "relu", "seed": 0, "epoch": 0, '
     b'"split": "train", "loss": NaN, "accuracy": 0.5}]', "not valid JSON"),
    ("negative loss", "x.csv", csv_bytes("relu,0,0,train,-0.5,0.5"), "negative"),
    ("accuracy > 1", "x.csv", csv_bytes("relu,0,0,train,1,1.5"), "outside [0, 1]"),
    ("fractional epoch", "x.csv", csv_bytes("relu,0,1.5,train,1,0.5"), "whole number"),
    ("negative seed", "x.csv", csv_bytes("relu,-1,1,train,1,0.5"), "whole number"),
    ("unknown split", "x.csv", csv_bytes("relu,0,1,valid,1,0.5"), "not train or test"),
    ("unknown activation", "x.csv", csv_bytes("swish2,0,1,test,1,0.5"), "`swish2`"),
    ("duplicate row", "x.csv", csv_bytes(GOOD_ROWS[0], GOOD_ROWS[0]), "a second row"),
    ("ragged row", "x.csv", csv_bytes("relu,0,1,test,1"), "has 5 fields"),
    ("empty", "x.csv", b"", "empty"),
    ("header only", "x.csv", csv_bytes(), "no rows"),
    ("JSON without history", "x.json", b'{"config": {}}', '"history"'),
    ("deep JSON", "x.json", b"[" * 200_000, "nested too deeply"),
    ("too many rows", "x.json", json.dumps([{}] * (MAX_ROWS + 1)).encode(), "the limit is"),
    ("boolean seed", "x.json", json.dumps([{"activation": "relu", "seed": True, "epoch": 0,
                                            "split": "test", "loss": 1, "accuracy": 0.5}])
     .encode(), "whole number"),
]


@pytest.mark.parametrize("name,data,expected", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_files_are_refused_naming_the_file_and_the_problem(name, data, expected):
    with pytest.raises(ValueError) as err:
        parse_run_file(name, data)
    message = str(err.value)
    assert message.startswith(f"`{name}`:") and expected in message, message


MARKUP = ["<script>alert(1)</script>", "![x](https://evil.example/t.png)",
          "[click](javascript:alert(1))", "`code` **bold**", "a\nb\r\x1b[31m"]


@pytest.mark.parametrize("text", MARKUP)
def test_markup_in_values_and_names_is_quoted_as_inert_code(text):
    field = text.replace("\n", " ").replace("\r", " ")   # one CSV field
    data = csv_bytes(f'"{field}",0,0,train,1,0.5')
    with pytest.raises(ValueError) as err:
        parse_run_file(text + ".csv", data)
    message = str(err.value)
    spans = message.split("`")
    # every piece of the file's text sits inside a code span (odd pieces), so Markdown
    # renders it literally; no backtick or control character from the file survives
    assert len(spans) % 2 == 1
    outside = "".join(spans[0::2])
    for bad in ("<script", "](", "**", "\x1b", "\n"):
        assert bad not in outside, message
    assert "\x1b" not in message and "\n" not in message
    assert quote("a`b") == "`a'b`"


def test_overlay_frame_labels_runs_and_feeds_the_overlay_chart():
    df = parse_run_file("a.csv", csv_bytes(*GOOD_ROWS))
    runs = overlay_frame({"alice.csv": df, "<b>bob</b>.csv": df})
    assert list(runs.columns) == ["run", *HISTORY_COLUMNS]
    assert runs["run"].unique().tolist() == ["alice.csv", "<b>bob</b>.csv"]  # data, as is
    twice = overlay_frame([("a.csv", df), ("a.csv", df)])
    assert twice["run"].unique().tolist() == ["a.csv", "a.csv (2)"]
    spec = charts.overlay_chart(runs, "loss", "test", series="run").to_dict()
    assert spec["encoding"]["color"]["field"] == "run"
    summary = summarize_runs(runs)
    assert summary["final_test_accuracy"].tolist() == [0.5, 0.5]
    assert summary["best_test_epoch"].tolist() == [1, 1]
    assert overlay_frame({}).empty


# -- short names: a room's files told apart where they differ ---------------------------

ROOM = ["exercise-close-gap_seed0-history.csv",
        "exercise-close-gap_weight-decay0.005_seed1-history.csv",
        "exercise-close-gap_weight-decay0.01_dropout0.2_seed2-history.csv"]


def test_short_names_drop_the_words_every_name_starts_and_ends_with():
    from vgcore.workshop.uploads import short_names
    assert short_names(ROOM) == ["seed0", "weight-decay0.005_seed1",
                                 "weight-decay0.01_dropout0.2_seed2"]
    # cuts fall between words: lr0.05 and lr0.5 share "lr0." but are not "05" and "5"
    assert short_names(["lr0.05_seed0.csv", "lr0.5_seed0.csv"]) == ["lr0.05", "lr0.5"]
    assert short_names(["alice.csv", "bob.csv"]) == ["alice.csv", "bob.csv"]
    assert short_names(["run 1.csv", "run 2.csv"]) == ["1.csv", "2.csv"]


def test_one_file_and_files_named_alike_keep_their_names():
    from vgcore.workshop.uploads import run_labels, short_names
    assert short_names([ROOM[0]]) == [ROOM[0]]
    assert short_names([ROOM[0]] * 3) == [ROOM[0]] * 3
    assert run_labels([ROOM[0]] * 3) == [ROOM[0], ROOM[0] + " (2)", ROOM[0] + " (3)"]
    # a name that stripping would empty keeps the suffix (else the prefix)
    assert short_names(["data-history.csv", "data-2-history.csv"]) == ["data", "data-2"]
    assert short_names(["a_b", "a_b_c"]) == ["b", "b_c"]
    # equal after stripping: still one label each
    names = ["x_1_y.csv", "x_2_y.csv", "x_1_y.csv"]
    assert short_names(names) == ["1", "2", "1"]
    assert run_labels(names) == ["1", "2", "1 (2)"]


def test_thirty_download_names_get_thirty_short_distinct_labels():
    from vgcore import ExperimentConfig
    from vgcore.workshop.experiments import NIELSEN_CH3_CONFIG
    from vgcore.workshop.uploads import MAX_FILES, run_file_stem, run_labels
    configs = [NIELSEN_CH3_CONFIG.replace(weight_decay=wd, dropout=dp, seed=seed)
               for wd in (0.0, 0.001, 0.005, 0.01, 0.05) for dp in (0.0, 0.2)
               for seed in (0, 1, 2)]
    assert len(configs) == MAX_FILES and isinstance(configs[0], ExperimentConfig)
    names = [run_file_stem("exercise-close-gap", c, NIELSEN_CH3_CONFIG) + "-history.csv"
             for c in configs]
    labels = run_labels(names)
    assert len(set(labels)) == MAX_FILES
    assert labels[0] == "seed0" and labels[-1] == "weight-decay0.05_dropout0.2_seed2"
    assert not any("exercise" in l or "history" in l for l in labels)
    shared = len("exercise-close-gap_") + len("-history.csv")
    assert [len(l) for l in labels] == [len(n) - shared for n in names]


def test_a_long_name_loses_its_middle_so_both_ends_still_differ():
    from vgcore.workshop.uploads import MAX_NAME, short_names
    a, b = "A" + "x" * 200 + "_one.csv", "B" + "x" * 200 + "_two.csv"
    short = short_names([a, b])
    assert all(len(n) <= MAX_NAME + 1 and "…" in n for n in short)
    assert short[0].startswith("A") and short[0].endswith("one.csv")
    assert short[1].startswith("B") and short[1].endswith("two.csv")


@pytest.mark.parametrize("hostile", MARKUP + ["", "   ", "\u202eevil\u202c", "`" * 300])
def test_hostile_names_become_one_bounded_line_of_plain_characters(hostile):
    from vgcore.workshop.uploads import MAX_NAME, short_names, uploaded_runs
    names = [hostile + "_a.csv", hostile + "_b.csv", hostile]
    for label in short_names(names) + uploaded_runs(names)["file"].tolist():
        assert 1 <= len(label) <= 2 * MAX_NAME + 1
        assert not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or c in "\u202e\u202c"
                       for c in label), label


def test_uploaded_runs_lists_each_run_with_its_file():
    from vgcore.workshop.uploads import uploaded_runs
    table = uploaded_runs(ROOM + ROOM[:1])
    assert list(table.columns) == ["run", "file"]
    assert table["run"].tolist() == ["seed0", "weight-decay0.005_seed1",
                                     "weight-decay0.01_dropout0.2_seed2", "seed0 (2)"]
    assert table["file"].tolist() == ROOM + ROOM[:1]        # a download's name is whole


# -- download names -------------------------------------------------------------------

def test_a_download_name_says_the_page_what_changed_and_the_seed():
    from vgcore import ExperimentConfig
    from vgcore.workshop.uploads import MAX_STEM, run_file_stem
    base = ExperimentConfig(dataset="digits", hidden=(30, 30, 30), epochs=10)
    assert run_file_stem("loss_curves", base, base) == "loss_curves_seed0"
    changed = base.replace(hidden=(8, 8), lr=0.05, activations=("relu", "tanh"), seed=4)
    assert run_file_stem("loss_curves", changed, base) == \
        "loss_curves_relu+tanh_hidden2x8_lr0.05_seed4"
    # two learners' files differ when their settings or seeds do
    assert run_file_stem("p", base.replace(seed=1), base) != run_file_stem("p", base, base)
    crowded = base.replace(hidden=(7, 9, 11), lr=0.5, batch_size=10, epochs=3, noise=0.2,
                           weight_decay=0.001, dropout=0.25, grad_clip=2.0, seed=9)
    stem = run_file_stem("exercise-close-gap", crowded, base)
    assert len(stem) <= MAX_STEM and stem.endswith("+more_seed9"), stem
    assert set(stem) <= set("abcdefghijklmnopqrstuvwxyz0123456789._-+"), stem


# -- caps, parsing once, and what the Compare runs page shows ----------------------------

def test_within_caps_keeps_files_in_order_while_they_fit():
    from vgcore.workshop.uploads import MAX_FILES, MAX_TOTAL_BYTES, within_caps
    assert within_caps([]) == ([], [])
    kept, skipped = within_caps([10] * (MAX_FILES + 3))
    assert kept == list(range(MAX_FILES)) and skipped == [MAX_FILES, MAX_FILES + 1,
                                                          MAX_FILES + 2]
    half = MAX_TOTAL_BYTES // 2
    # the third file does not fit what is left; the smaller fourth still does
    assert within_caps([half, half - 5, 100, 5]) == ([0, 1, 3], [2])
    assert within_caps([MAX_TOTAL_BYTES + 1, 7]) == ([1], [0])


def test_skipped_note_counts_quotes_and_names_the_limits():
    from vgcore.workshop.uploads import MAX_FILES, skipped_note
    note = skipped_note(["a.csv", "# x\n[a](http://e.invalid).csv", "c", "d", "e"], 35)
    assert note.startswith("Skipped 5 of 35 files (`a.csv`, `# x?[a](http://e.invalid).csv`")
    assert "and 2 more" in note and f"at most {MAX_FILES} files and 10 MB" in note
    assert "\n" not in note and note.count("`") == 6


# What the page must show as typed text, never as Markdown or HTML.
HOSTILE_NAME = "# Session expired\n\n[log in](http://e.invalid)`<img src=x>`.csv"


def final_numbers(at):
    from tests.test_workshop_pages import final_numbers
    return final_numbers(at)


def _page():
    from tests.test_workshop_pages import open_page
    import streamlit as st
    st.cache_data.clear()         # the parse cache is global: start every test empty
    return open_page("pages/compare_runs.py")


def _markdown_of(at) -> list[str]:
    return [e.value for kind in ("error", "warning", "info", "markdown", "title",
                                 "subheader") for e in getattr(at, kind)]


def test_the_page_caps_files_per_session_with_a_warning():
    from vgcore.workshop.uploads import MAX_FILES
    from tests.test_hostile_inputs import assert_inert
    at = _page()
    files = [(f"learner{i:02d}.csv", csv_bytes(*GOOD_ROWS), "text/csv")
             for i in range(MAX_FILES + 2)]
    at.file_uploader(key="run_files").set_value(files).run()
    assert not at.exception and not at.error
    warnings = [w.value for w in at.warning if w.value.startswith("Skipped")]
    assert len(warnings) == 1 and warnings[0].startswith(
        f"Skipped 2 of {MAX_FILES + 2} files (`learner30.csv`, `learner31.csv`)"), warnings
    assert_inert(warnings[0])
    assert len(final_numbers(at).value) == MAX_FILES


def test_the_page_caps_bytes_per_session():
    # five files of 2 MiB fill the 10 MiB; junk is refused at its header, so this is fast
    junk = b"#" * MAX_BYTES
    at = _page()
    at.file_uploader(key="run_files").set_value(
        [(f"big{i}.csv", junk, "text/csv") for i in range(5)]
        + [("alice.csv", csv_bytes(*GOOD_ROWS), "text/csv")]).run()
    assert not at.exception
    assert [w.value for w in at.warning if w.value.startswith("Skipped 1 of 6 files "
                                                               "(`alice.csv`)")]
    assert len(at.error) == 5 and all("not a valid CSV" in e.value for e in at.error)


def test_each_file_is_parsed_once_across_reruns(monkeypatch):
    import vgcore.workshop.uploads as uploads
    calls: list[str] = []
    real = uploads.parse_run_file

    def counting(name, data):
        calls.append(name)
        return real(name, data)
    monkeypatch.setattr(uploads, "parse_run_file", counting)
    at = _page()
    other = csv_bytes(*GOOD_ROWS[:2])
    uploader = at.file_uploader(key="run_files")
    uploader.set_value([("a.csv", csv_bytes(*GOOD_ROWS), "text/csv"),
                        ("b.csv", other, "text/csv"), ("bad.csv", b"x,y\n1,2\n", "text/csv"),
                        ("a.csv", csv_bytes(*GOOD_ROWS), "text/csv")]).run()
    assert not at.exception and len(at.error) == 1
    assert sorted(calls) == ["a.csv", "b.csv", "bad.csv"]    # same content, same name: once
    at.radio(key="cmp_metric").set_value("accuracy").run()
    at.radio(key="cmp_split").set_value("both").run()
    assert not at.exception and len(at.error) == 1          # a refusal is remembered too
    assert sorted(calls) == ["a.csv", "b.csv", "bad.csv"]
    assert set(final_numbers(at).value["run"]) == {"a.csv", "b.csv", "a.csv (2)"}
    uploader = at.file_uploader(key="run_files")
    uploader.set_value([("a.csv", csv_bytes(*GOOD_ROWS), "text/csv"),
                        ("c.csv", other, "text/csv")]).run()
    assert sorted(calls) == ["a.csv", "b.csv", "bad.csv", "c.csv"]   # only the new one


HOSTILE_TEXT = ["# Session expired", "[log in](http://e.invalid)", "<img src=x.png>",
                ":red[big]", "$x$", "**b**"]


@pytest.mark.parametrize("where", ["file name", "csv value", "csv column", "json value",
                                   "json key"])
def test_hostile_names_and_strings_from_files_are_shown_as_text(where):
    from tests.test_hostile_inputs import assert_inert
    text = "\n\n".join(HOSTILE_TEXT)
    field = text.replace('"', "'")
    one_row = json.dumps([{"activation": "relu", "seed": 0, "epoch": 0, "split": "test",
                           "loss": 1, "accuracy": 0.5}])
    name, data = {
        "file name": (text + ".csv", csv_bytes(*GOOD_ROWS)),
        "csv value": ("v.csv", csv_bytes(f'"{field}",0,0,train,1,0.5')),
        "csv column": ("c.csv", (HEADER + f',"{field}"\nrelu,0,0,train,1,0.5,1\n').encode()),
        "json value": ("v.json", one_row.replace('"test"', json.dumps(text)).encode()),
        "json key": ("k.json", one_row.replace('"seed"', json.dumps(text)).encode()),
    }[where]
    at = _page()
    at.file_uploader(key="run_files").set_value(
        [(name, data, "text/csv"), (name, data, "text/csv")]).run()
    assert not at.exception
    shown = _markdown_of(at)
    hostile = [m for m in shown if "e.invalid" in m or "Session" in m]
    assert hostile, shown
    for md in hostile:                     # errors, the same-name note: inert code spans
        assert_inert(md, max_span=81)
    if where == "file name":               # a table cell is text, one line, bounded
        runs = final_numbers(at).value["run"].tolist()
        assert runs[0] == run_name(name) and "\n" not in runs[0]
        assert len(runs[0]) <= 61 and runs[1].endswith(" (2)")


def test_thirty_uploads_show_every_row_under_short_names(monkeypatch):
    """A room's 30 downloads: the runs' list says which short name is which file, and the
    final numbers have one row per run and activation, all drawn (no inner scrolling)."""
    import streamlit
    from vgcore import ExperimentConfig
    from vgcore.workshop.experiments import NIELSEN_CH3_CONFIG
    from vgcore.workshop.uploads import MAX_FILES, run_file_stem
    heights = []
    real = streamlit.dataframe

    def recording(data=None, *args, **kwargs):
        heights.append(kwargs.get("height", "auto"))
        return real(data, *args, **kwargs)
    monkeypatch.setattr(streamlit, "dataframe", recording)
    names = [run_file_stem("exercise-close-gap",
                           NIELSEN_CH3_CONFIG.replace(weight_decay=wd, seed=seed),
                           NIELSEN_CH3_CONFIG) + "-history.csv"
             for wd in (0.0, 0.001, 0.005, 0.01, 0.05, 0.1) for seed in range(5)]
    assert len(names) == MAX_FILES and isinstance(NIELSEN_CH3_CONFIG, ExperimentConfig)
    two = csv_bytes(*GOOD_ROWS, *(r.replace("relu,", "tanh,") for r in GOOD_ROWS))
    at = _page()
    at.file_uploader(key="run_files").set_value(
        [(n, two, "text/csv") for n in names]).run()
    assert not at.exception and not at.error and not at.warning
    listed = next(t.value for t in at.dataframe if list(t.value.columns) == ["run", "file"])
    assert listed["file"].tolist() == names
    assert listed["run"].is_unique and listed["run"].iloc[0] == "seed0"
    assert not any("history" in r or "exercise" in r for r in listed["run"])
    table = final_numbers(at).value
    assert len(table) == 2 * MAX_FILES
    assert table["run"].tolist() == [r for r in listed["run"] for _ in range(2)]
    assert heights and set(heights) == {"content"}, heights
