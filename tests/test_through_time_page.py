"""The recurrent lesson (pages/through_time.py) through Streamlit's AppTest: it opens
with its charts, table, downloads and exercise; a shared link restores its controls and
its run; a bad link parameter is announced and the default used; the exercise's check
turns green with the forget gate open. Links carry short sequences and few epochs."""
from __future__ import annotations

import pytest

from tests.test_app import at_default, chart_data, charts_of, link_warnings, open_page, widget
from vgcore.workshop.exercises import EXERCISES

PATH = "pages/through_time.py"
SMALL = {"seq_len": "8", "epochs": "1"}


def assert_clean(at) -> None:
    assert not at.exception, "\n".join(e.value for e in at.exception)
    assert not at.error, [e.value for e in at.error]


def test_page_opens_with_its_charts_table_downloads_and_exercise():
    at = open_page(PATH, **SMALL)
    assert_clean(at)
    assert not link_warnings(at)
    grads = chart_data(at, "gradient reaching each time step")
    assert {"cell", "seed", "epoch", "t", "grad_norm"} <= set(grads.columns)
    assert sorted(grads["t"].dropna().unique()) == list(range(1, 9))
    assert set(grads["cell"].dropna()) == {"rnn", "lstm", "gru"}
    accuracy = chart_data(at, "Accuracy on the test set")
    assert accuracy["accuracy"].dropna().between(0, 1).all()
    sweep = chart_data(at, "against the sequence length")
    assert sorted(sweep["seq_len"].dropna().unique()) == [5, 8, 10, 20, 35, 50]
    table = at.dataframe[0].value
    assert list(table["cell"]) == ["RNN", "LSTM", "GRU"]
    assert "None" not in table.astype(str).values
    sentences = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert any(s.startswith("- RNN: on 3 of 3 seeds step 1 gets") for s in sentences), \
        sentences
    assert any("only with the forget gate open" in m.value for m in at.markdown)
    labels = {el.proto.label for el in at.get("download_button")}
    assert labels == {"History (CSV)", "Per-step gradients (CSV)", "Config (JSON)"}
    # the exercise starts with the gate shut: not yet solved, its own chart drawn
    assert any(w.value.startswith("Not yet.") and "0 of 3 seeds" in w.value
               for w in at.warning)


def test_link_restores_the_controls_and_the_run():
    at = open_page(PATH, seq_len="12", cells=["LSTM"], forget_bias="0", hidden="8",
                   lr="0.01", epochs="2", seed="2", n_seeds="2")
    assert_clean(at)
    assert not link_warnings(at)
    assert widget(at, "seq_len").value == 12 and widget(at, "hidden").value == 8
    assert widget(at, "forget_bias").value == 0.0 and widget(at, "seed").value == 2
    assert widget(at, "lr").value == pytest.approx(0.01) and widget(at, "epochs").value == 2
    assert at.multiselect(key="cells").value == ["lstm"]
    grads = chart_data(at, "gradient reaching each time step")
    assert set(grads["cell"].dropna()) == {"lstm"} and set(grads["seed"].dropna()) == {2, 3}
    assert grads["t"].max() == 12
    # the forget gate text speaks of this LSTM's bias
    assert any("σ(0) = 0.50" in m.value for m in at.markdown)


@pytest.mark.parametrize("name,value", [("seq_len", "999"), ("cells", "bogus"),
                                        ("forget_bias", "abc"), ("task", "copying")])
def test_bad_link_parameter_warns_and_runs_with_the_default(name, value):
    at = open_page(PATH, **{**SMALL, name: value})
    assert_clean(at)
    warnings = link_warnings(at)
    assert len(warnings) == 1 and f"`{name}=" in warnings[0], warnings
    assert at_default(widget(at, name))
    assert charts_of(at)


def test_cells_and_controls_from_the_mlp_lessons_are_not_this_pages():
    at = open_page(PATH, depth="3", **SMALL)
    assert_clean(at)
    assert any("`depth=3`" in w and "ignored" in w for w in link_warnings(at))


def test_the_exercise_is_solved_with_the_forget_gate_open():
    ex = EXERCISES["lstm-remember"]
    at = open_page(PATH, exercise_forget_bias="3", **SMALL)
    assert_clean(at)
    assert widget(at, "exercise_forget_bias").value == 3.0
    solved = [s.value for s in at.success]
    assert solved and solved[0].startswith("Solved.") and "3 of 3 seeds" in solved[0]
    assert ex.start.forget_bias == 0.0 and ex.start.n_seeds == 3


def test_an_impossible_experiment_is_the_configs_error():
    """Controls that break a cap show vgcore's message, never an exception."""
    at = open_page(PATH, seq_len="200", hidden="256", n_seeds="5", epochs="60")
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Can't run this experiment: "), errors
    assert not at.get("download_button")


def test_a_diverged_cell_is_announced_by_its_name():
    """The page clips at 1, so its own controls hardly diverge: the notice is checked on
    a run without clipping, as the page would draw it."""
    from streamlit.testing.v1 import AppTest

    def script():
        from app.blocks import divergence_notice
        from vgcore.recurrent import RecurrentConfig, run_recurrent
        run = run_recurrent(RecurrentConfig(
            task="adding", cells=("rnn", "lstm"), optimizer="sgd", lr=1000.0, grad_clip=0.0,
            seq_len=6, hidden=4, train_size=40, test_size=20, batch_size=20, epochs=3))
        divergence_notice(run, ("lr", "epochs"))

    at = AppTest.from_function(script, default_timeout=90).run()
    assert not at.exception
    notices = [w.value for w in at.warning]
    assert notices and all("diverged at epoch" in n and "smaller learning rate" in n
                           for n in notices), notices
    assert {n.split(" (")[0] for n in notices} <= {"RNN", "LSTM"}


def test_the_time_chart_divides_each_net_by_its_gradient_at_the_last_step():
    """a solved LSTM's raw gradient after training is tiny because its loss is;
    the chart draws each net's share of step T's gradient and the caption says why."""
    at = open_page(PATH, **SMALL)
    assert_clean(at)
    grads = chart_data(at, "gradient reaching each time step")
    last = grads[grads["t"] == grads["t"].max()]
    assert last["grad_rel"].dropna().eq(1.0).all()
    assert any("that is not vanishing" in c.value for c in at.caption)
    assert any(m.value.startswith("After epoch 1") for m in at.markdown)
