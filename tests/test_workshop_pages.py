"""The workshop pages through Streamlit's AppTest: each opens from the navigation without
an exception; a preset shows its comparison table; an exercise's check turns green and
counts towards the progress line; a bad upload is an st.error, the good files are drawn."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

from streamlit.testing.v1 import AppTest

from app.catalog import PAGES
from app.widgets import widgets_for
from vgcore.workshop.exercises import EXERCISES, on_page
from vgcore.workshop.presets import COMPARE_COLUMNS, PRESETS
from vgcore.results import HISTORY_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
TIMEOUT = 120                      # seconds per script run on a busy 2-core box
WORKSHOP = {"pages/presets.py": "presets", "pages/exercises.py": "exercises",
            "pages/compare_runs.py": "compare_runs", "pages/room.py": "room"}


def open_page(path: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def n_charts(at: AppTest) -> int:
    return len(at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart"))


def final_numbers(at: AppTest):
    """Compare runs' "Final numbers per run" table (the runs' list comes before it)."""
    tables = [t for t in at.dataframe if "test accuracy" in t.value.columns]
    assert len(tables) == 1, [list(t.value.columns) for t in at.dataframe]
    return tables[0]


def test_workshop_section_is_in_the_catalog():
    section = {p.path: p for p in PAGES if p.section == "Workshop"}
    assert {path: spec.url_path for path, spec in section.items()} == WORKSHOP
    assert all(spec.icon.startswith(":material/") for spec in section.values())


def test_every_exercise_shows_existing_controls():
    for ex in EXERCISES.values():
        assert set(ex.controls) <= set(widgets_for(ex.start)), ex.key


def test_presets_page_shows_the_comparison_table():
    at = open_page("pages/presets.py")
    assert not at.error
    table = at.dataframe[0].value
    # the verdict first, beside the quantity it judges, in words (not a pale checkbox)
    assert list(table.columns) == ["within band", "quantity", "published", "ours",
                                   "tolerance"]
    assert set(COMPARE_COLUMNS) - {"within_band"} <= set(table.columns)
    assert (table["within band"] == "✓ within").all()
    assert any("Reproduced" in s.value for s in at.success)
    assert n_charts(at) == 1
    at.selectbox(key="preset").set_value("he-init").run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert table["quantity"].str.startswith("ReLU").all() and len(table) == 3
    assert "History (CSV)" in {b.proto.label for b in at.get("download_button")}


def test_exercise_check_progress_and_restart():
    at = open_page("pages/exercises.py")
    assert not at.error
    progress = lambda: next(m.value for m in at.markdown            # noqa: E731
                            if "Your progress" in m.value).split("— ")[1]
    assert progress() == f"0 of {len(on_page('exercises'))} solved"
    assert any(w.value.startswith("Not yet") for w in at.warning)
    at.slider(key="depth").set_value(5).run()
    assert not at.exception and not at.error
    assert any("316× slower" in s.value or "slower than hidden layer 5" in s.value
               for s in at.success)
    assert progress() == f"1 of {len(on_page('exercises'))} solved"
    assert "History (CSV)" in {b.proto.label for b in at.get("download_button")}
    # a newly picked exercise starts from its own config, not the last one's controls
    at.selectbox(key="init").set_value("lecun").run()
    at.selectbox(key="exercise").set_value("tame-exploding").run()
    assert not at.exception
    assert at.selectbox(key="init").value == "normal"
    assert any("diverges" in w.value for w in at.warning)
    assert progress() == f"1 of {len(on_page('exercises'))} solved"      # progress is kept


GOOD = ("\n".join([",".join(HISTORY_COLUMNS), "relu,0,0,train,2.3,0.1",
                   "relu,0,0,test,2.3,0.1", "relu,0,1,train,1.2,0.6",
                   "relu,0,1,test,1.4,0.5"]) + "\n").encode()


def test_compare_runs_overlays_good_files_and_reports_bad_ones():
    at = open_page("pages/compare_runs.py")
    assert not at.error and n_charts(at) == 0
    at.file_uploader(key="run_files").set_value([
        ("alice.csv", GOOD, "text/csv"),
        ("bob.csv", pickle.dumps({"history": []}), "text/csv"),
        ("<img src=x onerror=alert(1)>.csv", GOOD.replace(b"relu,0,1,test",
                                                          b"<b>relu</b>,0,1,test"),
         "text/csv"),
        ("carol.csv", GOOD.replace(b"1.4,0.5", b"nan,0.5"), "text/csv"),
    ]).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 3, errors
    assert "`bob.csv`" in errors[0] and "not UTF-8" in errors[0]
    assert "`<img src=x onerror=alert(1)>.csv`" in errors[1]
    assert "`<b>relu</b>`" in errors[1]
    assert "`carol.csv`" in errors[2] and "loss is nan" in errors[2]
    assert n_charts(at) == 1
    assert final_numbers(at).value["run"].tolist() == ["alice.csv"]
    at.radio(key="cmp_metric").set_value("accuracy").run()
    at.radio(key="cmp_split").set_value("both").run()
    assert not at.exception and n_charts(at) == 1


def test_every_default_run_is_listed_once_and_valid():
    """default_configs() lists every run the app makes with its defaults (what a warm-up
    trains): each lesson page's, each preset's and each exercise's start, no repeats."""
    from vgcore.workshop.experiments import PAGE_EXPERIMENTS
    from vgcore.workshop.warmup import default_configs
    configs = default_configs()
    assert len(configs) == len(set(configs))
    for page in PAGE_EXPERIMENTS.values():
        assert set(page.configs()) <= set(configs)
    assert {c for p in PRESETS.values() for _, c in p.configs} <= set(configs)
    assert {ex.start for ex in EXERCISES.values()} <= set(configs)
    lessons = {Path(p.path).stem for p in PAGES if p.section == "Lessons"}
    assert set(PAGE_EXPERIMENTS) <= lessons


def test_compare_runs_keeps_files_that_share_a_name_apart():
    """A room downloads the same file name; two different files with that name are two
    runs (two curves, two rows) and the page says how they are told apart."""
    other = GOOD.replace(b"1.4,0.5", b"0.9,0.7")
    at = open_page("pages/compare_runs.py")
    at.file_uploader(key="run_files").set_value([
        ("exercise-close-gap-history.csv", GOOD, "text/csv"),
        ("exercise-close-gap-history.csv", other, "text/csv")]).run()
    assert not at.exception and not at.error
    runs = final_numbers(at).value["run"].tolist()
    assert runs == ["exercise-close-gap-history.csv", "exercise-close-gap-history.csv (2)"]
    assert any("2 files are named" in i.value and "(2)" in i.value for i in at.info)


def test_a_direction_only_published_value_reads_as_a_dash():
    at = open_page("pages/presets.py")
    at.selectbox(key="preset").set_value("nielsen-ch3").run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert "None" not in table.astype(str).values
    assert "—" in set(table["published"])


def test_compare_runs_reads_any_file_and_tells_runs_and_activations_apart():
    """A refused file's reason is on the page (the uploader's own type filter shows it
    only on hover); a run file with two activations gets a panel per activation, one
    colour per run; the table uses the widgets' names."""
    two = GOOD + b"".join(GOOD.replace(b"relu,", b"leaky_relu,").splitlines(True)[1:])
    at = open_page("pages/compare_runs.py")
    at.file_uploader(key="run_files").set_value([
        ("alice.csv", two, "text/csv"), ("notes.txt", b"just some notes\n", "text/plain"),
        ("bob.json", b'{"history": []}', "application/json")]).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("`notes.txt`" in e for e in errors), errors
    table = final_numbers(at).value
    assert set(table["activation"]) == {"ReLU", "leaky ReLU"}
    assert "None" not in table.astype(str).values
    assert all(v.endswith("%") for v in table["test accuracy"])
    spec = json.loads((at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart"))[0]
                      .proto.spec)
    assert spec["facet"]["field"] == "activation"
    assert spec["spec"]["encoding"]["color"]["field"] == "run"
