"""`python -m vgcore recurrent`: flags and help generated from declared_fields(RecurrentConfig), outputs
equal to the library's, bad input one line and exit 2 naming the flag. In-process on tiny
sequences, plus one subprocess run for the real exit status."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from vgcore import cli
from vgcore.config import declared_fields
from vgcore.recurrent import RECURRENT, RecurrentConfig, run_recurrent

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--seq-len", "6", "--hidden", "4", "--train-size", "40", "--test-size", "20",
        "--batch-size", "20", "--epochs", "1"]
TINY_CONFIG = RecurrentConfig(seq_len=6, hidden=4, train_size=40, test_size=20,
                              batch_size=20, epochs=1)


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_equals_library_result(capsys):
    code, out, _ = run_cli(capsys, "recurrent", *TINY, "--cells", "rnn,lstm", "--json")
    assert code == 0
    data = json.loads(out)
    expected = run_recurrent(TINY_CONFIG.replace(cells=("rnn", "lstm"))).to_json_dict()
    assert data["config"] == expected["config"]
    for key in ("history", "time_grads", "summary"):
        pd.testing.assert_frame_equal(pd.DataFrame(data[key]), pd.DataFrame(expected[key]))


def test_summary_table_and_out_files(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "recurrent", *TINY, "--out", str(tmp_path / "r"))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("remember_first, T = 6: 40 train / 20 test sequences")
    assert lines[1].split()[:3] == ["cell", "test", "accuracy"]
    assert [line.split()[0] for line in lines[2:5]] == ["RNN", "LSTM", "GRU"]
    assert "step 1 gets" in lines[2]
    written = sorted(p.name for p in (tmp_path / "r").iterdir())
    assert written == sorted(cli.out_files(RECURRENT))
    grads = pd.read_csv(tmp_path / "r" / "time_grads.csv")
    assert list(grads.columns) == ["cell", "seed", "epoch", "t", "grad_norm"]
    saved = json.loads((tmp_path / "r" / "config.json").read_text())
    assert RecurrentConfig.from_dict(saved) == TINY_CONFIG
    # a saved config comes back, and a flag typed after it wins
    code, out, _ = run_cli(capsys, "recurrent", "--config",
                           str(tmp_path / "r" / "config.json"), "--cells", "gru", "--json")
    assert code == 0 and json.loads(out)["config"]["cells"] == ["gru"]


def test_every_field_is_a_flag_with_its_default_and_range_in_help(capsys):
    assert cli.main(["recurrent", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for name, fs in declared_fields(RecurrentConfig).items():
        assert cli.flag_of(name) in text
        assert fs.help in " ".join(text.split())
    assert "--seq-len INT (default: 50)" in text and "allowed [2, 200]" in text
    assert "--cells NAME,NAME,... (default: rnn,lstm,gru)" in text
    assert "comma list of: rnn, lstm, gru" in text


@pytest.mark.parametrize("args,start", [
    (["--seq-len", "1"], "error: --seq-len: 1 is out of range; allowed [2, 200]"),
    (["--cells", "rnn,transformer"], "error: --cells: unknown value 'transformer'"),
    (["--cells", "rnn,rnn"], "error: --cells: duplicate"),
    (["--task", "copying"], "error: --task: unknown value 'copying'"),
    (["--forget-bias", "x"], "error: --forget-bias: 'x' is not a number"),
    (["--hidden", "512", "--n-seeds", "5"], "error: --hidden: the run would have"),
    (["--epochs", "200", "--batch-size", "1", "--train-size", "5000"], "error: --epochs:"),
    (["--activations", "relu"], "error: unrecognized arguments: --activations relu"),
])
def test_bad_input_is_one_line_exit_2(capsys, args, start):
    code, out, err = run_cli(capsys, "recurrent", *args)
    assert code == 2 and out == ""
    assert err.startswith(start) and err.count("\n") == 1, err


def test_bad_value_in_a_config_file_names_the_file(capsys, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"seq_len": 1000}))
    code, _, err = run_cli(capsys, "recurrent", "--config", str(path))
    assert code == 2 and err.startswith(f"error: {path}: seq_len:") and err.count("\n") == 1


def test_list_shows_tasks_cells_and_recurrent_caps(capsys):
    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    assert "task:         remember_first, adding" in out
    assert "cells:        rnn, lstm, gru" in out
    assert "MAX_SEQ_LEN     200 (recurrent)" in out


def test_python_m_vgcore_recurrent_exit_status():
    proc = subprocess.run([sys.executable, "-m", "vgcore", "recurrent", "--seq-len", "0"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "error: --seq-len: 0 is out of range; allowed [2, 200]"]
