import json
import math

import pandas as pd
import pytest

from vgcore import run
from vgcore.results import layer_name, overfitting_onset, speed_ratio


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
