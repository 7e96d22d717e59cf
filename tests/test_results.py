import itertools
import json
import math

import pandas as pd
import pytest

from vgcore import ExperimentConfig, run
from vgcore.results import (compare_speeds, format_ratio, hidden_norms, layer_name,
                            level_ratio, mean_over_seeds, net_outcome, overfitting_onset,
                            speed_phrase, speed_ratio, speed_sentences)


def _layers(norms):
    return pd.DataFrame({"epoch": 0, "layer": range(1, len(norms) + 2),
                         "layer_name": [layer_name(i, len(norms) + 1)
                                        for i in range(1, len(norms) + 2)],
                         "bias_grad_norm": [*norms, 9.9]})


def test_speed_ratio_is_last_hidden_over_first_hidden():
    assert speed_ratio(_layers([0.003, 0.017, 0.070, 0.285])) == pytest.approx(95.0)
    assert speed_ratio(_layers([2.0, 1.0])) == pytest.approx(0.5)
    assert math.isnan(speed_ratio(_layers([0.0, 0.0])))


def test_overfitting_onset():
    h = pd.DataFrame({"activation": "relu", "seed": 0, "epoch": [0, 1, 2, 3] * 2,
                      "split": ["train"] * 4 + ["test"] * 4,
                      "loss": [2.0, 1.0, 0.5, 0.1, 2.0, 1.2, 1.4, 1.9], "accuracy": 0.5})
    o = overfitting_onset(h, "relu")
    assert o["best_epoch"] == 1 and o["rise"] == pytest.approx(0.7)
    assert o["gap"] == pytest.approx(1.8)
    assert math.isnan(overfitting_onset(h, "tanh")["best_epoch"])


def test_json_dict_is_valid_json_with_nulls(tiny_config):
    res = run(tiny_config)
    payload = json.loads(json.dumps(res.to_json_dict()))
    assert set(payload) == {"config", "summary", "history", "layers"}
    assert payload["summary"][0]["diverged_at"] is None
    assert payload["config"]["hidden"] == [6, 6]


def test_summary_matches_history(tiny_config):
    res = run(tiny_config)
    for row in res.summary.itertuples():
        h = res.history[(res.history.activation == row.activation)]
        test = h[h.split == "test"]
        assert row.best_test_loss == pytest.approx(test.loss.min())
        assert row.final_test_loss == pytest.approx(test[test.epoch == 2].loss.item())
        assert row.gap == pytest.approx(row.final_test_loss - row.final_train_loss)


# -- ratios in words ----------------------------------------------------------------------


@pytest.mark.parametrize("ratio,trim,text", [
    (4.0, False, "4.0×"),
    (4.0, True, "4×"),
    (1.3, True, "1.3×"),
    (9.96, False, "10.0×"),
    (120.4, False, "120×"),
    (12_000, False, "12,000×"),
    (999_999, False, "999,999×"),
    (3.4e7, False, "3.4·10⁷×"),
    (2.0e12, True, "2.0·10¹²×"),
])
def test_format_ratio(ratio, trim, text):
    """One decimal under 10 (trim drops a trailing .0), whole numbers with thousands
    separators up to a million, then a mantissa and a superscript power of ten."""
    assert format_ratio(ratio, trim=trim) == text


@pytest.mark.parametrize("ratio,text", [
    (4.0, "layer 1 learns 4.0× slower than layer 4"),
    (0.25, "layer 1 learns 4.0× faster than layer 4"),
    (120.4, "layer 1 learns 120× slower than layer 4"),
    (1 / 120.4, "layer 1 learns 120× faster than layer 4"),
    (1.04, "layer 1 learns about as fast as layer 4"),
    (1 / 1.04, "layer 1 learns about as fast as layer 4"),
    (1.0, "layer 1 learns about as fast as layer 4"),
    (1.06, "layer 1 learns 1.1× slower than layer 4"),
])
def test_compare_speeds(ratio, text):
    """A speed ratio (last ÷ first) > 1 means the first layer learns slower, < 1 faster,
    by the larger of ratio and 1/ratio; a factor that rounds to 1.0× is 'about as fast'."""
    assert compare_speeds(ratio, "layer 1", "layer 4") == text


def test_compare_speeds_trim():
    """trim writes a whole factor without its '.0', as the CLI's table does."""
    assert compare_speeds(4.0, "a", "b", trim=True) == "a learns 4× slower than b"
    assert compare_speeds(0.25, "a", "b", trim=True) == "a learns 4× faster than b"


@pytest.mark.parametrize("ratio,last_layer,text", [
    (math.inf, 4, "layer 1 gets no gradient at all (layer 4 does)"),
    (0.0, 4, "layer 4 gets no gradient at all (layer 1 does)"),
    (math.nan, 4, "n/a"),
    (4.0, 1, "one hidden layer: nothing to compare"),
    (math.inf, 1, "one hidden layer: nothing to compare"),
    (4.0, 3, "layer 1 learns 4× slower than layer 3"),
])
def test_speed_phrase_edge_cases(ratio, last_layer, text):
    """A summary's speed ratio in words: inf (layer 1 gets nothing), 0 (the last layer
    gets nothing), NaN, and a single hidden layer each have their own phrase."""
    assert speed_phrase(ratio, last_layer) == text


def _two_nets_layers() -> pd.DataFrame:
    """Sigmoid and ReLU, 2 seeds, 3 epochs, 3 hidden layers + output. Sigmoid: norm
    10^(l-4), so last/first hidden = 100. ReLU: the first layer's norm is 4× the last's."""
    rows = []
    for act, seed, epoch, layer in itertools.product(["sigmoid", "relu"], [0, 1], [0, 1, 2],
                                                     [1, 2, 3, 4]):
        norm = 10.0 ** (layer - 4) if act == "sigmoid" else \
            {1: 0.4, 2: 0.2, 3: 0.1, 4: 1.0}[layer]
        rows.append({"activation": act, "seed": seed, "epoch": epoch, "layer": layer,
                     "layer_name": layer_name(layer, 4), "bias_grad_norm": norm})
    return pd.DataFrame(rows)


def test_speed_sentences():
    """A list of sentences (pages print them as bullets), registry order, display names."""
    layers = _two_nets_layers()
    assert speed_sentences(layers) == [
        "sigmoid: on 2 of 2 seeds hidden layer 1 learns 100× slower than hidden layer 3",
        "ReLU: on 2 of 2 seeds hidden layer 1 learns 4.0× faster than hidden layer 3"]
    assert speed_sentences(layers.assign(bias_grad_norm=math.nan)) == []


def test_speed_sentences_edge_cases():
    layers = _two_nets_layers()
    flat = layers.assign(bias_grad_norm=0.5)
    assert "about as fast as" in speed_sentences(flat)[0]
    dead = layers.copy()
    dead.loc[dead["layer"] == 1, "bias_grad_norm"] = 0.0
    assert speed_sentences(dead)[0] == \
        "sigmoid: on 2 of 2 seeds hidden layer 1 gets no gradient at all, so it does not learn"
    one = layers[layers["layer"].isin([1, 4])]
    assert "only one hidden layer" in speed_sentences(one)[1]
    with pytest.raises(ValueError, match="epoch: 99 is not in the data"):
        speed_sentences(layers, epoch=99)


# -- one net's outcome --------------------------------------------------------------------

def _history(train_loss, test_loss=None, accuracy=True):
    """One net's history, rows deliberately in reverse epoch order."""
    rows = [{"epoch": e, "split": "train", "loss": v, "accuracy": 0.5 + e / 10}
            for e, v in enumerate(train_loss)]
    rows += [{"epoch": e, "split": "test", "loss": v, "accuracy": 0.4 + e / 10}
             for e, v in enumerate(test_loss or [])]
    frame = pd.DataFrame(rows[::-1]).assign(activation="relu", seed=0)
    return frame if accuracy else frame.drop(columns="accuracy")


def test_net_outcome():
    """Finals are the last epoch's values (whatever the row order); the best-test epoch is
    the test loss's argmin, the rise is how far the final test loss sits above that best,
    the gap is final test minus final training loss; last_epoch is the last trained."""
    o = net_outcome(_history([2.0, 1.0, 0.5, 0.1], [2.0, 1.2, 1.4, 1.9]))
    assert o == pytest.approx({
        "final_train_loss": 0.1, "final_test_loss": 1.9, "final_train_accuracy": 0.8,
        "final_test_accuracy": 0.7, "best_test_epoch": 1.0, "best_test_loss": 1.2,
        "rise": 0.7, "gap": 1.8, "last_epoch": 3.0})


def test_net_outcome_ties_pick_the_earliest_epoch():
    """On a tie the best-test epoch is the earliest (where early stopping would stop)."""
    o = net_outcome(_history([2.0, 1.0, 0.5, 0.4], [2.0, 1.0, 1.5, 1.0]))
    assert o["best_test_epoch"] == 1.0 and o["rise"] == pytest.approx(0.0)


def test_net_outcome_without_a_test_split_is_nan_there():
    """Without test rows every test-derived number is NaN; the training finals remain."""
    o = net_outcome(_history([2.0, 1.0]))
    assert o["final_train_loss"] == 1.0 and o["final_train_accuracy"] == pytest.approx(0.6)
    assert o["last_epoch"] == 1.0
    for key in ("final_test_loss", "final_test_accuracy", "best_test_epoch",
                "best_test_loss", "rise", "gap"):
        assert math.isnan(o[key]), key
    empty = _history([2.0], [1.0]).iloc[:0]
    assert all(math.isnan(v) for v in net_outcome(empty).values())


def test_net_outcome_of_a_loss_only_frame():
    """A chart may pass losses without accuracies: the accuracies are NaN, the rest holds."""
    o = net_outcome(_history([2.0, 1.0], [2.0, 1.5], accuracy=False))
    assert math.isnan(o["final_train_accuracy"]) and math.isnan(o["final_test_accuracy"])
    assert o["best_test_epoch"] == 1.0 and o["gap"] == pytest.approx(0.5)


# -- means over seeds ---------------------------------------------------------------------

def test_mean_over_seeds_counts_seeds():
    """mean_over_seeds averages the values per key; count_seeds adds n_seeds, the number
    of distinct seeds behind each mean."""
    frame = pd.DataFrame({"activation": ["relu"] * 4 + ["tanh"] * 2,
                          "seed": [0, 1, 2, 0, 0, 0],
                          "epoch": [0, 0, 0, 1, 0, 1],
                          "loss": [1.0, 2.0, 6.0, 5.0, 7.0, 8.0]})
    out = mean_over_seeds(frame, ["activation", "epoch"], ["loss"], count_seeds=True)
    assert list(out.columns) == ["activation", "epoch", "loss", "n_seeds"]
    got = {(r.activation, r.epoch): (r.loss, r.n_seeds) for r in out.itertuples()}
    assert got == {("relu", 0): (3.0, 3), ("relu", 1): (5.0, 1),
                   ("tanh", 0): (7.0, 1), ("tanh", 1): (8.0, 1)}
    plain = mean_over_seeds(frame, ["activation", "epoch"], ["loss"])
    assert "n_seeds" not in plain and list(plain["loss"]) == list(out["loss"])


# -- the summary's ratios are the analyses' -----------------------------------------------

@pytest.fixture(scope="module")
def two_seed_result():
    return run(ExperimentConfig(dataset="xor", train_size=48, test_size=16,
                                hidden=(5, 5, 5), activations=("sigmoid", "relu"),
                                epochs=1, batch_size=16, n_seeds=2))


def test_summary_speed_ratio_is_speed_ratio_of_the_nets_rows(two_seed_result):
    """Each summary row's speed_ratio is `speed_ratio` of that net's layer rows: its last
    hidden layer's epoch-0 bias-gradient norm over its first's."""
    res = two_seed_result
    assert len(res.summary) == 4
    for row in res.summary.itertuples():
        rows = res.layers[(res.layers.activation == row.activation)
                          & (res.layers.seed == row.seed)]
        assert row.speed_ratio == speed_ratio(rows)
        first = rows[(rows.epoch == 0) & (rows.layer == 1)].bias_grad_norm.item()
        last = rows[(rows.epoch == 0) & (rows.layer == 3)].bias_grad_norm.item()
        assert row.speed_ratio == pytest.approx(last / first)


def test_level_ratio_is_the_ratio_of_seed_mean_norms(two_seed_result):
    """level_ratio is the speed ratio of the seed-averaged net: the mean over seeds of the
    last hidden layer's norm over the mean of the first's (not a mean of ratios)."""
    layers = two_seed_result.layers
    for activation in ("sigmoid", "relu"):
        at0 = layers[(layers.activation == activation) & (layers.epoch == 0)]
        means = at0.groupby("layer").bias_grad_norm.mean()
        assert level_ratio(layers, activation) == pytest.approx(means[3] / means[1])
        norms = hidden_norms(layers, activation)
        assert list(norms.index) == [1, 2, 3]
        assert norms.to_numpy() == pytest.approx(means[[1, 2, 3]].to_numpy())
    single = layers[layers.layer.isin([1, 4])]      # one hidden layer left: nothing to compare
    assert math.isnan(level_ratio(single, "relu"))


def test_drift_sentences_say_how_far_the_top_layer_moved():
    """Glorot & Bengio fig. 2 in numbers: the top hidden layer's mean activation at the
    first and last epoch (mean over seeds), and the span of the layers below."""
    from vgcore.results import drift_sentences
    rows = []
    for seed, top_end in ((0, 0.30), (1, 0.36)):
        for epoch, top in ((0, 0.5), (20, top_end)):
            for layer, value in ((1, 0.5), (2, 0.52), (3, top)):
                rows.append({"activation": "sigmoid", "seed": seed, "epoch": epoch,
                             "layer": layer, "layer_name": layer_name(layer, 4),
                             "act_mean": value})
            rows.append({"activation": "sigmoid", "seed": seed, "epoch": epoch, "layer": 4,
                         "layer_name": "output", "act_mean": 0.1})
    assert drift_sentences(pd.DataFrame(rows)) == [
        "sigmoid: on 2 of 2 seeds the top hidden layer's mean activation fell from 0.50 "
        "to 0.30–0.36 in 20 epochs (median 0.33); the layers below from 0.50–0.52 to "
        "0.50–0.52"]
    assert drift_sentences(pd.DataFrame(rows).query("epoch == 0")) == []


def test_units_add_up_to_the_layer_norms(tiny_config):
    """res.units: every hidden and output unit's signed bias gradient at the histogram
    epochs; per (activation, seed, epoch, layer) the root of the sum of squares is the
    layer's bias-gradient norm (the network picture's data)."""
    import numpy as np
    from vgcore.results import UNIT_COLUMNS
    res = run(tiny_config.replace(n_seeds=2))
    units = res.units
    assert list(units.columns) == UNIT_COLUMNS
    assert set(units["epoch"]) == set(res.histograms["epoch"])
    widths = dict(zip(range(1, 4), (*tiny_config.hidden, 2)))
    keys = ["activation", "seed", "epoch", "layer"]
    counted = units.groupby(keys)["unit"].count()
    assert all(n == widths[k[3]] for k, n in counted.items())
    norms = units.groupby(keys)["bias_grad"].apply(lambda g: float(np.sqrt((g ** 2).sum())))
    layers = res.layers.set_index(keys)["bias_grad_norm"]
    for key, norm in norms.items():
        assert norm == pytest.approx(layers[key], rel=1e-5, abs=1e-9)
    assert units["layer_name"].isin(["hidden 1", "hidden 2", "output"]).all()


def test_edges_are_a_bounded_frame_at_the_units_epochs(tiny_config):
    """res.edges: the network picture's edges (between the drawn units) at the epochs of
    res.units, at most nets × epochs × probes.edges_per_net rows; the signed weights of
    the last epoch are the trained model's (checked against the units' layer norms'
    source, the probe, in tests/test_probes.py)."""
    from vgcore.config import layer_sizes
    from vgcore.probes import edges_per_net
    from vgcore.results import EDGE_COLUMNS
    res = run(tiny_config.replace(n_seeds=2, hidden=(20, 6)))
    edges = res.edges
    assert list(edges.columns) == EDGE_COLUMNS
    assert set(edges["epoch"]) == set(res.units["epoch"])
    sizes = layer_sizes(res.config)                    # (2, 20, 6, 2)
    per_net = edges_per_net(sizes)
    assert per_net == 2 * 16 + 16 * 6 + 6 * 2
    counts = edges.groupby(["activation", "seed", "epoch"], observed=True).size()
    assert (counts == per_net).all() and len(counts) == 2 * 2 * len(set(edges["epoch"]))
    assert set(edges.loc[edges["layer"] == 3, "layer_name"]) == {"output"}
    assert edges[["weight", "weight_grad"]].notna().all().all()
    # summing the squared ∂C/∂w of the 6 → 2 output layer (all drawn) gives ‖∂C/∂W‖
    out = edges[edges["layer"] == 3].groupby(["activation", "seed", "epoch"], observed=True)
    norms = out["weight_grad"].apply(lambda g: float((g.astype(float) ** 2).sum() ** 0.5))
    layers = res.layers[res.layers["layer"] == 3].set_index(
        ["activation", "seed", "epoch"])["weight_grad_norm"]
    for key, norm in norms.items():
        assert norm == pytest.approx(layers[key], rel=1e-4, abs=1e-9)


def test_unit_epochs_bound_the_edges_too():
    """A deep, many-net run keeps the picture's numbers at fewer epochs, so res.edges
    stays within MAX_EDGE_ROWS (never fewer than epoch 0 and the last)."""
    from vgcore import ExperimentConfig
    from vgcore.config import layer_sizes
    from vgcore.probes import edges_per_net
    from vgcore.train import MAX_EDGE_ROWS, members_of, unit_epochs
    cfg = ExperimentConfig(dataset="digits", hidden=(32,) * 12, epochs=60, n_seeds=3,
                           activations=("sigmoid", "tanh", "relu"))
    kept = unit_epochs(cfg)
    rows = len(members_of(cfg)) * len(kept) * edges_per_net(layer_sizes(cfg))
    assert {0, 60} <= kept and len(kept) < 21 and rows <= MAX_EDGE_ROWS


def test_layer_factors_multiply_to_the_first_layers_share():
    """Each hidden layer's factor is its norm ÷ the layer above's; the running product
    from the output down is layer 1's norm ÷ the output's (the chain-rule calculator's
    product, measured)."""
    from vgcore.results import factor_sentences, layer_factors
    layers = _layers([0.003, 0.017, 0.070, 0.285]).assign(activation="sigmoid", seed=0)
    f = layer_factors(layers)
    assert list(f["layer"]) == [4, 3, 2, 1]
    assert f["factor"].iloc[0] == pytest.approx(0.285 / 9.9)
    assert f["product"].iloc[-1] == pytest.approx(0.003 / 9.9)
    assert factor_sentences(layers) == [
        "sigmoid: ×0.029 · ×0.25 · ×0.24 · ×0.18 on the way down, so on 1 seed (seed 0) "
        "hidden layer 1 gets 1/3,300 of the output layer's gradient"]
    grown = layers.assign(bias_grad_norm=[0.9, 0.3, 0.1, 0.05, 0.01])
    assert factor_sentences(grown)[0].endswith("gets 90× the output layer's gradient")
    # Nielsen's one-path factor beside it: the layer's mean |w·f'(z)| and its product
    assert f["wfprime_mean"].isna().all()                # this frame has none
    paths = layers.assign(wfprime_mean=[0.04, 0.05, 0.1, 0.2, float("nan")])
    f = layer_factors(paths)
    assert f["wfprime_mean"].tolist() == [0.2, 0.1, 0.05, 0.04]
    assert f["wfprime_product"].iloc[-1] == pytest.approx(0.2 * 0.1 * 0.05 * 0.04)
    assert f["factor"].tolist() == layer_factors(layers)["factor"].tolist()


# ---------------------------------------------------------------------------------------
# Lesson words: why a net diverged, whether it left chance, Nielsen's λ
# ---------------------------------------------------------------------------------------
from vgcore.results import (best_test_epochs, chance_sentences,  # noqa: E402
                            divergence_cause, left_chance, nielsen_lambda,
                            weight_decay_sentence)

EXPLODING_NET = dict(dataset="digits", train_size=300, test_size=100, hidden=(64,) * 10,
                     batch_size=32, epochs=2)


def test_divergence_cause_names_the_init_when_the_untrained_net_had_exploded():
    """The exploding page at η = 0.001: ReLU with N(0, 1) weights still diverges, because
    its gradient had exploded at initialisation, before any step: a smaller learning rate
    is the wrong advice, a scaled init the right one."""
    res = run(ExperimentConfig(activations=("relu",), init="normal", lr=0.001,
                               **EXPLODING_NET))
    assert not res.diverged().empty
    cause = divergence_cause(res, "relu")
    assert cause is not None
    assert "initialisation (epoch 0)" in cause and "He / Kaiming for ReLU" in cause
    assert "hidden layer 10's" in cause and "10⁶×" in cause


def test_divergence_cause_cannot_blame_a_well_initialised_net():
    """He init and a huge step: the untrained net was fine (layers level), so the cause
    is the step, and the function says nothing (the generic advice stands)."""
    res = run(ExperimentConfig(activations=("relu",), init="he", lr=3.0, **EXPLODING_NET))
    assert not res.diverged().empty
    assert 0.1 < float(res.summary["speed_ratio"].iloc[0]) < 10
    assert divergence_cause(res, "relu") is None


def _accuracy_history(accuracies: list[float], activation: str = "sigmoid", seed: int = 0):
    rows = [{"activation": activation, "seed": seed, "epoch": e, "split": split,
             "loss": 2.3, "accuracy": a} for e, a in enumerate(accuracies)
            for split in ("train", "test")]
    return pd.DataFrame(rows)


def test_left_chance_needs_a_quarter_of_the_way_from_chance_to_perfect():
    assert not left_chance(_accuracy_history([0.10, 0.19, 0.10, 0.134]), 10)
    assert left_chance(_accuracy_history([0.10, 0.12, 0.40]), 10)
    assert not left_chance(_accuracy_history([0.5, 0.6]), 2)          # 2 classes: 62.5% needed
    assert left_chance(_accuracy_history([0.5, 0.7]), 2)


def test_chance_sentences_and_best_epochs_skip_a_net_that_never_left_chance():
    """Lesson 4's sigmoid at chance all along got 'best test epoch 19': a net that never
    left chance gets no epoch and a sentence with its measured accuracies."""
    history = pd.concat([_accuracy_history([0.10, 0.19, 0.10], seed=0),
                         _accuracy_history([0.10, 0.12, 0.11], seed=1),
                         _accuracy_history([0.10, 0.60, 0.90], activation="relu")])
    sentences = chance_sentences(history, 10)
    assert sentences == ["sigmoid never left chance on 2 of 2 seeds: its test accuracy "
                         "stayed at 10–19% (chance is 10%), so it has no best test epoch: "
                         "its test loss only drifted."]
    summary = pd.DataFrame({"activation": ["sigmoid", "sigmoid", "relu"], "seed": [0, 1, 0],
                            "best_test_epoch": [2.0, 1.0, 2.0]})
    best = best_test_epochs(summary, history, 10)
    assert best.isna().tolist() == [True, True, False] and best.iloc[2] == 2.0


def test_nielsens_lambda_is_weight_decay_times_the_training_set():
    """Nielsen's L2 adds (λ/n)·w to the gradient, torch's weight decay wd·w: λ = wd·n."""
    assert nielsen_lambda(0.0001, 1000) == pytest.approx(0.1)
    text = weight_decay_sentence(0.001, 1000)
    assert "his λ = 0.1 is weight decay 0.0001" in text and "his λ = 1." in text
    assert "This run" not in weight_decay_sentence(0.0, 1000)


def test_weight_decay_is_torchs_gradient_term():
    """The relation the sentence states, checked on the optimizer itself: one SGD step
    with weight decay wd shrinks w by η·wd·w beyond the loss's gradient."""
    import torch
    from vgcore.optimizers import OPTIMIZERS
    w = torch.nn.Parameter(torch.tensor([2.0]))
    opt = OPTIMIZERS["sgd"].build([w], 0.5, 0.0, 0.01)
    w.grad = torch.zeros(1)
    opt.step()
    assert w.item() == pytest.approx(2.0 * (1 - 0.5 * 0.01))


# ---------------------------------------------------------------------------------------
# Counts across seeds: every claim says on how many seeds it held
# ---------------------------------------------------------------------------------------
from vgcore.results import (DISAGREE, diverged_phrase, median, of_seed,  # noqa: E402
                            on_seeds, seeds_of, seeds_text, speed_counts, spread_range,
                            spread_text)


def test_one_helper_writes_the_seed_count_with_its_plural():
    assert seeds_text(1) == "1 seed" and seeds_text(3) == "3 seeds"
    assert on_seeds(3, 3) == "on 3 of 3 seeds" and on_seeds(2, 3) == "on 2 of 3 seeds"
    assert on_seeds(1, 1) == "on 1 of 1 seed"
    assert on_seeds(1, 1, [4]) == "on 1 seed (seed 4)"          # one draw, named


def test_a_table_cell_is_the_middle_and_the_range_over_the_seeds():
    assert spread_text([0.81, 0.86, 0.84], "{:.0%}") == "84% (81–86%)"
    assert spread_text([0.84], "{:.0%}") == "84%"                     # one seed: one number
    assert spread_text([0.841, 0.842], "{:.0%}") == "84%"             # agree to the digits
    assert spread_text([5, 8, 6], "epoch {:.0f}") == "epoch 6 (5–8)"
    assert spread_text([100, 150, 90], format_ratio) == "100× (90–150×)"
    assert spread_text([-0.5, 0.3], "{:+.3f}") == "-0.100 (−0.500–+0.300)"
    # a diverged seed has no number: counted beside the others, never averaged in
    assert spread_text([0.5, math.nan, 0.6], "{:.0%}") == "55% (50–60%; 2 of 3 seeds)"
    assert spread_text([math.nan, math.nan], "{:.0%}") == "—"
    assert spread_range([90, 150, 120], format_ratio) == "90–150×"
    assert median([3.0, math.nan, 1.0, 2.0]) == 2.0 and math.isnan(median([]))


def _seeded_layers(first_layer: dict[int, float]) -> pd.DataFrame:
    """One activation (sigmoid), 3 hidden layers + output, one seed per key: the top
    hidden layer's norm 1, hidden layer 1's `first_layer[seed]` (NaN: diverged)."""
    rows = []
    for seed, first in first_layer.items():
        for layer, norm in ((1, first), (2, 0.5), (3, 1.0), (4, 2.0)):
            rows.append({"activation": "sigmoid", "seed": seed, "epoch": 0, "layer": layer,
                         "layer_name": layer_name(layer, 4), "bias_grad_norm": norm})
    return pd.DataFrame(rows)


def test_speed_sentences_count_the_seeds_that_agree():
    agree = _seeded_layers({0: 0.01, 1: 0.008, 2: 0.005})
    assert speed_counts(agree)["verdict"].tolist() == ["slower"] * 3
    assert speed_sentences(agree) == [
        "sigmoid: on 3 of 3 seeds hidden layer 1 learns 100–200× slower than hidden "
        "layer 3 (median 125×)"]


def test_a_level_net_is_about_as_fast_on_every_seed_whatever_the_sign_of_its_noise():
    """ReLU with He init lands at 1.1-1.5× either way from seed to seed: within 2× the
    seeds agree that the layers learn about as fast, and the range says how close."""
    level = _seeded_layers({0: 0.625, 1: 1.6, 2: 0.9})
    assert speed_counts(level)["verdict"].tolist() == ["level"] * 3
    assert speed_sentences(level) == [
        "sigmoid: on 3 of 3 seeds hidden layer 1 learns about as fast as hidden layer 3 "
        "(1.6× faster to 1.6× slower)"]


def test_speed_sentences_say_plainly_where_the_seeds_disagree():
    split = _seeded_layers({0: 0.01, 1: 0.02, 2: 4.0})
    assert speed_sentences(split) == [
        f"sigmoid: {DISAGREE}: on 2 of 3 seeds hidden layer 1 learns 50–100× slower than "
        f"hidden layer 3 (median 75×); on 1 hidden layer 1 learns 4.0× faster than "
        f"hidden layer 3"]


def test_speed_sentences_name_a_single_seed_and_leave_a_diverged_one_out():
    assert speed_sentences(_seeded_layers({7: 0.01})) == [
        "sigmoid: on 1 seed (seed 7) hidden layer 1 learns 100× slower than hidden layer 3"]
    # a seed with no finite norm (it diverged) has no number and is not counted
    gone = _seeded_layers({0: 0.01, 1: 0.01}).pipe(
        lambda f: pd.concat([f, _seeded_layers({2: math.nan}).assign(bias_grad_norm=math.nan)]))
    assert speed_counts(gone)["verdict"].tolist() == ["slower", "slower", "no number"]
    assert speed_sentences(gone) == [
        "sigmoid: on 2 of 2 seeds hidden layer 1 learns 100× slower than hidden layer 3"]


def test_factor_sentences_count_the_seeds_whose_first_layer_gets_less():
    from vgcore.results import factor_sentences
    agree = _seeded_layers({0: 0.01, 1: 0.02, 2: 0.04})
    (sentence,) = factor_sentences(agree)
    assert sentence.startswith("sigmoid: ×0.5 · ×0.5 · ×0.04 on the way down (medians of "
                               "3 seeds), so on 3 of 3 seeds hidden layer 1 gets between "
                               "1/200 and 1/50 of the output layer's gradient (median 1/100)")
    split = _seeded_layers({0: 0.01, 1: 0.02, 2: 4.0})
    (sentence,) = factor_sentences(split)
    assert f"{DISAGREE}: on 2 of 3 seeds hidden layer 1 gets between 1/200 and 1/100 " \
           f"of" in sentence and sentence.endswith("on 1 hidden layer 1 gets 2.0× the "
                                                   "output layer's gradient")


def test_drift_and_chance_sentences_count_their_seeds():
    from vgcore.results import drift_sentences
    rows = []
    for seed, top_end in ((0, 0.30), (1, 0.36), (2, 0.70)):
        for epoch, top in ((0, 0.5), (20, top_end)):
            for layer, value in ((1, 0.5), (2, top)):
                rows.append({"activation": "sigmoid", "seed": seed, "epoch": epoch,
                             "layer": layer, "layer_name": layer_name(layer, 3),
                             "act_mean": value})
    assert drift_sentences(pd.DataFrame(rows)) == [
        f"sigmoid: {DISAGREE}: on 2 of 3 seeds the top hidden layer's mean activation "
        f"fell from 0.50 to 0.30–0.36 in 20 epochs (median 0.33); on 1 the top hidden "
        f"layer's mean activation rose from 0.50 to 0.70 in 20 epochs; the layers below "
        f"from 0.50 to 0.50"]
    history = pd.concat([_accuracy_history([0.10, 0.19, 0.10], seed=0),
                         _accuracy_history([0.10, 0.60, 0.90], seed=1),
                         _accuracy_history([0.10, 0.12, 0.11], seed=2)])
    assert chance_sentences(history, 10) == [
        f"sigmoid never left chance on 2 of 3 seeds: its test accuracy stayed at 10–19% "
        f"(chance is 10%), so seeds 0, 2 have no best test epoch: their test loss only "
        f"drifted. The other 1 seed left it: {DISAGREE}."]
    assert chance_sentences(_accuracy_history([0.1, 0.1], seed=3), 10)[0].startswith(
        "sigmoid never left chance on 1 seed (seed 3): its test accuracy stayed at 10%")


def test_the_divergence_notice_counts_the_seeds_that_diverged():
    one = pd.DataFrame({"seed": [0], "diverged_at": [3.0]})
    assert diverged_phrase(one, 1) == "(seed 0) diverged at epoch 3"
    assert diverged_phrase(one, 3) == (f"diverged on 1 of 3 seeds (seed 0) at epoch 3; the "
                                       f"other 2 seeds trained: {DISAGREE}")
    both = pd.DataFrame({"seed": [0, 2], "diverged_at": [3.0, 5.0]})
    assert diverged_phrase(both, 2) == "diverged on 2 of 2 seeds (seeds 0, 2) at epochs 3, 5"


def test_a_result_cut_to_one_seed_is_that_seeds_rows(tiny_config):
    res = run(tiny_config.replace(n_seeds=2, seed=5))
    assert seeds_of(res) == [5, 6]
    six = of_seed(res, 6)
    for frame in (six.history, six.layers, six.summary, six.histograms):
        assert set(frame["seed"]) == {6}
    assert len(six.summary) == len(res.summary) // 2 and six.config == res.config


def test_beat_sentences_count_the_seeds_each_pair_went_the_best_nets_way():
    """The net with the highest median against each other one, seed by seed; a seed
    where either has no number (diverged) is not counted."""
    from vgcore.results import activation_label, beat_sentences
    summary = pd.DataFrame({
        "activation": ["sigmoid", "relu", "tanh"] * 3, "seed": [0] * 3 + [1] * 3 + [2] * 3,
        "final_test_accuracy": [0.1, 0.9, 0.8, 0.1, 0.85, 0.88, 0.5, 0.4, float("nan")]})
    assert beat_sentences(summary, "activation", activation_label) == [
        "ReLU beat tanh on 1 of 2 seeds (final test accuracy)",
        "ReLU beat sigmoid on 2 of 3 seeds (final test accuracy)"]
    assert beat_sentences(summary.iloc[:0], "activation", activation_label) == []


# The spread: min–max over a few seeds, the middle half from IQR_FROM_SEEDS on.
from vgcore.results import IQR_FROM_SEEDS, seed_band, spread_bounds, spread_name  # noqa: E402


def _seed_rows(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"epoch": 1, "seed": range(len(values)), "loss": values})


def test_a_band_over_a_few_seeds_is_their_median_and_whole_range():
    band = seed_band(_seed_rows([3.0, 1.0, 2.0, 10.0]), ["epoch"], "loss")
    assert band.iloc[0][["loss", "loss_lo", "loss_hi", "n_seeds"]].tolist() == \
        [2.5, 1.0, 10.0, 4]
    assert spread_name(IQR_FROM_SEEDS - 1) == "range"


def test_a_band_over_a_rooms_seeds_is_the_interquartile_range():
    """Twelve seeds 1..12: median 6.5, quartiles 3.75 and 9.25 (linear interpolation, as
    numpy and statistics' 'inclusive'); one wild seed no longer sets the band's edge."""
    values = [float(v) for v in range(1, 12)] + [1000.0]
    band = seed_band(_seed_rows(values), ["epoch"], "loss")
    assert band.iloc[0][["loss", "loss_lo", "loss_hi", "n_seeds"]].tolist() == \
        [6.5, 3.75, 9.25, 12]
    assert spread_bounds(values) == (3.75, 9.25)
    assert spread_name(12) == "interquartile range"
    # on a log axis the quartiles are taken in log space: 10 and 1000 around 100
    logged = seed_band(_seed_rows([10.0] * 5 + [1000.0] * 5), ["epoch"], "loss", log=True)
    assert logged.iloc[0][["loss_lo", "loss_hi"]].tolist() == pytest.approx([10.0, 1000.0])
    assert logged.iloc[0]["loss"] == pytest.approx(100.0)


def test_a_table_cell_over_a_rooms_seeds_says_it_is_the_interquartile_range():
    values = [0.80 + 0.02 * i for i in range(IQR_FROM_SEEDS)] + [0.10]
    assert spread_text(values, "{:.0%}") == "88% (IQR 83–93%)"
    assert spread_text(values[:IQR_FROM_SEEDS - 1], "{:.0%}") == "88% (80–96%)"
