"""The recurrent lesson's chart builders (vgcore.charts.through_time: time_grad_chart,
recurrent_accuracy_chart, length_sweep_chart) pass the same checks as every other
builder in tests/test_charts.py: valid spec with a title, a tooltip on every mark, a
legend that selects a cell, inputs untouched, missing columns and empty frames named,
one colour per cell whatever else is drawn, nothing a log axis cannot place."""
from __future__ import annotations

import itertools
from typing import Callable

import altair as alt
import numpy as np
import pandas as pd
import pytest

from tests.test_charts import (_all_params, _conditions, assert_band_case,
                               assert_band_over_three_seeds,
                               assert_one_seed_draws_no_band, datasets, three_seeds,
                               units)
from vgcore import charts
from vgcore.recurrent import SWEEP_COLUMNS


@pytest.fixture
def frames() -> dict[str, pd.DataFrame]:
    grads, history, sweep = [], [], []
    for cell, seed, epoch, t in itertools.product(["rnn", "lstm"], [0, 1], [0, 1],
                                                  range(1, 9)):
        norm = 10.0 ** (t - 8) if cell == "rnn" else 0.5 ** (8 - t)
        grads.append({"cell": cell, "seed": seed, "epoch": epoch, "t": t, "grad_norm": norm})
    for cell, seed, epoch, split in itertools.product(["rnn", "lstm"], [0, 1], range(4),
                                                      ["train", "test"]):
        history.append({"cell": cell, "seed": seed, "epoch": epoch, "split": split,
                        "loss": 0.7 / (epoch + 1), "accuracy": 0.5 + 0.1 * epoch})
    for cell, seed, seq_len in itertools.product(["rnn", "lstm"], [0, 1], [5, 10, 50]):
        acc = 1.0 if cell == "lstm" or seq_len < 50 else 0.5
        sweep.append({"cell": cell, "seq_len": seq_len, "seed": seed,
                      "final_test_accuracy": acc, "solved": float(acc > 0.95)})
    return {"grads": pd.DataFrame(grads), "history": pd.DataFrame(history),
            "sweep": pd.DataFrame(sweep, columns=SWEEP_COLUMNS)}


BUILDERS: dict[str, tuple[str, Callable[[pd.DataFrame], alt.TopLevelMixin], str]] = {
    # name: (frame, call, a column it cannot do without)
    "time_grad_chart": ("grads", lambda df: charts.time_grad_chart(df, epochs=(0, 1)),
                        "grad_norm"),
    "recurrent_accuracy_chart": ("history", lambda df: charts.recurrent_accuracy_chart(
        df, chance=0.5), "accuracy"),
    "length_sweep_chart": ("sweep", lambda df: charts.length_sweep_chart(df, chance=0.5),
                           "seq_len"),
}


def build(name: str, frames: dict[str, pd.DataFrame]) -> alt.TopLevelMixin:
    frame, fn, _ = BUILDERS[name]
    return fn(frames[frame])


@pytest.mark.parametrize("name", list(BUILDERS))
def test_spec_is_valid_titled_and_tooltipped(name, frames, tmp_path):
    chart = build(name, frames)
    spec = chart.to_dict()             # validates against the Vega-Lite schema
    assert spec["title"]["text"]
    marks = list(units(spec))
    assert marks and all("tooltip" in u.get("encoding", {}) for u in marks)
    chart.save(tmp_path / f"{name}.html")


@pytest.mark.parametrize("name", list(BUILDERS))
def test_legend_selects_a_cell(name, frames):
    spec = build(name, frames).to_dict()
    params = [p for p in _all_params(spec) if p.get("bind") == "legend"]
    assert len(params) == 1 and params[0]["select"]["fields"] == ["cell"]
    assert [u for u in units(spec) if any(c.get("param") == params[0]["name"]
                                          for c in _conditions(u))]


@pytest.mark.parametrize("name", list(BUILDERS))
def test_inputs_untouched_missing_columns_and_empty_frames_named(name, frames):
    frame, fn, column = BUILDERS[name]
    before = frames[frame].copy(deep=True)
    fn(frames[frame])
    pd.testing.assert_frame_equal(frames[frame], before)
    with pytest.raises(ValueError, match=f"missing column.*{column}"):
        fn(frames[frame].drop(columns=[column]))
    with pytest.raises(ValueError, match="empty"):
        fn(frames[frame].iloc[0:0])


def _cell_scales(spec: dict) -> list[dict]:
    return [u["encoding"]["color"]["scale"] for u in units(spec)
            if u.get("encoding", {}).get("color", {}).get("field") == "cell"]


@pytest.mark.parametrize("name", list(BUILDERS))
def test_a_cell_keeps_its_colour_whatever_is_beside_it(name, frames):
    frame, fn, _ = BUILDERS[name]
    both = _cell_scales(fn(frames[frame]).to_dict())[0]
    alone = _cell_scales(fn(frames[frame][frames[frame]["cell"] == "lstm"]).to_dict())[0]
    assert dict(zip(both["domain"], both["range"])) == {"rnn": charts.CELL_COLORS["rnn"],
                                                       "lstm": charts.CELL_COLORS["lstm"]}
    assert alone == {"domain": ["lstm"], "range": [charts.CELL_COLORS["lstm"]]}


def test_time_chart_draws_the_chosen_epochs_and_drops_what_log_cannot_place(frames):
    grads = frames["grads"].copy()
    grads.loc[0, "grad_norm"] = 0.0            # an underflowed gradient
    grads.loc[1, "grad_norm"] = np.nan
    spec = charts.time_grad_chart(grads, epochs=(0,)).to_dict()
    rows = pd.DataFrame(max(datasets(spec), key=len))
    rows = rows[rows["curve"] == "seed"]            # each seed's own rows, beside the median
    assert set(rows["epoch"]) == {0} and (rows["grad_norm"] > 0).all()
    assert len(rows) == len(grads[grads["epoch"] == 0]) - 2
    assert "strokeDash" not in spec["encoding"]          # one epoch: nothing to tell apart
    assert spec["encoding"]["y"]["scale"]["type"] == "log"
    two = charts.time_grad_chart(frames["grads"], epochs=(0, 1)).to_dict()
    assert two["encoding"]["strokeDash"]["scale"]["domain"] == ["untrained (epoch 0)",
                                                              "after epoch 1"]
    with pytest.raises(ValueError, match="epoch: 7 is not in the data"):
        charts.time_grad_chart(frames["grads"], epochs=(0, 7))


def test_sweep_chart_takes_the_median_of_the_seeds_and_marks_chance(frames):
    spec = charts.length_sweep_chart(frames["sweep"], chance=0.5).to_dict()
    rows = pd.DataFrame(max(datasets(spec), key=len))
    rows = rows[rows["curve"] == "median"]
    assert len(rows) == 2 * 3 and set(rows["n_seeds"]) == {2}
    notes = {r["note"] for d in datasets(spec) for r in d if "note" in r}
    assert notes == {"chance (50%)", "solved (95%)"}


def test_time_chart_can_draw_the_share_of_the_last_steps_gradient(frames):
    """after training a solved net's raw norms are tiny because its loss is;
    the page draws ‖∂L/∂h_t‖ ÷ ‖∂L/∂h_T‖ (vgcore.recurrent.results.relative_time_grads)
    and the chart says what it is."""
    from vgcore.recurrent.results import relative_time_grads
    spec = charts.time_grad_chart(relative_time_grads(frames["grads"]), epochs=(0, 1),
                                  value="grad_rel").to_dict()
    y = next(u["encoding"]["y"] for u in units(spec) if "y2" not in u["encoding"])
    assert y["field"] == "grad_rel" and y["scale"]["type"] == "log"
    # an axis title comes in lines a phone's plot can hold
    title = y["title"] if isinstance(y["title"], str) else " ".join(y["title"])
    assert "÷ ‖∂L/∂h_T‖" in title
    subtitle = spec["title"]["subtitle"]
    assert "loss near 0" in (subtitle if isinstance(subtitle, str) else " ".join(subtitle))
    with pytest.raises(ValueError, match="value"):
        charts.time_grad_chart(frames["grads"], value="bogus")


BAND_CASES = {
    # name: (frame, value, chart, the rows it draws, keys of one point)
    "time_grad_chart": ("grads", "grad_norm", charts.time_grad_chart,
                        lambda f: f[f["epoch"] == 0], ["cell", "t"]),
    "recurrent_accuracy_chart": ("history", "accuracy", charts.recurrent_accuracy_chart,
                                 lambda f: f[f["split"] == "test"], ["cell", "epoch"]),
    "length_sweep_chart": ("sweep", "final_test_accuracy", charts.length_sweep_chart,
                           lambda f: f, ["cell", "seq_len"]),
}


@pytest.mark.parametrize("name", list(BAND_CASES))
def test_curves_are_the_median_of_the_seeds_with_their_range(name, frames):
    assert_band_case(BAND_CASES[name], frames)


def test_seeds_of_one_cell_share_its_colour_not_a_dash_each(frames):
    """Seeds are thin lines of the cell's colour; no dash tells them apart any more."""
    spec = charts.recurrent_accuracy_chart(three_seeds(frames["history"], "accuracy")
                                           ).to_dict()
    lines = [u for u in units(spec) if "datum.curve" in str(u.get("transform"))]
    assert len(lines) == 3                     # band, seeds, median and all(u["encoding"]["color"]["field"] == "cell" for u in lines)
    assert all("strokeDash" not in u["encoding"] for u in lines)


def test_sweep_tooltip_keeps_the_share_of_seeds_that_solved_it(frames):
    sweep = frames["sweep"].copy()
    sweep.loc[(sweep["cell"] == "rnn") & (sweep["seq_len"] == 50) & (sweep["seed"] == 0),
              ["final_test_accuracy", "solved"]] = [1.0, 1.0]
    rows = pd.DataFrame(max(datasets(charts.length_sweep_chart(sweep).to_dict()), key=len))
    mid = rows[(rows["curve"] == "median") & (rows["cell"] == "rnn")
               & (rows["seq_len"] == 50)]
    assert mid["solved"].tolist() == [0.5]      # 1 of 2 seeds
