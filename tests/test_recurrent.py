"""The recurrent engine (vgcore.recurrent): its nets are torch's own cells, its ‖∂L/∂h_t‖
is the gradient an independent hand-written forward gives, the RNN's gradient vanishes
through time where the open-gate LSTM's does not, and a run is deterministic, validated,
and never raises on divergence. Configs are tiny so the whole file runs in seconds."""
from __future__ import annotations

import json
import math

import pandas as pd
import pytest
import torch
from torch import nn

from vgcore.config import MAX_WORK
from vgcore.model import member_generator
from vgcore.config import declared_fields
from vgcore.recurrent import (CELLS, MAX_CELL_STEPS, SUMMARY_COLUMNS,
                              TASKS, TIME_GRAD_COLUMNS, RecurrentConfig, RecurrentNet,
                              RecurrentResult, length_sweep, make_data, ratio_phrase,
                              ratio_sentences, run_recurrent, solved_at, solved_counts,
                              time_grad_norms, time_ratio)
from vgcore.runs import run_config

TINY = RecurrentConfig(seq_len=8, hidden=6, train_size=60, test_size=30, batch_size=20,
                       epochs=2)


def _net(cell: str, hidden: int = 5, inputs: int = 1, outputs: int = 2,
         forget_bias: float = 3.0, seed: int = 0) -> RecurrentNet:
    return RecurrentNet(cell, inputs, hidden, outputs, forget_bias,
                        member_generator(seed, "init"))


# ---------------------------------------------------------------------------------------
# The nets are torch's cells
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell", list(CELLS))
def test_both_paths_equal_torchs_module_on_the_same_weights(cell):
    """A fresh torch nn.RNN / nn.LSTM / nn.GRU loaded with the net's weights gives the
    same states as the hand-stepped cells (the probe's path) and the same outputs as the
    fused path (training's)."""
    net = _net(cell)
    reference = CELLS[cell].sequence(1, 5, batch_first=True)
    reference.load_state_dict({k.removeprefix("sequence."): v
                               for k, v in net.state_dict().items()
                               if k.startswith("sequence.")})
    x = torch.randn(4, 7, 1, generator=torch.Generator().manual_seed(1))
    states, _ = reference(x)
    out, hs = net.unroll(x)
    torch.testing.assert_close(torch.stack(hs, 1), states, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(net(x), net.readout(states[:, -1]), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(out, net(x), rtol=1e-5, atol=1e-6)
    # one set of Parameters: the cell's are the module's own objects
    assert net.step.weight_hh is net.sequence.weight_hh_l0


def test_forget_bias_is_the_lstm_forget_gates_bias():
    net = _net("lstm", hidden=4, forget_bias=2.5)
    gate = net.sequence.bias_ih_l0[4:8] + net.sequence.bias_hh_l0[4:8]
    assert torch.equal(gate, torch.full((4,), 2.5))
    # the other gates keep PyTorch's default U(±1/√hidden)
    assert net.sequence.bias_ih_l0[:4].abs().max() <= 0.5


def test_a_nets_weights_come_from_its_own_seed():
    a, b = _net("gru", seed=3), _net("gru", seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(_net("gru", seed=4).sequence.weight_hh_l0,
                           a.sequence.weight_hh_l0)


# ---------------------------------------------------------------------------------------
# ‖∂L/∂h_t‖ against an independent forward, by hand
# ---------------------------------------------------------------------------------------
def _weights(net: RecurrentNet) -> dict[str, torch.Tensor]:
    s = net.sequence
    return {"W": s.weight_ih_l0.detach(), "U": s.weight_hh_l0.detach(),
            "b": (s.bias_ih_l0 + s.bias_hh_l0).detach(),
            "V": net.readout.weight.detach(), "c": net.readout.bias.detach()}


def test_rnn_time_gradients_by_hand_bptt():
    """h_t = tanh(W x_t + U h_{t-1} + b), loss = CE(V h_T + c): back-propagate through
    time by hand, δ_{t-1} = Uᵀ(δ_t ⊙ (1 − h_t²)), and compare each step's mean norm."""
    net = _net("rnn", hidden=3)
    w = _weights(net)
    g = torch.Generator().manual_seed(5)
    x = torch.randn(2, 4, 1, generator=g)
    y = torch.tensor([0, 1])
    h = torch.zeros(2, 3)
    hs = []
    for t in range(4):
        h = torch.tanh(x[:, t] @ w["W"].T + h @ w["U"].T + w["b"])
        hs.append(h)
    p = torch.softmax(hs[-1] @ w["V"].T + w["c"], -1)
    delta = (p - nn.functional.one_hot(y, 2).float()) @ w["V"]       # ∂ℓ/∂h_T per sequence
    deltas = [delta]
    for t in range(3, 0, -1):
        delta = (delta * (1 - hs[t] ** 2)) @ w["U"]
        deltas.insert(0, delta)
    by_hand = [float(d.norm(dim=1).mean()) for d in deltas]
    got = time_grad_norms(net, TASKS["remember_first"], x, y)
    assert got == pytest.approx(by_hand, rel=1e-5)


def test_lstm_time_gradients_go_through_the_cell_state():
    """The LSTM's equations written out (gates i, f, g, o as torch stacks them) and
    differentiated by autograd: ‖∂ℓ/∂h_t‖ counts the path through c_t too."""
    net = _net("lstm", hidden=3, forget_bias=3.0)
    w = _weights(net)
    x = torch.randn(3, 5, 1, generator=torch.Generator().manual_seed(2))
    y = torch.tensor([1, 0, 1])
    xg = x.clone().requires_grad_()        # puts every hand-computed h_t in a graph
    h = torch.zeros(3, 3)
    c = torch.zeros(3, 3)
    hs = []
    for t in range(5):
        z = xg[:, t] @ w["W"].T + h @ w["U"].T + w["b"]
        i, f, gg, o = z.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(gg)
        h = torch.sigmoid(o) * torch.tanh(c)
        hs.append(h)
    loss = nn.functional.cross_entropy(hs[-1] @ w["V"].T + w["c"], y, reduction="sum")
    expected = [float(gr.norm(dim=1).mean()) for gr in torch.autograd.grad(loss, hs)]
    got = time_grad_norms(net, TASKS["remember_first"], x, y)
    assert got == pytest.approx(expected, rel=1e-4)


# ---------------------------------------------------------------------------------------
# What the lesson shows
# ---------------------------------------------------------------------------------------
def test_rnn_gradient_through_50_steps_is_far_below_the_open_gate_lstms():
    """At initialisation, T = 50: the RNN's step 1 gets ~10⁻¹¹ of step 50's gradient, the
    LSTM with forget bias 3 a sizeable share, with forget bias 0 as little as the RNN."""
    open_gate = run_recurrent(RecurrentConfig(seq_len=50, cells=("rnn", "lstm"),
                                              forget_bias=3.0, epochs=0, train_size=256,
                                              n_seeds=2))
    shut = run_recurrent(RecurrentConfig(seq_len=50, cells=("lstm",), forget_bias=0.0,
                                         epochs=0, train_size=256, n_seeds=2))
    ratios = open_gate.summary.groupby("cell")["time_ratio"].max()
    assert ratios["rnn"] < 1e-8
    assert open_gate.summary.query("cell == 'lstm'")["time_ratio"].min() > 1e-2
    assert ratios["rnn"] * 1e6 < open_gate.summary.query("cell == 'lstm'")["time_ratio"].min()
    assert shut.summary["time_ratio"].max() < 1e-6


def test_the_task_is_learnable_at_short_lengths():
    """At T = 5 every cell solves remember_first within a few epochs."""
    res = run_recurrent(RecurrentConfig(seq_len=5, train_size=500, test_size=200,
                                        lr=0.01, epochs=3))
    assert res.summary["solved_at"].notna().all(), res.summary


# ---------------------------------------------------------------------------------------
# A run: frames, determinism, independence, divergence
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny() -> RecurrentResult:
    return run_recurrent(TINY.replace(n_seeds=2))


def test_frames_are_tidy_plain_floats(tiny):
    assert list(tiny.history.columns) == ["cell", "seed", "epoch", "split", "loss",
                                          "accuracy"]
    assert list(tiny.time_grads.columns) == TIME_GRAD_COLUMNS
    assert list(tiny.summary.columns) == SUMMARY_COLUMNS
    assert len(tiny.summary) == 3 * 2
    assert sorted(tiny.time_grads["t"].unique()) == list(range(1, 9))
    assert sorted(tiny.time_grads["epoch"].unique()) == [0, 1, 2]
    assert (tiny.time_grads["grad_norm"] > 0).all()
    for frame in (tiny.history, tiny.time_grads, tiny.summary):
        for column in frame.columns:
            assert all(isinstance(v, (int, float, str)) for v in frame[column]), column
    assert tiny.finished and tiny.stopped_at is None and tiny.diverged().empty
    ratio = time_ratio(tiny.time_grads.query("cell == 'rnn' and seed == 0"))
    assert tiny.summary.query("cell == 'rnn' and seed == 0")["time_ratio"].iloc[0] == ratio


def test_same_config_same_numbers(tiny):
    again = run_recurrent(TINY.replace(n_seeds=2))
    for name in ("history", "time_grads", "summary"):
        pd.testing.assert_frame_equal(getattr(tiny, name), getattr(again, name))


def test_a_nets_numbers_do_not_depend_on_the_cells_beside_it(tiny):
    alone = run_recurrent(TINY.replace(cells=("lstm",), n_seeds=2))
    for name in ("history", "time_grads", "summary"):
        mine = getattr(tiny, name)
        pd.testing.assert_frame_equal(mine[mine["cell"] == "lstm"].reset_index(drop=True),
                                      getattr(alone, name).reset_index(drop=True))


def test_divergence_is_recorded_not_raised():
    res = run_recurrent(TINY.replace(cells=("rnn",), optimizer="sgd", lr=1000.0,
                                     grad_clip=0.0, task="adding", epochs=3))
    assert len(res.diverged()) == 1
    at = int(res.diverged()["diverged_at"].iloc[0])
    assert 1 <= at <= 3 and res.history["epoch"].max() < at
    assert res.finished


def test_progress_and_time_cap():
    seen = []
    res = run_recurrent(TINY, on_epoch=lambda p: seen.append((p.epoch, p.partial())))
    assert [e for e, _ in seen] == [0, 1, 2]
    assert isinstance(seen[0][1], RecurrentResult) and not seen[0][1].finished
    assert set(seen[0][1].history["epoch"]) == {0}
    capped = run_recurrent(TINY, max_seconds=0.0)
    assert capped.stopped_at == 0 and set(capped.history["epoch"]) == {0}
    assert res.summary["last_epoch"].eq(2).all()


def test_run_config_trains_a_recurrent_config():
    res = run_config(TINY.replace(cells=("rnn",), epochs=0))
    assert isinstance(res, RecurrentResult) and len(res.summary) == 1


def test_json_is_plain_and_nan_is_null(tiny):
    data = json.loads(json.dumps(tiny.to_json_dict()))
    assert set(data) == {"config", "summary", "history", "time_grads"}
    assert RecurrentConfig.from_dict(data["config"]) == tiny.config
    assert data["summary"][0]["diverged_at"] is None


def test_adding_task_targets_are_the_marked_sums():
    cfg = RecurrentConfig(task="adding", seq_len=10, train_size=40, test_size=20)
    x, y, x_test, _ = make_data(cfg)
    assert x.shape == (40, 10, 2) and x_test.shape == (20, 10, 2)
    assert torch.equal(x[..., 1].sum(1), torch.full((40,), 2.0))
    assert x[:, :5, 1].sum(1).eq(1).all()           # one marker in each half
    torch.testing.assert_close((x[..., 0] * x[..., 1]).sum(1), y)
    res = run_recurrent(cfg.replace(cells=("lstm",), epochs=1, hidden=4))
    assert res.summary["final_test_loss"].notna().all()


# ---------------------------------------------------------------------------------------
# Analyses
# ---------------------------------------------------------------------------------------
def test_solved_at_and_counts():
    history = pd.DataFrame({"cell": "lstm", "seed": 0, "epoch": [0, 1, 2, 3],
                            "split": "test", "loss": 0.1,
                            "accuracy": [0.5, 0.94, 0.96, 0.99]})
    assert solved_at(history) == 2.0
    assert math.isnan(solved_at(history.assign(accuracy=0.5)))
    summary = pd.DataFrame({"cell": ["lstm", "lstm", "rnn"], "seed": [0, 1, 0],
                            "solved_at": [2.0, math.nan, math.nan],
                            "final_test_accuracy": [1.0, 0.5, 0.5]})
    counts = solved_counts(summary)
    assert list(counts["cell"]) == ["rnn", "lstm"]            # registry order
    assert counts.set_index("cell").loc["lstm", "solved"] == 1
    assert counts.set_index("cell").loc["lstm", "seeds"] == 2


def test_ratio_in_words(tiny):
    assert ratio_phrase(1e-11, 50) == "step 1 gets 1.0·10¹¹× less gradient than step 50"
    assert ratio_phrase(0.25, 50) == "step 1 gets 4.0× less gradient than step 50"
    assert ratio_phrase(1.0, 8) == "step 1 gets about as much gradient as step 8"
    assert ratio_phrase(math.nan, 8) == "n/a"
    sentences = ratio_sentences(tiny.time_grads)
    assert [s.split(":")[0] for s in sentences] == ["RNN", "LSTM", "GRU"]


def test_length_sweep_frame(tiny):
    sweep = length_sweep({16: tiny, 8: tiny})
    assert list(sweep["seq_len"].unique()) == [8, 16]
    assert set(sweep["solved"]) <= {0.0, 1.0} and len(sweep) == 2 * len(tiny.summary)


# ---------------------------------------------------------------------------------------
# The config: every field declared once, validated with the field's name and range
# ---------------------------------------------------------------------------------------
def test_every_field_is_declared_with_a_label_and_help():
    assert tuple(declared_fields(RecurrentConfig)) == tuple(RecurrentConfig.__dataclass_fields__)
    labels = [fs.label for fs in declared_fields(RecurrentConfig).values()]
    assert len(set(labels)) == len(labels)
    for name, fs in declared_fields(RecurrentConfig).items():
        assert fs.label and fs.help, name
    assert dict(declared_fields(RecurrentConfig)["cells"].choices) == {k: c.label for k, c in CELLS.items()}
    assert dict(declared_fields(RecurrentConfig)["task"].choices) == {k: t.label for k, t in TASKS.items()}
    # shared meanings are shared declarations: the MLP's learning rate range
    from vgcore.config import FIELDS
    assert declared_fields(RecurrentConfig)["lr"] == FIELDS["lr"]


@pytest.mark.parametrize("name", [n for n, fs in declared_fields(RecurrentConfig).items()
                                  if fs.kind in ("int", "float")])
def test_number_fields_reject_just_outside_their_range(name):
    fs = declared_fields(RecurrentConfig)[name]
    small = dict(train_size=20, test_size=10, seq_len=4, hidden=2, epochs=1, cells=("rnn",))
    for value in (fs.lo, fs.hi):
        if (value == fs.lo and fs.lo_open) or (value == fs.hi and fs.hi_open):
            continue
        value = int(value) if fs.kind == "int" else value
        assert getattr(RecurrentConfig(**{**small, name: value}), name) == value
    below = fs.lo if fs.lo_open else (fs.lo - 1 if fs.kind == "int" else
                                      math.nextafter(fs.lo, -math.inf))
    with pytest.raises(ValueError) as err:
        RecurrentConfig(**{**small, name: int(below) if fs.kind == "int" else below})
    assert str(err.value).startswith(f"{name}:") and fs.range_text() in str(err.value)


@pytest.mark.parametrize("changes,start", [
    (dict(cells=()), "cells: empty"),
    (dict(cells=("rnn", "rnn")), "cells: duplicate"),
    (dict(cells=("rnn", "transformer")), "cells: unknown value 'transformer'; allowed: "
                                         "rnn, lstm, gru"),
    (dict(task="copying"), "task: unknown value 'copying'"),
    (dict(seq_len=1), "seq_len: 1 is out of range; allowed [2, 200]"),
    (dict(forget_bias=math.inf), "forget_bias: inf is out of range; allowed [-10.0, 10.0]"),
    (dict(hidden=512, n_seeds=5), "hidden: the run would have"),
    (dict(hidden=200, train_size=60000, seq_len=200, epochs=50, batch_size=10000),
     "epochs: parameters × train_size × seq_len × epochs"),
    (dict(batch_size=1, train_size=5000, epochs=10), "epochs: nets × minibatches"),
    (dict(batch_size=1, seq_len=2, train_size=60000, epochs=2),
     "epochs: steps = ⌈train_size / batch_size⌉ × epochs × nets = 360,000 exceeds the cap "
     "200,000; allowed at most 1 epochs"),
    (dict(hidden=256), "hidden: parameters × seq_len × the probe's 256 sequences"),
    (dict(hidden=64, seq_len=100, batch_size=1000, epochs=1),
     "batch_size: parameters × seq_len × sequences of one step"),
    # a 4-unit LSTM over 200 steps at batch 10,000 took 3.4 s a step
    (dict(cells=("lstm",), hidden=4, seq_len=200, train_size=10000, batch_size=10000,
          epochs=1), "batch_size: unit values × seq_len × sequences of one step = 3,200 × "
                     "10,000"),
])
def test_bad_configs_name_the_field(changes, start):
    with pytest.raises(ValueError) as err:
        RecurrentConfig(**changes)
    assert str(err.value).startswith(start), str(err.value)


def test_caps_are_the_documented_ones():
    assert MAX_WORK == 3e11 and MAX_CELL_STEPS == 1_000_000
    assert RecurrentConfig().cells == ("rnn", "lstm", "gru")
    with pytest.raises(ValueError, match="unknown config field"):
        RecurrentConfig.from_dict({"seq_len": 5, "activations": ["relu"]})
    assert RecurrentConfig(cells=["rnn"]).cells == ("rnn",)       # lists become tuples
    assert hash(RecurrentConfig()) == hash(RecurrentConfig())


def test_one_steps_work_is_capped_and_the_allowed_values_are_allowed():
    """One net's step (and the probe's 256 sequences) within MAX_STEP_WORK, counting
    parameters × sequences × seq_len; the message's largest hidden / batch_size pass."""
    with pytest.raises(ValueError) as err:
        RecurrentConfig(hidden=256)
    widest = int(str(err.value).split("allowed at most ")[1].split()[0])
    RecurrentConfig(hidden=widest)
    with pytest.raises(ValueError, match="^hidden:"):
        RecurrentConfig(hidden=widest + 1)
    big = dict(hidden=64, seq_len=100, epochs=1)
    with pytest.raises(ValueError) as err:
        RecurrentConfig(**big, batch_size=1000)
    allowed = int(str(err.value).split("at most ")[1].split()[0].replace(",", ""))
    RecurrentConfig(**big, batch_size=allowed)
    with pytest.raises(ValueError, match="^batch_size:"):
        RecurrentConfig(**big, batch_size=allowed + 1)


def test_evaluation_chunks_are_a_steps_work_and_unchanged_for_the_lesson():
    """A big net at long sequences evaluates fewer sequences at a time (so a stop waits
    at most a few steps' work); the lesson's nets keep EVAL_CHUNK, and their numbers."""
    from vgcore.config import MAX_STEP_VALUES, MAX_STEP_WORK
    from vgcore.recurrent import EVAL_CHUNK_STEPS, count_parameters, eval_chunk
    from vgcore.train import EVAL_CHUNK
    from vgcore.workshop.warmup import default_configs
    for cfg in default_configs():
        if isinstance(cfg, RecurrentConfig):
            assert all(eval_chunk(cfg, c) == EVAL_CHUNK for c in cfg.cells), cfg
    for big in (RecurrentConfig(cells=("lstm",), hidden=128, seq_len=50, epochs=1),
                RecurrentConfig(cells=("gru",), hidden=32, seq_len=200, epochs=1)):
        chunk = eval_chunk(big, big.cells[0])
        assert chunk < EVAL_CHUNK
        per_sequence = big.seq_len * count_parameters(big, big.cells[0])
        assert chunk * per_sequence <= EVAL_CHUNK_STEPS * MAX_STEP_WORK
        assert chunk * big.seq_len * big.hidden * 3 <= EVAL_CHUNK_STEPS * MAX_STEP_VALUES


def test_relative_time_grads_divide_each_net_by_its_own_last_step():
    """a net that solved its task has a loss near 0 and tiny raw gradients;
    the share of step T's gradient reaching step t is what vanishes. It is 1 at T, the
    net's time_ratio at t = 1, blind to the loss's scale, and NaN where step T got none."""
    from vgcore.recurrent.results import relative_time_grads
    rows = [{"cell": c, "seed": s, "epoch": e, "t": t,
             "grad_norm": (10.0 ** (t - 5) if c == "rnn" else 0.5 ** (5 - t))
             * (1e-4 if e == 1 else 1.0)}          # epoch 1: loss near 0, norms 10⁴ smaller
            for c in ("rnn", "lstm") for s in (0, 1) for e in (0, 1) for t in range(1, 6)]
    frame = pd.DataFrame(rows).sample(frac=1.0, random_state=0)   # order must not matter
    frame.loc[(frame["cell"] == "rnn") & (frame["seed"] == 1) & (frame["epoch"] == 1)
              & (frame["t"] == 5), "grad_norm"] = 0.0
    rel = relative_time_grads(frame)
    assert len(rel) == len(frame) and "grad_norm" in rel
    assert (rel.loc[rel["t"] == 5, "grad_rel"].dropna() == 1.0).all()
    lstm = rel[rel["cell"] == "lstm"].set_index(["seed", "epoch", "t"])["grad_rel"]
    assert lstm[(0, 0, 1)] == pytest.approx(lstm[(0, 1, 1)]) == pytest.approx(0.5 ** 4)
    one = frame[(frame["cell"] == "rnn") & (frame["seed"] == 0) & (frame["epoch"] == 0)]
    assert rel.set_index(["cell", "seed", "epoch", "t"]).loc[("rnn", 0, 0, 1), "grad_rel"] \
        == pytest.approx(time_ratio(one))
    dead = rel[(rel["cell"] == "rnn") & (rel["seed"] == 1) & (rel["epoch"] == 1)]
    assert dead["grad_rel"].isna().all()


def _step_grads(ratios: dict[tuple[str, int], float]) -> pd.DataFrame:
    """Time gradients at epoch 0 over T = 50 steps: ‖∂L/∂h_1‖ = ratio, ‖∂L/∂h_50‖ = 1."""
    return pd.DataFrame([{"cell": cell, "seed": seed, "epoch": 0, "t": t,
                          "grad_norm": ratio if t == 1 else 1.0}
                         for (cell, seed), ratio in ratios.items() for t in (1, 25, 50)])


def test_ratio_sentences_count_the_seeds_and_say_where_they_disagree():
    from vgcore.recurrent import ratio_counts
    grads = _step_grads({("rnn", 0): 1e-11, ("rnn", 1): 1e-9, ("rnn", 2): 1e-10,
                         ("lstm", 0): 0.5, ("lstm", 1): 0.25, ("lstm", 2): 2.0})
    assert ratio_counts(grads)["ratio"].tolist() == pytest.approx(
        [1e-11, 1e-9, 1e-10, 0.5, 0.25, 2.0])
    assert ratio_sentences(grads) == [
        "RNN: on 3 of 3 seeds step 1 gets 1.0·10⁹–1.0·10¹¹× less gradient than step 50 "
        "(median 1.0·10¹⁰×)",
        "LSTM: the seeds disagree (one run is one draw): on 2 of 3 seeds step 1 gets "
        "2.0–4.0× less gradient than step 50 (median 3.0×); on 1 step 1 gets 2.0× more "
        "gradient than step 50"]
    assert ratio_sentences(_step_grads({("gru", 4): 0.1})) == [
        "GRU: on 1 seed (seed 4) step 1 gets 10× less gradient than step 50"]


def test_solved_sentences_count_the_seeds_that_solved_the_task():
    from vgcore.recurrent import solved_sentences
    summary = pd.DataFrame({"cell": ["lstm"] * 3 + ["rnn"] * 3, "seed": [0, 1, 2] * 2,
                            "solved_at": [4.0, 6.0, math.nan] + [math.nan] * 3,
                            "final_test_accuracy": [1.0, 0.99, 0.75, 0.5, 0.53, math.nan]})
    assert solved_sentences(summary, 50) == [
        "RNN: on 3 of 3 seeds it did not solve T = 50 (final test accuracy 50–53%, "
        "median 52%)",
        "LSTM: the seeds disagree (one run is one draw): on 2 of 3 seeds it solved T = 50 "
        "(test accuracy ≥ 95%), the first at epoch 4; on 1 it did not (final test "
        "accuracy 75%)"]
    assert solved_sentences(summary[summary["seed"] == 0].query("cell == 'lstm'"), 50) == [
        "LSTM: on 1 seed (seed 0) it solved T = 50 (test accuracy ≥ 95%), the first at "
        "epoch 4"]
