"""Greedy layer-wise pretraining (Hinton et al. 2006; Bengio et al. 2007): the first cure.

Before a deep net is trained as a whole, each hidden layer l = 1..L in turn is trained as
the encoder of an autoencoder: layer l itself (its weights, bias, activation, and its
batch norm when `norm="batch"`; no residual add inside the autoencoder) encodes its
input h_{l-1}, the output of the layers below it (already pretrained, computed without
gradients in the net's own forward pass, residual adds included), and a fresh decoder
reconstructs h_{l-1} under the mean squared error, with its own optimiser (Adam, see
PRETRAIN_LR) and no dropout. Then the whole net is fine-tuned as usual (vgcore.train).

The decoder is linear followed by the activation that produced its target (Bengio et al.
2007's autoencoders reconstruct through a sigmoid): h_{l-1} = f(z_{l-1}) is rebuilt as
f(D·code + d), in f's own range; where the target is not an activation's output (the
input x for layer 1, or a residual sum) the decoder stays linear. A linear decoder
throughout let the upper layers' codes collapse and the net stay at chance.

Pretraining happens before epoch 0's measurement, so in a pretrained run epoch 0 is
"initialised, ready for fine-tuning": its speed ratio at initialisation and its
accuracies are those of the pretrained net.

All members of a run are pretrained together, as one batched problem: the loss is the
sum of the members' losses and Adam is element-wise, so each net's numbers are what it
would get alone. Each seed of a run has its own batch order (a generator seeded by the
seed), shared by that seed's nets (vgcore.repeats); each net's decoder is drawn from its own generator
(`member_generator(seed, "pretrain decoder <l>")`). A net whose reconstruction error
turns NaN/Inf stops pretraining there (its gradients are zeroed) and is reported as
diverged at epoch 0.

Rows (res.pretrain): activation, seed, layer, epoch (0 = before that layer's
pretraining), recon_error (the mean squared reconstruction error on the probe batch).
"""
from __future__ import annotations

from typing import Callable

import torch

from . import inits
from .model import BatchedMLP, member_generator
from .repeats import SeedGroups

Tensor = torch.Tensor
# Pretraining's own optimiser (Adam): SGD at the fine-tuning rate barely moves the
# autoencoders in a few epochs.
PRETRAIN_LR = 3e-3
PRETRAIN_BATCH = 50         # the autoencoders' mini-batch: Nielsen's 10 takes twice the time
DECODER_INIT = "xavier"     # the decoder's weights: Glorot's normalised init, gain 1


def pretrain(model: BatchedMLP, x_train: Tensor, x_probe: Tensor, epochs: int,
             groups: SeedGroups, alive: Tensor, stop: Callable[[], bool] | None = None
             ) -> tuple[list[dict], Tensor]:
    """Pretrain every hidden layer of `model` for `epochs` epochs each, in place.

    x_train (S, N, in): each seed's training inputs; x_probe: the probe batch the
    reconstruction error is measured on, as the model takes it ((P, in) shared or
    (M, P, in)); groups: the seed of each member; alive (M,) bool:
    the nets still training. `stop()` (vgcore.train.Stop: a time cap or an abandoned
    run) is asked before every step; once true, pretraining ends at once, its rows those
    of the epochs completed. Returns (rows of res.pretrain, each with its net's index
    `member` in the model, alive after it).
    """
    model.train()
    order_gens = [member_generator(s, "pretrain", x_train.device) for s in groups.seeds]
    rows: list[dict] = []
    n_hidden = model.n_layers - 1
    for layer in range(n_hidden):
        if stop is not None and stop():
            break
        alive = _pretrain_layer(model, layer, x_train, x_probe, epochs, groups, order_gens,
                                alive, rows, stop)
    return rows, alive


def _decoder(model: BatchedMLP, layer: int) -> tuple[Tensor, Tensor]:
    """A fresh linear decoder for hidden layer `layer` (0-based): weight (M, width,
    fan_in) drawn per net from its own generator, bias (M, 1, fan_in) zeros."""
    fan_in, width = model.sizes[layer], model.sizes[layer + 1]
    w_ref = model.weights[layer]
    draws = [inits.draw_weight(DECODER_INIT, width, fan_in, 1.0,
                               member_generator(m.seed, f"pretrain decoder {layer + 1}"),
                               w_ref.dtype) for m in model.members]
    weight = torch.stack(draws).to(w_ref.device).requires_grad_(True)
    bias = torch.zeros(len(model.members), 1, fan_in, dtype=w_ref.dtype,
                       device=w_ref.device, requires_grad=True)
    return weight, bias


def _recon_errors(model: BatchedMLP, layer: int, decoder: tuple[Tensor, Tensor], x: Tensor,
                  batch_stats: bool | None) -> Tensor:
    """Each net's mean squared error reconstructing hidden layer `layer`'s input from its
    code on the inputs x: (M,). The input is computed without gradients."""
    with torch.no_grad():
        target = model.features(x, layer)                       # (M, B, fan_in)
    code = model.activate(model.pre_activation(target, layer, batch_stats))
    recon = torch.baddbmm(decoder[1], code, decoder[0])
    if _target_is_activation(model, layer):
        recon = model.activate(recon)       # each net's own activation, as made its target
    return (recon - target).pow(2).mean((1, 2))


def _target_is_activation(model: BatchedMLP, layer: int) -> bool:
    """Whether hidden layer `layer`'s input (0-based) is an activation's output f(z): not
    the data (layer 0), nor a residual sum (layers 2 and up of a residual net)."""
    return layer > 0 and not (model.residual and layer > 1)


def _pretrain_layer(model: BatchedMLP, layer: int, x_train: Tensor, x_probe: Tensor,
                    epochs: int, groups: SeedGroups, order_gens: list[torch.Generator],
                    alive: Tensor, rows: list[dict], stop: Callable[[], bool] | None
                    ) -> Tensor:
    decoder = _decoder(model, layer)
    params = [model.weights[layer], model.biases[layer], *decoder]
    if model.norms is not None:
        params.append(model.norms[layer].scale)
    optimizer = torch.optim.Adam(params, lr=PRETRAIN_LR)

    def record(epoch: int) -> None:
        nonlocal alive
        with torch.no_grad():       # the probe batch's own statistics, as in vgcore.probes
            errors = _recon_errors(model, layer, decoder, x_probe, batch_stats=True)
        alive = alive & torch.isfinite(errors)
        for m, (ok, error) in enumerate(zip(alive.tolist(), errors.tolist())):
            if ok:
                rows.append({"member": m, "activation": model.members[m].activation,
                             "seed": model.members[m].seed, "layer": layer + 1,
                             "epoch": epoch, "recon_error": error})

    record(0)
    n = x_train.shape[1]
    for epoch in range(1, epochs + 1):
        orders = torch.stack([torch.randperm(n, generator=g, device=g.device)
                              for g in order_gens])                        # (S, N)
        for idx in orders.split(PRETRAIN_BATCH, 1):                         # (S, B)
            if stop is not None and stop():
                return alive        # this epoch unfinished: no row for it
            # batch_stats None: the layer's batch norm (if any) trains as it will in
            # fine-tuning, on the batch's statistics, and learns its running ones
            losses = _recon_errors(model, layer, decoder, groups.rows(x_train, idx),
                                   batch_stats=None)
            alive = alive & torch.isfinite(losses)
            optimizer.zero_grad(set_to_none=False)
            torch.where(alive, losses, torch.zeros_like(losses)).sum().backward()
            if not bool(alive.all()):       # a diverged net's gradients: zeros, not NaN
                dead = ~alive.view(-1, 1, 1)
                for p in params:
                    p.grad.masked_fill_(dead, 0.0)
            optimizer.step()
        record(epoch)
    return alive


__all__ = ["pretrain", "PRETRAIN_LR", "PRETRAIN_BATCH"]
