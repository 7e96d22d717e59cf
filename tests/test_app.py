"""The app as a user drives it, through Streamlit's AppTest: every page in the catalog
opens from the navigation and draws its charts without an error; controls reshape the
charts' data; a shared link restores its experiment; a bad link or a bad combination of
controls is announced, never a crash; training pages offer their downloads.

AppTest cannot see the sidebar's navigation DOM, so reachability is checked on the catalog
that `streamlit_app.py` builds the navigation from, plus `switch_page` to every entry.
Trained results are cached for the whole process (`app.runner.result_store`), so a
config run by one test is free for the next; links carry small `epochs` to stay fast.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from app import blocks
from app.catalog import PAGES, PageSpec
from picture import picture_rows
from vgcore import ExperimentConfig
from vgcore.kinds import kind_of
from vgcore.data import DATASETS
from vgcore.inits import INIT_SCHEMES
from vgcore.workshop.experiments import PAGE_EXPERIMENTS

DATASET_LABELS = {name: d.label for name, d in DATASETS.items()}
INIT_LABELS = {name: s.label for name, s in INIT_SCHEMES.items()}

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
TIMEOUT = 180                     # seconds per script run (3 seeds): generous for a busy 2-core box
LESSONS = [p for p in PAGES if p.section == "Lessons"]


def _source(spec: PageSpec) -> str:
    return (ROOT / spec.path).read_text(encoding="utf-8")


# The recurrent lesson has controls and downloads of its own: it opens at its defaults
# below, the rest is tests/test_through_time_page.py's.
RECURRENT = {p for p in PAGES if Path(p.path).stem in PAGE_EXPERIMENTS
             and kind_of(PAGE_EXPERIMENTS[Path(p.path).stem].config).name == "recurrent"}
# Pages that train (they call the cached runner); each must offer its downloads.
TRAINING = [p for p in PAGES if re.search(r"\brun_experiments?\(", _source(p))
            and p not in RECURRENT]
# Lessons built on the shared experiment controls (the Exercises page's per-exercise
# controls are tests/test_workshop_pages.py's)
CONTROLLED = [p for p in PAGES if "controls(" in _source(p) and p.section == "Lessons"
              and p not in RECURRENT]


def _ids(specs) -> list[str]:
    return [Path(s.path).stem for s in specs]


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------
def open_page(path: str, **link: str | list[str]) -> AppTest:
    """The app opened with a URL carrying `link`, then navigated to the page at `path`
    (AppTest's first run always lands on the default page; the home page has no bound
    widgets, so the link's parameters are still there when the lesson runs)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(link)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page(path).run()
    return at


def assert_clean(at: AppTest) -> None:
    """No uncaught exception and no st.error on the page."""
    assert not at.exception, "\n".join(e.value for e in at.exception)
    assert not at.error, [e.value for e in at.error]


def charts_of(at: AppTest) -> list[tuple[str, list[pd.DataFrame]]]:
    """Every Vega-Lite chart on the page as (title, [data frames]). Streamlit moves a
    spec's inline data into the proto's named datasets (Arrow); inline values left in
    the spec (`datasets`, `data.values`) are read too."""
    found = []
    for el in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart"):
        spec = json.loads(el.proto.spec)
        title = spec.get("title", "")
        title = title.get("text", "") if isinstance(title, dict) else title
        title = " ".join(title) if isinstance(title, list) else str(title)   # broken lines
        frames = [dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data)
                  for d in el.proto.datasets]
        frames += [pd.DataFrame(v) for v in spec.get("datasets", {}).values()]
        if isinstance(spec.get("data"), dict) and "values" in spec["data"]:
            frames.append(pd.DataFrame(spec["data"]["values"]))
        found.append((title, frames))
    return found


def chart_data(at: AppTest, title_part: str) -> pd.DataFrame:
    """The data of the one chart whose title contains `title_part` (all its datasets)."""
    hits = [(t, f) for t, f in charts_of(at) if title_part.lower() in t.lower()]
    assert len(hits) == 1, (title_part, [t for t, _ in charts_of(at)])
    return pd.concat(hits[0][1], ignore_index=True)


def picture(at: AppTest) -> pd.DataFrame:
    """The network picture as rows, as Vega draws them (tests/picture.py), from the
    spec and the Arrow datasets Streamlit sends."""
    hits = [el for el in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")
            if "The network, each unit shaded" in el.proto.spec]
    assert len(hits) == 1, len(hits)
    spec = json.loads(hits[0].proto.spec)
    spec["datasets"] = {
        d.name: dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data)
        .to_dict(orient="records") for d in hits[0].proto.datasets}
    return picture_rows(spec)


def link_warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "link's parameter" in w.value]


def widget(at: AppTest, key: str):
    """The widget bound to URL parameter `key` (sidebar or main area)."""
    for kind in ("slider", "number_input", "selectbox", "multiselect", "select_slider",
                 "radio"):
        hits = [w for w in getattr(at, kind) if w.key == key]
        if hits:
            return hits[0]
    raise KeyError(key)


def shown_controls(spec: PageSpec) -> set[str]:
    """Names of the shared controls a lesson page shows (its experiment's controls)."""
    return set(PAGE_EXPERIMENTS[Path(spec.path).stem].controls)


# ---------------------------------------------------------------------------------------
# Navigation: the catalog is the table of contents streamlit_app.py builds st.navigation from
# ---------------------------------------------------------------------------------------
def test_every_page_file_is_in_the_catalog_exactly_once():
    # pages/ holds page scripts only: every file in it is a page of the navigation
    files = sorted(f"pages/{f.name}" for f in (ROOT / "pages").iterdir())
    listed = [p.path for p in PAGES]
    assert sorted(listed) == files
    assert len(set(listed)) == len(listed)


def test_catalog_entries_are_unique_and_exist():
    for field in ("title", "url_path"):
        values = [getattr(p, field) for p in PAGES]
        assert len(set(values)) == len(values), f"duplicate {field}"
    for spec in PAGES:
        assert (ROOT / spec.path).is_file(), spec.path
        assert spec.url_path and spec.url_path == spec.url_path.lower()
        assert " " not in spec.url_path and "/" not in spec.url_path
        assert spec.title and spec.icon and spec.section
    # streamlit_app.py makes the page with url_path "home" the default one
    assert [p.url_path for p in PAGES].count("home") == 1


def test_home_links_every_lesson():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert_clean(at)
    links = [el.proto for el in at.get("page_link")]
    assert len(links) == len(LESSONS)
    assert [link.label for link in links] == [p.title for p in LESSONS]


# ---------------------------------------------------------------------------------------
# Every page opens from the navigation at its defaults
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", PAGES, ids=_ids(PAGES))
def test_page_opens_with_its_defaults(spec: PageSpec):
    at = open_page(spec.path)
    assert_clean(at)
    # Every chart the page drew was validated against the Vega-Lite schema on the way
    # (conftest sets VGLAB_VALIDATE_CHARTS; app.blocks skips it on a visitor's request):
    # an invalid one would have been an exception above.
    assert blocks.VALIDATE_CHARTS
    # switch_page really landed there: the page's own title is shown
    assert at.title and at.title[0].value in _source(spec)
    if spec.section == "Lessons":
        assert charts_of(at), "a lesson page draws at least one chart"
        for title, frames in charts_of(at):
            assert frames and all(len(f) for f in frames), f"empty chart: {title}"
    if spec in TRAINING:
        labels = {el.proto.label for el in at.get("download_button")}
        assert {"History (CSV)", "Per-layer stats (CSV)", "Config (JSON)"} <= labels


def test_training_pages_are_the_expected_ones():
    """Guards the TRAINING/CONTROLLED discovery used above against a silent empty list."""
    assert {Path(p.path).stem for p in TRAINING} == {
        "gradient_flow", "inside_layers", "loss_curves", "overfitting", "softmax",
        "exploding", "how_fixed", "exercises"}
    assert set(CONTROLLED) == {p for p in TRAINING if p.section == "Lessons"}


# ---------------------------------------------------------------------------------------
# Controls reshape the charts' data
# ---------------------------------------------------------------------------------------
def test_gradient_flow_controls_reshape_the_bars():
    at = open_page("pages/gradient_flow.py", epochs="2")
    assert_clean(at)
    at.multiselect(key="activations").set_value(["relu"])
    at.slider(key="depth").set_value(2)
    at.run()
    assert_clean(at)
    bars = chart_data(at, "Gradient size per hidden layer")
    assert {"activation", "layer", "layer_name", "bias_grad_norm"} <= set(bars.columns)
    assert set(bars["activation"]) == {"relu"}
    assert sorted(bars["layer"].unique()) == [1, 2]
    assert (bars["bias_grad_norm"] > 0).all()
    lines = chart_data(at, "Gradient norm per layer during training")
    assert set(lines["activation"]) == {"relu"}
    assert sorted(lines["epoch"].unique()) == [0, 1, 2]
    # the "N× slower" sentence speaks of the chosen activation only
    sentences = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert sentences and all("ReLU" in s or "relu" in s for s in sentences)


def test_loss_curves_epochs_control_sets_the_epochs_drawn():
    at = open_page("pages/loss_curves.py", epochs="1")
    assert_clean(at)
    at.slider(key="epochs").set_value(3).run()
    assert_clean(at)
    loss = chart_data(at, "Loss on the training")
    assert {"activation", "seed", "epoch", "split", "loss"} <= set(loss.columns)
    assert sorted(loss["epoch"].unique()) == [0, 1, 2, 3]
    assert set(loss["split"]) == {"train", "test"}
    assert set(loss["activation"]) == {"sigmoid", "tanh", "relu", "leaky_relu"}
    acc = chart_data(at, "Accuracy on the training")
    assert acc["accuracy"].between(0, 1).all()
    summary = at.dataframe[0].value
    assert len(summary) == 4
    # the table names activations as the widgets do
    assert list(summary["activation"]) == ["sigmoid", "tanh", "ReLU", "leaky ReLU"]


def test_loss_curves_on_a_2d_set_draw_decision_boundaries():
    # dataset by the label the widget shows (see the select-link tests below)
    at = open_page("pages/loss_curves.py", epochs="1", dataset=DATASET_LABELS["moons"],
                   activations="tanh", train_size="100")
    assert_clean(at)
    assert at.session_state["dataset"] == "moons"
    titles = [t for t, _ in charts_of(at)]
    boundary = [f for t, f in charts_of(at) if "loss" not in t.lower()
                and "accuracy" not in t.lower()]
    assert len(titles) == 3 and len(boundary) == 1, titles
    data = pd.concat(boundary[0], ignore_index=True)
    assert {"x1", "x2", "prob", "activation"} <= set(data.columns)
    assert data["prob"].dropna().between(0, 1).all()


def test_activations_page_chain_rule_and_x_range():
    at = open_page("pages/activations.py")
    assert_clean(at)
    at.slider(key="chain_depth").set_value(3).run()      # preset: sigmoid, ¼ per layer
    assert at.metric[0].value == f"{0.25 ** 3:.3g}"
    chain = chart_data(at, "chain rule")
    assert {"depth", "factor", "product"} <= set(chain.columns)
    steps = chain.dropna(subset=["depth"])
    assert sorted(steps["depth"]) == [1, 2, 3]
    assert steps["product"].iloc[-1] == pytest.approx(0.25 ** 3)
    at.multiselect(key="activations").set_value(["relu"]).run()
    curve_frames = [f for t, f in charts_of(at) if "chain rule" not in t.lower()]
    data = pd.concat(curve_frames[0], ignore_index=True)
    assert set(data["activation"].dropna()) == {"relu"}
    # both range handles on one value: a notice, not a crash
    at.slider(key="x_range").set_value((2.0, 2.0)).run()
    assert_clean(at)
    assert any("single point" in w.value for w in at.warning)


def test_activations_link_restores_a_custom_chain_factor():
    at = open_page("pages/activations.py", chain_preset="custom", chain_factor="3",
                   chain_depth="5", x_range=["-2", "2"])
    assert_clean(at)
    assert at.number_input(key="chain_factor").value == 3.0
    assert at.slider(key="chain_depth").value == 5
    assert at.slider(key="x_range").value == (-2.0, 2.0)
    assert at.metric[0].value == f"{3.0 ** 5:.3g}"


def test_inside_layers_histogram_controls():
    at = open_page("pages/inside_layers.py", epochs="2", depth="2", width="16",
                   activations="tanh")
    assert_clean(at)
    assert at.select_slider(key="hist_epoch").options == ["0", "1", "2"]
    at.select_slider(key="hist_epoch").set_value(2)
    at.button_group(key="hist_quantity").set_value("gradient")
    at.run()
    assert_clean(at)
    frames = [f for t, f in charts_of(at) if "histogram" in t.lower()]
    data = pd.concat(frames[0], ignore_index=True)
    assert {"layer_name", "bin_start", "bin_end", "fraction"} <= set(data.columns)
    assert set(data["activation"]) == {"tanh"}
    assert set(data["epoch"]) == {2} and set(data["quantity"]) == {"gradient"}
    assert sorted(data["layer_name"].unique()) == ["hidden 1", "hidden 2"]
    sat = chart_data(at, "Saturated units")
    assert sorted(sat["epoch"].unique()) == [0, 1, 2]
    assert sorted(sat["layer"].unique()) == [1, 2]


def test_overfitting_activation_choice_sets_the_chart():
    at = open_page("pages/overfitting.py", epochs="2", train_size="100",
                   activations=["sigmoid", "tanh"])
    assert_clean(at)
    at.radio(key="overfit_activation").set_value("tanh").run()
    assert_clean(at)
    data = chart_data(at, "Overfitting")
    assert set(data["activation"].dropna()) == {"tanh"}
    assert sorted(data["epoch"].dropna().unique()) == [0, 1, 2]
    # best epoch, rise, gap, and (since the remedies' before/after) the test accuracy:
    # four numbers per activation, each net's own
    assert len(at.metric) == 4 * 2


def test_exploding_scheme_choice_sets_the_comparison():
    at = open_page("pages/exploding.py", epochs="1", depth="3", width="16")
    assert_clean(at)
    at.multiselect(key="schemes").set_value(["he", "xavier"]).run()
    assert_clean(at)
    data = chart_data(at, "by initialisation")
    assert set(data["init"]) == {INIT_LABELS["he"], INIT_LABELS["xavier"]}
    assert sorted(data["layer"].unique()) == [1, 2, 3]


def test_softmax_logits_and_temperature():
    at = open_page("pages/softmax.py", epochs="1", temperature="2")
    assert_clean(at)
    assert at.slider(key="temperature").value == 2.0
    at.number_input(key="logit0").set_value(10.0).run()
    probs = chart_data(at, "softmax")
    assert {"class", "logit", "probability"} <= set(probs.columns)
    assert math.isclose(probs["probability"].sum(), 1.0, rel_tol=1e-6)
    assert probs.loc[probs["probability"].idxmax(), "logit"] == 10.0


# ---------------------------------------------------------------------------------------
# Links: a URL with parameters restores them; a bad one is announced, never a crash
# ---------------------------------------------------------------------------------------
NUMERIC_LINK = {"depth": "2", "width": "8", "lr": "0.05", "epochs": "1", "seed": "3"}


@pytest.mark.parametrize("spec", CONTROLLED, ids=_ids(CONTROLLED))
def test_link_restores_numeric_controls(spec: PageSpec):
    assert set(NUMERIC_LINK) <= shown_controls(spec)
    at = open_page(spec.path, **NUMERIC_LINK)
    assert_clean(at)
    assert not link_warnings(at)
    assert widget(at, "depth").value == 2
    assert widget(at, "width").value == 8
    assert widget(at, "lr").value == pytest.approx(0.05)
    assert widget(at, "epochs").value == 1
    assert widget(at, "seed").value == 3
    assert charts_of(at)


def test_link_restores_into_the_experiment():
    """Not just the widgets: the run itself uses the link's net."""
    at = open_page("pages/gradient_flow.py", depth="2", width="8", epochs="1",
                   activations="tanh")
    assert_clean(at)
    bars = chart_data(at, "Gradient size per hidden layer")
    assert sorted(bars["layer"].unique()) == [1, 2]
    assert set(bars["activation"]) == {"tanh"}


BAD_LINKS = [
    ("depth", "999"), ("depth", "0"), ("width", "1e9"), ("lr", "abc"), ("lr", "nan"),
    ("epochs", "-1"), ("seed", "1.5e12"), ("init", "bogus"), ("dataset", "idx"),
    ("activations", "bogus"),
]


@pytest.mark.parametrize("name,value", BAD_LINKS, ids=[f"{n}={v}" for n, v in BAD_LINKS])
def test_bad_link_parameter_warns_and_runs_with_the_default(name, value):
    link = {name: value} if name == "epochs" else {name: value, "epochs": "1"}
    at = open_page("pages/gradient_flow.py", **link)
    assert_clean(at)
    warnings = link_warnings(at)
    assert len(warnings) == 1 and f"`{name}=" in warnings[0], warnings
    assert at_default(widget(at, name))
    assert charts_of(at)


def at_default(w) -> bool:
    """Whether a widget shows its own default (as the page declared it, in its proto)."""
    if w.type == "selectbox":
        return w.index == w.proto.default
    if w.type == "multiselect":
        return list(w.indices) == list(w.proto.default)
    if w.type == "slider":
        return [float(v) for v in ([w.value] if not isinstance(w.value, tuple)
                                   else w.value)] == list(w.proto.default)
    return float(w.value) == w.proto.default       # number_input


def test_bad_link_on_the_activations_page_warns():
    at = open_page("pages/activations.py", activations="bogus")
    assert_clean(at)
    assert any("`activations=bogus`" in w for w in link_warnings(at))
    assert at.multiselect(key="activations").value == ["sigmoid", "tanh", "relu",
                                                       "leaky_relu"]
    assert charts_of(at)


# Streamlit's binding puts a select control's *label* in the URL and accepts only that:
# ?init=He+%2F+Kaiming (the app's) restores silently, a hand-written ?init=he is announced.
SELECT_LINKS = [("init", "he", INIT_LABELS["he"]),
                ("dataset", "mnist", DATASET_LABELS["mnist"]),
                ("activations", ["relu", "tanh"], ["ReLU", "tanh"])]


@pytest.mark.parametrize("name,value,label", SELECT_LINKS, ids=[s[0] for s in SELECT_LINKS])
def test_link_written_by_a_select_control_restores_without_warning(name, value, label):
    at = open_page("pages/gradient_flow.py", epochs="0", **{name: label})
    assert_clean(at)
    assert at.session_state[name] == value
    assert not link_warnings(at)


@pytest.mark.parametrize("name,value,label", SELECT_LINKS[:2], ids=[s[0] for s in
                                                                    SELECT_LINKS[:2]])
def test_link_value_the_control_drops_is_announced(name, value, label):
    """Whatever the link says, the user either gets it or is told they did not."""
    at = open_page("pages/gradient_flow.py", epochs="0", **{name: value})
    assert_clean(at)
    assert at.session_state[name] == value or any(f"`{name}=" in w
                                                  for w in link_warnings(at))


# People write the config's names, as the README and the leader's guide do (`he`, `relu`,
# a preset's key), or a label in another case: the control takes them, and the address bar
# then holds the control's own labels, so a copied link reads as the app writes it.
NAMED_LINKS = [("init", "he", "he", INIT_LABELS["he"]),
               ("init", INIT_LABELS["he"].swapcase(), "he", INIT_LABELS["he"]),
               ("dataset", "mnist", "mnist", DATASET_LABELS["mnist"]),
               ("activations", ["relu", "tanh"], ["relu", "tanh"], ["ReLU", "tanh"]),
               ("activations", ["sigmoid", "RELU"], ["sigmoid", "relu"],
                ["sigmoid", "ReLU"])]


@pytest.mark.parametrize("name,text,value,label", NAMED_LINKS,
                         ids=[f"{n}={t}" for n, t, _, _ in NAMED_LINKS])
def test_a_link_may_name_an_option_as_the_config_does(name, text, value, label):
    at = open_page("pages/gradient_flow.py", epochs="0", **{name: text})
    assert_clean(at)
    assert not link_warnings(at)
    assert at.session_state[name] == value
    assert at.query_params[name] == label


def test_the_workshop_pages_take_a_preset_or_exercise_by_its_key():
    from vgcore.workshop.exercises import EXERCISES
    at = open_page("pages/exercises.py", exercise="sigmoid-speed")
    assert_clean(at)
    assert not link_warnings(at)
    assert at.selectbox(key="exercise").value == "sigmoid-speed"
    assert at.selectbox(key="init").value == EXERCISES["sigmoid-speed"].start.init
    at = open_page("pages/presets.py", preset="nielsen-ch5", init="he")
    assert_clean(at)
    assert at.selectbox(key="preset").value == "nielsen-ch5"
    warnings = link_warnings(at)      # the preset page has no init control
    assert len(warnings) == 1 and "`init=he`" in warnings[0], warnings


def test_a_refused_select_value_names_the_allowed_labels():
    """A value that names no option is still announced, in the control's words."""
    at = open_page("pages/gradient_flow.py", epochs="0", init="kaiming")
    assert_clean(at)
    warnings = link_warnings(at)
    assert len(warnings) == 1 and "`init=kaiming` is not one of:" in warnings[0], warnings
    assert INIT_LABELS["he"] in warnings[0]
    assert at_default(widget(at, "init"))


# ---------------------------------------------------------------------------------------
# Bad combinations of controls: vgcore's message in an st.error, never an exception
# ---------------------------------------------------------------------------------------
TRAIN_SIZE_PAGES = [p for p in CONTROLLED if "train_size" in shown_controls(p)]


@pytest.mark.parametrize("spec", TRAIN_SIZE_PAGES, ids=_ids(TRAIN_SIZE_PAGES))
def test_train_size_beyond_the_data_set_shows_the_config_error(spec: PageSpec):
    at = open_page(spec.path, epochs="1")
    assert_clean(at)
    at.number_input(key="train_size").set_value(20_000).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == 1, errors
    assert errors[0].startswith("Can't run this experiment: train_size: train_size + "
                                "test_size")
    assert "exceeds the" in errors[0]
    assert not at.get("download_button")


def test_config_error_text_is_vgcore_message():
    at = open_page("pages/gradient_flow.py", epochs="1")
    at.number_input(key="train_size").set_value(1600).run()
    with pytest.raises(ValueError) as err:
        ExperimentConfig(dataset="digits", train_size=1600, test_size=300)
    assert [e.value for e in at.error] == [f"Can't run this experiment: {err.value}"]
    assert not at.exception


def test_no_activation_chosen_shows_the_config_error():
    at = open_page("pages/loss_curves.py", epochs="1")
    at.multiselect(key="activations").set_value([]).run()
    assert not at.exception
    assert len(at.error) == 1 and "activations: empty" in at.error[0].value


def test_time_capped_run_is_shown_but_not_cached(monkeypatch):
    """A run cut short by the server's time cap says so and is not cached (it depends on
    the machine's speed, and the cache key must determine the numbers)."""
    import app.runner as common
    monkeypatch.setattr(common, "RUN_TIME_CAP_S", 0.0)
    common.forget_results()
    at = open_page("pages/loss_curves.py", epochs="3")
    assert_clean(at)
    assert any("caps one run" in i.value for i in at.info)
    assert len(common.result_store()) == 0


def test_markup_in_a_link_is_shown_as_text():
    at = open_page("pages/gradient_flow.py", epochs="0",
                   init="`<script>alert(1)</script>` [x](javascript:alert(1))")
    assert_clean(at)
    warnings = link_warnings(at)
    assert warnings and all(w.count("`") == 2 for w in warnings), warnings


def test_every_page_starts_with_page_intro():
    """page_intro runs require_app_frame, which a page needs before it draws anything:
    on a fresh server the first visitor's run may bypass streamlit_app.py."""
    import ast
    for spec in PAGES:
        tree = ast.parse((ROOT / spec.path).read_text())
        calls = [n.value.func.id for n in tree.body
                 if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
                 and isinstance(n.value.func, ast.Name)]
        assert calls and calls[0] == "page_intro", f"{spec.path} starts with {calls[:1]}"


# ---------------------------------------------------------------------------------------
# Every parameter of a shared link is used or announced
# ---------------------------------------------------------------------------------------
def test_an_empty_activations_link_warns_once_and_runs_the_default():
    """?activations= gives one warning, not also a red 'activations: empty' error."""
    at = open_page("pages/gradient_flow.py", activations="", epochs="0")
    assert_clean(at)
    warnings = link_warnings(at)
    assert len(warnings) == 1 and "`activations=` is empty" in warnings[0], warnings
    assert "ReLU" in warnings[0]                    # in the widgets' words, not relu
    assert at.multiselect(key="activations").value == list(
        PAGE_EXPERIMENTS["gradient_flow"].config.activations)
    assert charts_of(at)


PAGE_LINKS = [("pages/activations.py", "chain_depth", "999"),
              ("pages/activations.py", "x_range", "abc"),
              ("pages/activations.py", "chain_preset", "bogus"),
              ("pages/softmax.py", "temperature", "99"),
              ("pages/softmax.py", "logit2", "1e9")]


@pytest.mark.parametrize("path,name,value", PAGE_LINKS, ids=[f"{Path(p).stem}:{n}={v}" for
                                                             p, n, v in PAGE_LINKS])
def test_a_pages_own_controls_announce_a_bad_link(path, name, value):
    at = open_page(path, **{name: value, "epochs": "0"})
    assert_clean(at)
    assert [w for w in link_warnings(at) if f"`{name}=" in w], link_warnings(at)
    assert at_default(widget(at, name))


@pytest.mark.parametrize("path", ["pages/exercises.py", "pages/activations.py",
                                  "pages/gradient_flow.py"])
def test_a_parameter_the_page_does_not_use_is_announced(path):
    """Exercise 1 has no clipping control: ?grad_clip=5 is announced as ignored."""
    at = open_page(path, grad_clip="5", nonsense="1", epochs="0")
    assert_clean(at)
    warnings = link_warnings(at)
    for name in ("nonsense",) + (("grad_clip",) if "gradient_flow" in path or
                                 "exercises" in path else ()):
        assert [w for w in warnings if f"`{name}=" in w and "ignored" in w], warnings


def test_workshop_state_lives_in_the_link():
    """The chosen exercise, the chosen preset and the softmax logits restore from a link."""
    from vgcore.workshop.exercises import EXERCISES
    from vgcore.workshop.presets import PRESETS
    label = f"3. {EXERCISES['sigmoid-speed'].title}"
    at = open_page("pages/exercises.py", exercise=label)
    assert_clean(at)
    assert at.selectbox(key="exercise").value == "sigmoid-speed"
    assert at.selectbox(key="init").value == EXERCISES["sigmoid-speed"].start.init
    at = open_page("pages/presets.py", preset=PRESETS["he-init"].title)
    assert_clean(at)
    assert at.selectbox(key="preset").value == "he-init"
    at = open_page("pages/softmax.py", logit0="10", epochs="0")
    assert_clean(at)
    assert widget(at, "logit0").value == 10.0
    probs = chart_data(at, "softmax")
    assert probs.loc[probs["probability"].idxmax(), "logit"] == 10.0


def test_a_solved_exercise_reopens_solved():
    """Back to a solved exercise: its solution is restored, so it never says 'You have
    solved this one' beside 'Not yet'."""
    at = open_page("pages/exercises.py")
    at.slider(key="depth").set_value(5).run()
    assert any(s.value for s in at.success)
    at.selectbox(key="exercise").set_value("tame-exploding").run()
    at.selectbox(key="exercise").set_value("vanish").run()
    assert_clean(at)
    assert at.slider(key="depth").value == 5
    assert at.success and not any(w.value.startswith("Not yet") for w in at.warning)


def test_overfitting_page_shows_a_remedys_effect_against_the_unregularised_run():
    at = open_page("pages/overfitting.py", epochs="12", weight_decay="0.001")
    assert_clean(at)
    metrics = {m.label: m for m in at.metric}
    assert "vs no regularisation" in str(metrics["Test loss rise after it"].proto.delta)
    assert "pts vs no regularisation" in str(metrics["Final test accuracy"].proto.delta)


def test_divergence_advice_names_only_what_the_page_offers():
    """The loss-curves page has a learning-rate control but no clipping: its notice must
    not send the learner looking for one. The exploding page has both."""
    at = open_page("pages/loss_curves.py", epochs="2", lr="50", n_seeds="2",
                   activations=["ReLU", "tanh"], batch_size="32")   # the old default
    assert not at.exception
    notices = [w.value for w in at.warning if "diverged" in w.value]
    assert notices, "lr 50 should make a net diverge"
    assert all("learning rate" in n and "clipping" not in n for n in notices), notices
    assert len(notices) == len({n.split(" (")[0] for n in notices})   # one per activation
    at = open_page("pages/exploding.py", epochs="1", depth="10")
    notices = [w.value for w in at.warning if "diverged" in w.value]
    assert notices and all("gradient clipping" in n for n in notices), notices


def test_a_link_whose_nets_stall_or_diverge_renders_the_page():
    """/loss_curves?lr=1000&epochs=1&depth=1&width=1&train_size=10&n_seeds=5&dataset=xor
    showed a traceback: its saturated one-unit nets have constant layers, whose zero-width
    histogram bins gave a NaN index (vgcore.probes). Non-finite numbers are results."""
    at = open_page("pages/loss_curves.py", lr="1000", epochs="1", depth="1", width="1",
                   train_size="10", n_seeds="5", dataset=DATASET_LABELS["xor"])
    assert_clean(at)
    assert not link_warnings(at)
    table = at.dataframe[-1].value                          # one row per activation,
    assert len(table) == 4 and (table["seeds"] == 5).all()  # every seed counted in it
    assert len(charts_of(at)) == 3                          # loss, accuracy, boundaries


def test_loss_curves_say_what_to_change_when_nothing_learns_and_print_no_none():
    """Spiral at the defaults: no net learns it (~66% at best), and the page says what
    to change; a diverged net's row reads '—', not 'None'."""
    at = open_page("pages/loss_curves.py", dataset=DATASET_LABELS["spiral"], epochs="3",
                   lr="10", n_seeds="2")
    assert not at.exception
    assert any("No net has learned this data set yet" in i.value for i in at.info)
    table = at.dataframe[-1].value
    assert not table.isna().any().any() and "None" not in table.astype(str).values
    assert (table["diverged"] != "—").any()


def test_gradient_flow_draws_the_network_and_its_measured_factors():
    """The net itself, shaded by each unit's gradient, and the factor each layer
    multiplies the gradient by, in words."""
    at = open_page("pages/gradient_flow.py", epochs="1", depth="3")
    assert_clean(at)
    units = picture(at)
    assert {"hidden 1", "hidden 3", "output"} <= set(units["layer_name"].dropna())
    factors = [m.value for m in at.markdown if "on the way down" in m.value]
    assert len(factors) == 4 and factors[0].startswith("- sigmoid: ×")
    # the sigmoid's gradient vanishes, on each of the page's 3 seeds
    assert "on 3 of 3 seeds hidden layer 1 gets between 1/" in factors[0]


def test_gradient_flow_edges_play_and_the_one_path_factor():
    """The picture's edges follow |w|, |∂C/∂w| or nothing (a control bound to the URL),
    ▶ Play steps through the kept epochs, and the factors table puts the measured factor
    beside Nielsen's one-path factor mean |w·f'(z)|."""
    at = open_page("pages/gradient_flow.py", epochs="2", depth="3",
                   activations=["sigmoid", "ReLU"])
    assert_clean(at)
    drawn = picture(at)
    title = [t for t, _ in charts_of(at) if "The network" in t][0]
    assert title.endswith("each edge by |w|")                  # the default
    lines = drawn[drawn["kind"] == "weighted"]
    # the tooltip's words (from, to) are made in Vega, from the layout
    assert set(lines["epoch"]) == {0} and {"from", "to", "weight", "weight_grad"} <= \
        drawn.attrs["fields"]["weighted"]
    widget(at, "net_edges").select("weight_grad").run()
    assert_clean(at)
    assert [t for t, _ in charts_of(at) if "The network" in t][0].endswith("by |∂C/∂w|")
    widget(at, "net_edges").select("structure").run()
    assert_clean(at)
    drawn = picture(at)
    assert not (drawn["kind"] == "weighted").any() and (drawn["kind"] == "edge").any()
    # a shared link restores the choice
    linked = open_page("pages/gradient_flow.py", epochs="2", depth="3",
                       activations=["sigmoid", "ReLU"], net_edges="|∂C/∂w|: its gradient")
    assert_clean(linked)
    assert widget(linked, "net_edges").value == "weight_grad"
    assert not link_warnings(linked)

    # Play: starts at the slider's epoch, one kept epoch further per (timer) run, stops
    # at the last
    shown = lambda: set(picture(at).query("kind == 'unit'")["epoch"])  # noqa: E731
    assert at.select_slider(key="net_epoch_shown").value == 0 and shown() == {0}
    at.button(key="net_play").click().run()
    assert_clean(at)
    assert at.button(key="net_play").label == "⏸ Pause" and shown() == {0}
    for epoch in (1, 2):
        at.run()
        assert shown() == {epoch} and at.select_slider(key="net_epoch_shown").value == epoch
    at.run()                                             # past the end: it stops
    assert at.button(key="net_play").label == "▶ Play" and shown() == {2}
    at.button(key="net_play").click().run()              # played out: from the start
    assert shown() == {0}
    at.button(key="net_play").click().run()              # pause
    at.run()
    assert shown() == {0} and at.button(key="net_play").label == "▶ Play"

    path = "one path: mean |w·f'(z)|"
    table = next(d.value for d in at.dataframe if path in d.value.columns)
    assert list(table["layer"]) == ["hidden 3", "hidden 2", "hidden 1"] * 2
    assert not (table[["measured factor", path]] == "—").any().any()
    assert all(v.startswith("×") for v in table[path])



# ---------------------------------------------------------------------------------------
# Every claim visible: words that match what the page shows
# ---------------------------------------------------------------------------------------
def test_exploding_notice_blames_the_init_when_the_net_had_exploded_before_any_step():
    """/exploding?lr=0.001: ReLU with N(0, 1) still diverges at epoch 1; a smaller learning
    rate is the wrong way, and the notice says what the untrained net measured."""
    at = open_page("pages/exploding.py", lr="0.001", epochs="1")
    notices = [w.value for w in at.warning if "diverged" in w.value]
    assert notices and notices[0].startswith("ReLU diverged on 3 of 3 seeds (seeds 0, 1, 2) "
                                             "at epoch 1")
    assert "at initialisation (epoch 0)" in notices[0]
    assert "He / Kaiming for ReLU" in notices[0] and "Try a smaller" not in notices[0]


def test_loss_curves_give_a_net_at_chance_no_best_epoch_but_a_sentence():
    """Three epochs in, the sigmoid net is still on its plateau: no 'best test epoch'
    for it, and a sentence with its measured accuracies."""
    at = open_page("pages/loss_curves.py", epochs="3")
    assert_clean(at)
    said = " ".join(m.value for m in at.markdown)
    assert "sigmoid never left chance" in said and "(chance is 10%)" in said
    table = at.dataframe[-1].value
    best = dict(zip(table["activation"], table["best test epoch"]))
    assert best["sigmoid"] == "—" and best["ReLU"] != "—"


def test_overfitting_page_converts_weight_decay_to_nielsens_lambda():
    at = open_page("pages/overfitting.py", epochs="2", weight_decay="0.001")
    assert_clean(at)
    captions = " ".join(c.value for c in at.caption)
    assert "his λ = 0.1 is weight decay 0.0001" in captions and "his λ = 1." in captions


def test_softmax_accuracy_axis_ends_at_the_last_epoch():
    at = open_page("pages/softmax.py", epochs="3")
    assert_clean(at)
    specs = [json.loads(el.proto.spec) for el in at.get("arrow_vega_lite_chart")
             + at.get("vega_lite_chart")]
    accuracy = [s for s in specs if "Accuracy of every run" in json.dumps(s.get("title"))]
    assert len(accuracy) == 1
    assert accuracy[0]["encoding"]["x"]["scale"] == {"domain": [0.0, 3.0], "nice": False}


def test_activations_page_names_the_input_z_and_states_when_the_quarter_holds():
    """the slider said 'x range' beside z axes, and 'every layer shrinks the
    gradient at least 4×' was stated without its condition |w| ≤ 1 on a page that also
    offers w = 8."""
    at = open_page("pages/activations.py")
    assert_clean(at)
    assert at.slider(key="x_range").label == "z range"
    captions = " ".join(c.value for c in at.caption)
    assert "|w| ≤ 1" in captions
    text = " ".join(m.value for m in at.markdown)
    assert "|w·σ'(z)| ≤ ¼ only while |w| ≤ 1" in text and "Nielsen ch. 5" in text
    at.slider(key="x_range").set_value((2.0, 2.0)).run()
    assert any("The z range is a single point" in w.value for w in at.warning)


def test_gradient_flow_quotes_what_the_calculator_shows():
    """lesson 2 quoted ¼ · ⅓ · ¼; the calculator's default is ¼ per layer."""
    from vgcore.workshop.experiments import chain_example
    at = open_page("pages/gradient_flow.py", epochs="0", depth="2", width="8")
    assert_clean(at)
    text = " ".join(m.value for m in at.markdown)
    assert f"like the {chain_example()} of the chain-rule calculator" in text
    assert "⅓" not in text


def test_inside_layers_shows_the_accuracy_and_names_the_standard_init():
    """the note said 'the net sits at chance' with no accuracy on the page, and
    'the old standard init' beside a control saying 'PyTorch default'."""
    at = open_page("pages/inside_layers.py", epochs="1", depth="2", width="8")
    assert_clean(at)
    accuracy = chart_data(at, "Accuracy on the training")
    assert set(accuracy["activation"].dropna()) == {"sigmoid", "tanh", "relu"}
    intro = " ".join(i.value for i in at.info)
    assert "'standard' init U(±1/√n_in)" in intro and "*PyTorch default*" in intro
    assert at.selectbox(key="init").value == "pytorch"


# Small nets, 3 seeds: every lesson that trains, cheaply (link parameters).
THREE_SEEDS = {"n_seeds": "3", "epochs": "1"}
SMALL_NETS = {"depth": "3", "width": "8", "train_size": "300"}


@pytest.mark.parametrize("spec", [p for p in LESSONS if p in TRAINING or p in RECURRENT],
                         ids=_ids([p for p in LESSONS if p in TRAINING or p in RECURRENT]))
def test_every_result_sentence_says_on_how_many_of_the_seeds_it_held(spec):
    """One run is one draw: at ?n_seeds=3 every bullet a page makes from its results
    (speed, factors, drift, chance, steps, solved) and every divergence notice names
    the count of the 3 seeds ("on 3 of 3 seeds", "on 2 of 3 seeds: ...; on 1 ...").
    History lines ("- **2006 · ...**") and an exercise's hints state no result."""
    from vgcore.i18n import tr
    from vgcore.workshop.exercises import EXERCISES
    # a hint is a message: shown as the catalog gives it (a formula's braces undoubled)
    hints = {f"- {tr(hint)}" for ex in EXERCISES.values() for hint in ex.hints}
    link = {**THREE_SEEDS, **({"seq_len": "8"} if spec in RECURRENT else SMALL_NETS)}
    at = open_page(spec.path, **link)
    assert_clean(at)
    bullets = [m.value for m in at.markdown if m.value.startswith("- ")
               and not m.value.startswith("- **") and m.value not in hints]
    notices = [w.value for w in at.warning if "diverged" in w.value]
    for sentence in bullets + notices:
        assert "of 3 seeds" in sentence or "3 seeds" in sentence, sentence
    stem = Path(spec.path).stem
    if stem in ("gradient_flow", "inside_layers", "exploding", "through_time"):
        assert bullets, "this page states its results in bullets"
