"""Lesson 8, How it was fixed (pages/how_fixed.py), through Streamlit's AppTest: the
table has a row per net with the lesson's numbers, the history lines and charts follow the
ticked cures, the combined net is trained only when asked, a shared link restores the
cures and the target, and a bad one is announced. Links carry a small net and one epoch."""
from __future__ import annotations

import json

import pytest

from tests.test_app import chart_data, charts_of, link_warnings, open_page
from vgcore import charts
from vgcore.workshop.cures import COMBINED, CURES, PLAIN

PATH = "pages/how_fixed.py"
SMALL = {"depth": "3", "width": "8", "epochs": "1", "train_size": "300"}


def assert_clean(at) -> None:
    assert not at.exception, "\n".join(e.value for e in at.exception)
    assert not at.error, [e.value for e in at.error]


def net_colours(at, title_part: str) -> dict[str, str]:
    """net -> colour of the one chart whose title holds `title_part`, read from the spec
    Streamlit sends to the browser."""
    for el in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart"):
        spec = json.loads(el.proto.spec)
        if title_part.lower() in json.dumps(spec.get("title", "")).lower():
            color = spec["encoding"]["color"]
            assert color["field"] == "net"
            return dict(zip(color["scale"]["domain"], color["scale"]["range"]))
    raise AssertionError(f"no chart titled {title_part!r}")


def history_lines(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("- **")]


def test_every_cure_alone_beside_the_plain_net():
    at = open_page(PATH, **SMALL)
    assert_clean(at)
    assert not link_warnings(at)
    table = at.dataframe[0].value
    assert list(table["net"]) == [PLAIN, *(c.label for c in CURES.values())]
    assert list(table["year"]) == ["—", *(str(c.year) for c in CURES.values())]
    # the page's 3 seeds: the median and the range, "19× (13–19×)", or one number
    assert table["speed ratio at init"].str.fullmatch(r"[^()]+×( \([^()]+×\))?").all()
    assert table["test accuracy, epoch 1"].str.fullmatch(r"[^()]+%( \([^()]+%\))?").all()
    assert "None" not in table.astype(str).values and "nan" not in table.astype(str).values
    assert len(history_lines(at)) == len(CURES)
    assert history_lines(at)[0].startswith("- **2006 · Layer-wise pretraining**")
    grads = chart_data(at, "Gradient norm per layer in the untrained net, by cure")
    assert set(grads["net"]) == set(table["net"])
    assert sorted(grads["layer"].unique()) == [1, 2, 3]
    accuracy = chart_data(at, "Accuracy of every run on the test set")
    assert set(accuracy["net"]) == set(table["net"])
    assert accuracy["accuracy"].between(0, 1).all()
    # Both charts draw each net in its one colour: the ReLU cure in ReLU's, the plain
    # sigmoid net in sigmoid's, the normalised-init cure in Glorot's init's.
    for title in ("by cure", "Accuracy of every run"):
        colours = net_colours(at, title)
        assert colours[CURES["relu"].label] == charts.ACTIVATION_COLORS["relu"]
        assert colours[PLAIN] == charts.ACTIVATION_COLORS["sigmoid"]
        assert colours[CURES["normalised_init"].label] == charts.INIT_COLORS["xavier"]
        assert len(set(colours.values())) == len(colours)
    recon = chart_data(at, "Layer-wise pretraining")
    assert sorted(recon["layer"].unique()) == [1, 2, 3]
    labels = {el.proto.label for el in at.get("download_button")}
    assert labels == {"History (CSV)", "Per-layer stats (CSV)", "Config (JSON)"}
    assert any("sigmoid" in m.value and "Goal." in m.value for m in at.markdown)


def test_link_picks_the_cures_the_combined_net_and_the_target():
    at = open_page(PATH, **SMALL, cures=["Residual connections", "Batch norm"],
                   combine="true",
                   target="0.2")
    assert_clean(at)
    assert not link_warnings(at)
    assert at.multiselect(key="cures").value == ["residual", "batch_norm"]
    assert at.toggle(key="combine").value is True
    table = at.dataframe[0].value
    assert list(table["net"]) == [PLAIN, CURES["batch_norm"].label,
                                  CURES["residual"].label, COMBINED]
    assert "first epoch ≥ 20%" in table.columns
    assert [line[4:8] for line in history_lines(at)] == ["2015", "2016"]
    titles = [title for title, _ in charts_of(at)]
    assert len(titles) == 2 and not any("pretraining" in t for t in titles), titles


@pytest.mark.parametrize("name,value", [("cures", "bogus"), ("combine", "maybe"),
                                        ("target", "2")])
def test_a_bad_link_parameter_is_announced_and_the_default_used(name, value):
    at = open_page(PATH, **SMALL, **{name: value})
    assert_clean(at)
    warnings = link_warnings(at)
    assert len(warnings) == 1 and f"`{name}={value}`" in warnings[0], warnings
    assert len(at.dataframe[0].value) == 1 + len(CURES)
