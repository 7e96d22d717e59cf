"""Batch norm and residual connections (two of the historical cures) against oracles.

The batched model with `norm="batch"` and/or `residual=True` must compute, for every
member, what a plain torch module computes: nn.Linear layers, nn.BatchNorm1d after each
hidden one, the skips written out. Checked in training mode (batch statistics, the
running statistics they leave behind, the gradients) and in eval mode (running
statistics), for two members with different activations in one batched model.
Also: the fields' validation, the probe's batch statistics, divergence, the CLI, and the
toggle's link.
"""
from __future__ import annotations

import contextlib
import copy
import io
import json

import pandas as pd
import pytest
import torch
from torch import nn

from vgcore import ExperimentConfig, cli, run
from vgcore import activations as acts
from vgcore.heads import member_losses
from vgcore.model import NORMS, BatchedMLP, Member
from vgcore.probes import probe

SIZES = (5, 8, 8, 8, 3)       # 3 hidden layers of equal width (residual needs them equal)
CURES = [("batch", False), ("none", True), ("batch", True)]


class Reference(nn.Module):
    """One member of a BatchedMLP as plain torch: nn.Linear per layer, nn.BatchNorm1d
    after each hidden one (then the Linear has no bias: the norm's β is the layer's
    bias), the member's activation, and h_l = f(·) + h_{l-1} for hidden layers l ≥ 2."""

    def __init__(self, model: BatchedMLP, m: int) -> None:
        super().__init__()
        state, norms = model.member_state(m), model.member_norm_state(m)
        self.fn = acts.get(model.members[m].activation).fn
        self.residual = model.residual
        self.linears = nn.ModuleList()
        self.norms = nn.ModuleList()
        for layer, (w, b) in enumerate(state):
            hidden_with_norm = bool(norms) and layer < len(state) - 1
            lin = nn.Linear(w.shape[1], w.shape[0], bias=not hidden_with_norm)
            with torch.no_grad():
                lin.weight.copy_(w)
                if not hidden_with_norm:
                    lin.bias.copy_(b)
            self.linears.append(lin)
        for layer_state in norms:
            bn = nn.BatchNorm1d(len(layer_state["weight"]))   # momentum 0.1, eps 1e-5
            bn.load_state_dict(layer_state, strict=False)     # num_batches_tracked: 0
            self.norms.append(bn)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for layer, lin in enumerate(self.linears[:-1]):
            z = lin(h)
            if len(self.norms):
                z = self.norms[layer](z)
            a = self.fn(z)
            h = a + h if self.residual and layer > 0 else a
        return self.linears[-1](h)

    def layer_grads(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """(weight grad (out, in), bias grad) per layer: the bias is β's for a hidden
        layer with batch norm."""
        out = []
        for layer, lin in enumerate(self.linears):
            bias = lin.bias if lin.bias is not None else self.norms[layer].bias
            out.append((lin.weight.grad, bias.grad))
        return out


def _model(norm: str, residual: bool) -> BatchedMLP:
    members = (Member("sigmoid", 0), Member("relu", 1))
    return BatchedMLP(SIZES, members, bias_init="normal", norm=norm, residual=residual)


def _batch(step: int, n: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(100 + step)
    return torch.randn(n, SIZES[0], generator=g) * 2 + 0.5, torch.randint(0, 3, (n,),
                                                                          generator=g)


@pytest.mark.parametrize("norm,residual", CURES)
def test_batched_cures_equal_plain_torch_in_training_and_eval(norm, residual):
    """Three SGD steps on both: each step's logits, losses and every layer's weight and
    bias gradients (and γ's) agree, and so do the running statistics they leave; then
    eval mode (running statistics) gives the same logits as the modules' eval mode."""
    model = _model(norm, residual)
    refs = [Reference(model, m) for m in range(2)]
    opt = torch.optim.SGD(model.parameters(), lr=0.2)
    ref_opts = [torch.optim.SGD(r.parameters(), lr=0.2) for r in refs]
    for step in range(3):
        x, y = _batch(step)
        opt.zero_grad()
        logits = model(x).logits
        losses = member_losses(logits, y, "softmax_ce")
        losses.sum().backward()
        for m, (ref, ref_opt) in enumerate(zip(refs, ref_opts)):
            ref_opt.zero_grad()
            ref_logits = ref(x)
            ref_loss = nn.functional.cross_entropy(ref_logits, y)
            ref_loss.backward()
            torch.testing.assert_close(logits[m], ref_logits, rtol=1e-5, atol=1e-6)
            torch.testing.assert_close(losses[m], ref_loss, rtol=1e-5, atol=1e-6)
            for layer, (w_grad, b_grad) in enumerate(ref.layer_grads()):
                torch.testing.assert_close(model.weights[layer].grad[m].T, w_grad,
                                           rtol=1e-4, atol=1e-6)
                torch.testing.assert_close(model.biases[layer].grad[m, 0], b_grad,
                                           rtol=1e-4, atol=1e-6)
            for layer, bn in enumerate(ref.norms):
                ours = model.norms[layer]
                torch.testing.assert_close(ours.scale.grad[m, 0], bn.weight.grad,
                                           rtol=1e-4, atol=1e-6)
                torch.testing.assert_close(ours.running_mean[m, 0], bn.running_mean,
                                           rtol=1e-5, atol=1e-6)
                torch.testing.assert_close(ours.running_var[m, 0], bn.running_var,
                                           rtol=1e-5, atol=1e-6)
            ref_opt.step()
        opt.step()
    x, _ = _batch(99, 40)
    model.eval()
    with torch.no_grad():
        evaluated = model(x).logits
        for m, ref in enumerate(refs):
            ref.eval()
            torch.testing.assert_close(evaluated[m], ref(x), rtol=1e-5, atol=1e-5)
        model.train()
        assert torch.equal(model(x, batch_stats=False).logits, evaluated)
        if norm == "batch":     # batch statistics differ from the running ones
            assert not torch.allclose(model(x, batch_stats=True).logits, evaluated)


def test_batch_norm_starts_as_nn_batchnorm1d_whatever_bias_init():
    """γ = 1 and β = 0 (the hidden biases) at initialisation, running mean 0, var 1;
    the weights are the plain net's (same draws); the output bias follows bias_init."""
    plain = _model("none", False)
    normed = _model("batch", False)
    for w_plain, w_normed in zip(plain.weights, normed.weights):
        assert torch.equal(w_plain, w_normed)
    for layer, bn in enumerate(normed.norms):
        assert torch.equal(normed.biases[layer], torch.zeros_like(normed.biases[layer]))
        assert torch.equal(bn.scale, torch.ones_like(bn.scale))
        assert not bn.running_mean.any() and torch.equal(bn.running_var,
                                                         torch.ones_like(bn.running_var))
    assert torch.equal(plain.biases[-1], normed.biases[-1])


def test_parameters_and_state_with_batch_norm():
    """Parameters: weights, biases, then the scales γ; the running statistics are buffers
    in the state_dict, so a state round-trips into a fresh model; a model without the
    cures has exactly the plain parameters and no buffers."""
    model = _model("batch", True)
    names = [name for name, _ in model.named_parameters()]
    assert names == ([f"weights.{i}" for i in range(4)] + [f"biases.{i}" for i in range(4)]
                     + [f"norms.{i}.scale" for i in range(3)])
    x, y = _batch(0)
    member_losses(model(x).logits, y, "softmax_ce").sum().backward()   # moves the stats
    fresh = _model("batch", True)
    fresh.load_state_dict(model.state_dict())
    fresh.eval()
    model.eval()
    assert torch.equal(fresh(x).logits, model(x).logits)
    plain = _model("none", False)
    assert [n for n, _ in plain.named_parameters()] == names[:8]
    assert list(plain.buffers()) == []


def test_probe_uses_batch_statistics_and_leaves_the_running_ones():
    """The probe measures the gradients training computes (batch statistics of the probe
    batch) and does not touch the running statistics."""
    model = _model("batch", True)
    x, y = _batch(5, 64)
    before = [b.clone() for b in model.buffers()]
    stats = probe(model, x, y, "softmax_ce", 10).stats
    assert all(torch.equal(a, b) for a, b in zip(before, model.buffers()))
    for m in range(2):
        ref = Reference(model, m)
        nn.functional.cross_entropy(ref(x), y).backward()    # train mode: batch stats
        for layer, (w_grad, b_grad) in enumerate(ref.layer_grads()):
            assert stats[m][layer][0] == pytest.approx(float(w_grad.norm()), rel=1e-4)
            assert stats[m][layer][1] == pytest.approx(float(b_grad.norm()), rel=1e-4,
                                                       abs=1e-7)


def test_a_batch_of_one_trains_without_statistics():
    """A last mini-batch of one sample (nn.BatchNorm1d refuses it in training) trains
    without learning running statistics from it: no error, finite numbers."""
    cfg = ExperimentConfig(dataset="digits", train_size=33, test_size=20, hidden=(6, 6),
                           activations=("sigmoid", "relu"), epochs=2, batch_size=16,
                           norm="batch", residual=True)
    res = run(cfg)
    assert res.summary["diverged_at"].isna().all()
    assert res.history["loss"].notna().all()


@pytest.mark.parametrize("norm,residual,pretrain", [("batch", False, 0), ("none", True, 0),
                                                    ("batch", True, 2), ("none", False, 2)])
def test_a_nets_numbers_do_not_depend_on_the_nets_beside_it(norm, residual, pretrain):
    """tests/test_train.py's independence check with the cures on: a net's frames are
    bit-identical alone and beside other activations and seeds."""
    base = dict(dataset="moons", train_size=120, test_size=60, hidden=(12, 12), epochs=3,
                batch_size=16, dropout=0.5, bias_init="normal", noise=0.3, seed=3,
                optimizer="adam", lr=0.01, weight_decay=1e-3, grad_clip=1.0, norm=norm,
                residual=residual, pretrain_epochs=pretrain)
    alone = run(ExperimentConfig(activations=("relu",), **base))
    crowds = [run(ExperimentConfig(activations=("sigmoid", "relu", "tanh"), **base)),
              run(ExperimentConfig(activations=("relu", "leaky_relu"), n_seeds=3, **base))]
    for crowd in crowds:
        for frame in ("history", "layers", "histograms", "boundary", "units", "pretrain"):
            mine = getattr(crowd, frame)
            mine = mine[(mine["activation"] == "relu") & (mine["seed"] == 3)]
            pd.testing.assert_frame_equal(mine.reset_index(drop=True),
                                          getattr(alone, frame).reset_index(drop=True),
                                          check_exact=True, check_categorical=False)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "elu",
                                        "gelu", "silu", "linear"])
def test_every_activation_trains_with_every_cure(activation):
    """Each activation, with batch norm, residuals, pretraining and dropout, over two
    seeds: the run finishes with finite numbers (or a recorded divergence)."""
    cfg = ExperimentConfig(dataset="mnist1d", train_size=200, test_size=50,
                           hidden=(10, 10, 10), activations=(activation,), epochs=2,
                           batch_size=32, norm="batch", residual=True, pretrain_epochs=1,
                           dropout=0.2, n_seeds=2, optimizer="momentum", head="sigmoid_ce")
    res = run(cfg)
    assert len(res.pretrain) == 2 * 3 * 2
    assert res.summary["diverged_at"].isna().all()
    assert res.layers["bias_grad_norm"].notna().all()


def test_relu_with_residuals_can_diverge_and_that_is_recorded():
    """Deep ReLU with residual adds and He init, no normalisation: the activations grow
    with every skip and the net diverges; it is recorded, never raised, and a sigmoid
    net beside it trains on."""
    cfg = ExperimentConfig(dataset="mnist", train_size=1000, test_size=200,
                           activations=("sigmoid", "relu"), hidden=(30,) * 10, lr=0.1,
                           batch_size=10, epochs=2, residual=True)
    res = run(cfg)
    summary = res.summary.set_index("activation")
    assert summary.loc["relu", "diverged_at"] == 1
    assert pd.isna(summary.loc["sigmoid", "diverged_at"])
    assert summary.loc["sigmoid", "final_test_accuracy"] > 0.5


# -- declarations -----------------------------------------------------------------------

def test_field_declarations():
    """norm: a choice of the NORMS registry; residual: a bool; pretrain_epochs: [0, 20]."""
    from vgcore.config import FIELDS
    assert FIELDS["norm"].kind == "choice" and dict(FIELDS["norm"].choices) == NORMS
    assert FIELDS["residual"].kind == "bool"
    assert (FIELDS["pretrain_epochs"].lo, FIELDS["pretrain_epochs"].hi) == (0, 20)
    cfg = ExperimentConfig()
    assert (cfg.norm, cfg.residual, cfg.pretrain_epochs) == ("none", False, 0)


@pytest.mark.parametrize("changes,needles", [
    (dict(residual=True, hidden=(30, 20, 30)),
     ["residual: needs equal hidden widths, got (30, 20, 30)"]),
    (dict(residual=1), ["residual:", "True or False"]),
    (dict(residual="yes"), ["residual:", "True or False"]),
    (dict(norm="layer"), ["norm:", "none", "batch"]),
    (dict(pretrain_epochs=21), ["pretrain_epochs:", "[0, 20]"]),
    (dict(pretrain_epochs=-1), ["pretrain_epochs:", "[0, 20]"]),
    (dict(dataset="mnist", train_size=4000, test_size=1000, hidden=(200,) * 8,
          activations=("sigmoid", "tanh"), epochs=60, pretrain_epochs=20),
     ["pretrain_epochs:", "allowed at most"]),
])
def test_bad_cure_settings_are_rejected_naming_the_field(changes, needles):
    with pytest.raises(ValueError) as err:
        ExperimentConfig(**changes)
    for needle in needles:
        assert needle in str(err.value), str(err.value)


def test_model_rejects_residual_with_unequal_widths():
    with pytest.raises(ValueError, match="residual: needs equal hidden widths"):
        BatchedMLP((4, 6, 5, 2), (Member("relu", 0),), residual=True)


# -- the CLI and the app ------------------------------------------------------------------

def _cli_json(*flags: str) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = cli.main(["run", "--dataset", "xor", "--train-size", "60", "--test-size",
                         "20", "--hidden", "6,6", "--activations", "sigmoid,relu",
                         "--epochs", "2", "--quiet", "--json", *flags])
    assert code == 0
    return json.loads(out.getvalue())


def test_cli_runs_the_cures_and_prints_the_pretraining_rows():
    """`run --norm batch --residual --pretrain-epochs 2` trains; --json holds the
    pretraining rows (plain floats) only when the run was pretrained."""
    payload = _cli_json("--norm", "batch", "--residual", "--pretrain-epochs", "2")
    assert payload["config"]["norm"] == "batch" and payload["config"]["residual"] is True
    rows = payload["pretrain"]
    assert len(rows) == 2 * 2 * 3
    assert set(rows[0]) == {"activation", "seed", "layer", "epoch", "recon_error"}
    assert all(isinstance(r["recon_error"], float) for r in rows)
    assert "pretrain" not in _cli_json("--residual=false")


def test_residual_toggle_round_trips_through_the_link():
    """`?residual=true` (any case) turns the toggle on; turning it on writes
    residual=true; a bad value warns and keeps the default."""
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st

        from app import links
        from app.widgets import bound, widgets_of
        links.start("cures-test")
        st.write(f"residual={bound(widgets_of('mlp')['residual'], False)!r}")
        links.finish()

    for value, shown, warned in (("true", True, False), ("TRUE", True, False),
                                 ("false", False, False), ("maybe", False, True)):
        at = AppTest.from_function(script, default_timeout=30)
        at.query_params["residual"] = value
        at.run()
        assert not at.exception
        assert at.markdown[0].value == f"residual={shown!r}", value
        assert at.toggle[0].value is shown
        assert bool([w for w in at.warning if "residual=maybe" in w.value]) == warned
    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    at.toggle[0].set_value(True).run()
    assert at.markdown[0].value == "residual=True"
    assert at.query_params["residual"] == "true"


def test_copy_of_a_normed_model_is_independent():
    """deepcopy (what a reference or a checkpoint does) copies the running statistics."""
    model = _model("batch", False)
    twin = copy.deepcopy(model)
    x, y = _batch(1)
    member_losses(model(x).logits, y, "softmax_ce").sum().backward()
    assert not torch.equal(model.norms[0].running_mean, twin.norms[0].running_mean)
