"""`python -m vgcore`: flags mirror the config, outputs match the library, bad input is
one line and exit 2. Everything runs in-process on a tiny XOR net except one subprocess
test that checks the exit status really reaches the shell."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from vgcore import ExperimentConfig, cli, run
from vgcore.mlp import MLP
from vgcore.results import speed_phrase
from vgcore import config as cfg_mod

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--dataset", "xor", "--train-size", "64", "--test-size", "32", "--hidden", "4,4",
        "--epochs", "2", "--batch-size", "16"]
TINY_CONFIG = ExperimentConfig(dataset="xor", train_size=64, test_size=32, hidden=(4, 4),
                               epochs=2, batch_size=16)


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- outputs ------------------------------------------------------------------------------

def test_json_equals_library_result(capsys):
    code, out, err = run_cli(capsys, "run", *TINY, "--json")
    assert code == 0
    data = json.loads(out)          # stdout holds the JSON and nothing else
    assert set(data) == {"config", "summary", "history", "layers"}
    assert data["config"] == TINY_CONFIG.to_dict()
    assert [row["activation"] for row in data["summary"]] == list(TINY_CONFIG.activations)
    # epochs 0..2, train + test, per activation; layers: 2 hidden + output
    assert len(data["history"]) == 4 * 3 * 2
    assert len(data["layers"]) == 4 * 3 * 3
    expected = json.loads(json.dumps(run(TINY_CONFIG).to_json_dict()))
    assert data == expected


def test_human_summary_table(capsys):
    code, out, err = run_cli(capsys, "run", *TINY)
    assert code == 0
    for name in TINY_CONFIG.activations:
        assert name in out
    assert "test accuracy" in out and "diverged at" in out
    assert " than layer 2" in out          # "layer 1 learns N× slower than layer 2"


def test_out_writes_tidy_files(capsys, tmp_path):
    folder = tmp_path / "results" / "xor"     # missing parents are created
    code, out, _ = run_cli(capsys, "run", *TINY, "--out", str(folder), "--json")
    assert code == 0
    json.loads(out)                           # --out does not pollute --json's stdout
    assert sorted(p.name for p in folder.iterdir()) == sorted(cli.out_files(MLP))
    config = ExperimentConfig.from_dict(json.loads((folder / "config.json").read_text()))
    assert config == TINY_CONFIG
    summary = pd.read_csv(folder / "summary.csv")
    assert list(summary["activation"]) == list(TINY_CONFIG.activations)
    history = pd.read_csv(folder / "history.csv")
    assert {"activation", "epoch", "split", "loss", "accuracy"} <= set(history.columns)
    assert {"layer", "weight_grad_norm", "bias_grad_norm"} <= set(
        pd.read_csv(folder / "layers.csv").columns)
    assert {"quantity", "bin_start", "count"} <= set(
        pd.read_csv(folder / "histograms.csv").columns)


def test_config_file_then_flags_override(capsys, tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**TINY_CONFIG.to_dict(), "lr": 0.5, "epochs": 2,
                                "activations": ["tanh", "relu"]}))
    code, out, _ = run_cli(capsys, "run", "--config", str(path), "--epochs", "1", "--json")
    assert code == 0
    config = json.loads(out)["config"]
    assert config["epochs"] == 1                    # the flag wins
    assert config["lr"] == 0.5                      # the file's value stays
    assert config["activations"] == ["tanh", "relu"]
    assert config["hidden"] == [4, 4]


def test_config_accepts_a_saved_json_result(capsys, tmp_path):
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"config": TINY_CONFIG.replace(epochs=0).to_dict(),
                                "summary": []}))
    code, out, _ = run_cli(capsys, "run", "--config", str(path), "--json")
    assert code == 0
    assert json.loads(out)["config"]["epochs"] == 0


def test_progress_bar_on_request_and_quiet(capsys):
    code, _, err = run_cli(capsys, "run", *TINY, "--progress", "--json")
    assert code == 0 and "epoch 2/2" in err and "ETA" in err
    code, _, err = run_cli(capsys, "run", *TINY, "--progress", "--quiet", "--json")
    assert code == 0 and err == ""


# -- flags generated from the dataclass ---------------------------------------------------

def test_every_config_field_is_a_flag_with_its_default_in_help(capsys):
    assert cli.main(["run", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())   # undo argparse's line wrapping
    for field in ExperimentConfig.__dataclass_fields__.values():
        assert cli.flag_of(field.name) in help_text
    assert "--train-size INT (default: 1000)" in help_text
    assert "(default: sigmoid,tanh,relu,leaky_relu)" in help_text
    assert "(default: 30,30,30)" in help_text


def test_list_values_are_typed(capsys):
    code, out, _ = run_cli(capsys, "run", *TINY, "--hidden", "3, 5,2", "--activations",
                           "relu,tanh", "--lr", "1", "--json")
    assert code == 0
    config = json.loads(out)["config"]
    assert config["hidden"] == [3, 5, 2] and config["activations"] == ["relu", "tanh"]
    assert config["lr"] == 1.0 and isinstance(config["lr"], float)


# -- bad input: exit 2, one line naming the flag ------------------------------------------

@pytest.mark.parametrize("args,flag", [
    (["--lr", "0"], "--lr"),
    (["--activations", "sigmoid,swish"], "--activations"),
    (["--dataset", "cifar10"], "--dataset"),
    (["--hidden", "4,0"], "--hidden"),
    (["--hidden", "4,x"], "--hidden"),
    (["--epochs", "two"], "--epochs"),
    (["--epochs", "1.5"], "--epochs"),
    (["--bogus", "1"], "--bogus"),
    (["--train-size", "60001"], "--train-size"),
    (["--dataset", "digits", "--train-size", "1790"], "--train-size"),   # over capacity
    (["--dataset", "idx", "--data-dir", "/no/such/folder"], "--data-dir"),  # from data.py
    (["--lr"], "--lr"),                                                  # missing value
])
def test_bad_input_is_one_line_exit_2(capsys, args, flag):
    code, out, err = run_cli(capsys, "run", *TINY, *args)
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("error: ") and flag in err


def test_lr_message_gives_allowed_range(capsys):
    _, _, err = run_cli(capsys, "run", "--lr", "0")
    assert err == "error: --lr: 0.0 is out of range; allowed (0.0, 1000.0]\n"


def test_bad_value_in_config_file_names_the_file(capsys, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"lr": -1}))
    code, _, err = run_cli(capsys, "run", "--config", str(path))
    assert code == 2 and str(path) in err and "lr:" in err and err.count("\n") == 1
    path.write_text("{not json")
    code, _, err = run_cli(capsys, "run", "--config", str(path))
    assert code == 2 and "--config" in err and err.count("\n") == 1


def test_missing_command_is_one_line(capsys):
    code, out, err = run_cli(capsys)
    assert code == 2 and out == "" and err.count("\n") == 1


def test_library_value_error_and_interrupt(capsys, monkeypatch):
    import dataclasses

    from vgcore.kinds import KINDS

    def bad_run(config, on_epoch=None):
        raise ValueError("data_dir: something\nwent wrong")
    monkeypatch.setitem(KINDS, "mlp", dataclasses.replace(MLP, train=bad_run))
    code, _, err = run_cli(capsys, "run", *TINY)
    assert code == 2 and err == "error: --data-dir: something went wrong\n"

    def interrupted(config, on_epoch=None):
        raise KeyboardInterrupt
    monkeypatch.setitem(KINDS, "mlp", dataclasses.replace(MLP, train=interrupted))
    code, out, err = run_cli(capsys, "run", *TINY)
    assert (code, out, err) == (130, "", "")


def test_version(capsys):
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0 and out.startswith("vgcore ")


# -- list ---------------------------------------------------------------------------------

def test_list_shows_choices_and_caps(capsys):
    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    for name in (*cfg_mod.FIELDS["dataset"].choices, *cli.CHOICES["activations"],
                 *cfg_mod.FIELDS["init"].choices, *cfg_mod.FIELDS["head"].choices,
                 *cfg_mod.FIELDS["optimizer"].choices):
        assert name in out
    for cap in (n for n in vars(cfg_mod) if n.startswith("MAX_")):
        assert cap in out
    assert "MAX_DEPTH       20" in out


@pytest.mark.parametrize("ratio,depth,text", [
    (120.0, 4, "layer 1 learns 120× slower than layer 4"),
    (0.25, 3, "layer 1 learns 4× faster than layer 3"),
    (float("nan"), 3, "n/a"),
    (5.0, 1, "one hidden layer: nothing to compare"),
])
def test_speed_phrase(ratio, depth, text):
    assert speed_phrase(ratio, depth) == text


# -- the real command line ----------------------------------------------------------------

def test_python_m_vgcore_exit_status():
    proc = subprocess.run([sys.executable, "-m", "vgcore", "run", "--lr", "0"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "error: --lr: 0.0 is out of range; allowed (0.0, 1000.0]"]
