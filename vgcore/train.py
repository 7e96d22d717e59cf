"""The training loop: every activation (and seed) of a config trained as one batched model.

Repeat k of a run with seed s is the run with seed s + k alone (vgcore.repeats): each
seed has its own data set, batch order, probe batch and random draws; the nets of one
seed (its activations) see the same data and the same batches. A member whose loss turns
NaN/Inf is frozen and its divergence epoch recorded; the others train on. Results are
plain-float records (see results.py), never tensors.

Configs that differ only in what a net carries on its own (`PER_MEMBER_FIELDS`: its
activations, init scheme, gradient clipping) train together as members of one batched
model (`run_many`), each result number for number its config's run alone.
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Callable, Hashable, Iterator, Sequence

import numpy as np
import torch

from . import data as data_mod
from .config import MAX_STEP_VALUES, ExperimentConfig, check_nets, layer_sizes
from .heads import member_losses, outputs
from .model import BatchedMLP, Member, member_generator
from .optimizers import make_optimizer
from .pretrain import pretrain
from .repeats import SeedGroups, order_generators, seed_minibatches, seeds_of
from .probes import DIVERGENCE_STATS, PROBE_SIZE, STATS, edges_per_net, probe
from .results import Records, Result, build_result

Tensor = torch.Tensor
EVAL_CHUNK = 4096           # samples per forward pass when evaluating a whole split
MAX_HIST_EPOCHS = 21        # histograms kept at ≤ this many epochs (always 0 and the last)
MAX_UNIT_ROWS = 200_000     # per-unit rows of a run (res.units): wide, deep, many-net runs
#                             keep them at fewer epochs (always 0 and the last)
MAX_EDGE_ROWS = 100_000     # per-edge rows of a run (res.edges), likewise: ≤ members ×
#                             epochs × probes.edges_per_net (Σ drawn_in × drawn_out)
BOUNDARY_GRID = 60          # decision-boundary grid points per axis (2-D data sets)
# Intra-op threads for a run: a second thread gains nothing on these tiny nets, and on busy
# cores an oversubscribed pool is far slower; one each lets 2 cores train 2 runs at once.
DEFAULT_THREADS = 1
# How often a run asks its `should_stop()` (it may take a lock); the time cap, a clock
# read, is checked at every step.
SHOULD_STOP_EVERY_S = 0.05
# A measurement under way at a stop is finished if it has run less than this, so a run
# capped at 0 s still reports its untrained net; a longer one is cut at its next chunk.
MEASURE_GRACE_S = 0.25
_DIVERGENCE = tuple(STATS.index(name) for name in DIVERGENCE_STATS)    # in a stats row
# What a member of the batched model holds on its own: configs differing only in these
# train together (`run_many`). Everything else (data, seeds, sizes, optimizer, the
# forward pass's batch norm and residuals) the members share.
PER_MEMBER_FIELDS = ("activations", "init", "grad_clip")


class Stopped(Exception):
    """Raised inside a run when its Stop fires, caught by the run itself."""


class Stop:
    """Whether a run must end now: its time cap has passed or `should_stop()` said so.
    Asked between steps and evaluation chunks (the config's MAX_STEP_WORK and
    MAX_STEP_VALUES bound a step), so a run ends within a step of either. Once it fires
    it stays fired."""

    def __init__(self, started: float, max_seconds: float | None = None,
                 should_stop: Callable[[], bool] | None = None) -> None:
        self.deadline = None if max_seconds is None else started + max_seconds
        self.should_stop = should_stop
        self.asked = started
        self.fired = False

    def __call__(self) -> bool:
        if self.fired:
            return True
        now = time.perf_counter()
        if self.deadline is not None and now > self.deadline:
            self.fired = True
        elif self.should_stop is not None and now - self.asked >= SHOULD_STOP_EVERY_S:
            self.asked = now
            self.fired = bool(self.should_stop())
        return self.fired

    def check(self) -> None:
        """Raise Stopped if the run must end."""
        if self():
            raise Stopped

    def measuring(self) -> Callable[[], None]:
        """The check for a measurement beginning now: it raises Stopped once the run must
        end and the measurement has run MEASURE_GRACE_S."""
        began = time.perf_counter()

        def check() -> None:
            if self() and time.perf_counter() - began > MEASURE_GRACE_S:
                raise Stopped
        return check


@dataclass(frozen=True)
class Progress:
    """Passed to `on_epoch` after each epoch (and after epoch 0, the untrained net)."""
    epoch: int
    epochs: int
    elapsed_s: float
    config: ExperimentConfig
    records: Records

    @property
    def eta_s(self) -> float:
        """Seconds left, from the mean time of the epochs done so far."""
        if self.epoch <= 0:
            return float("nan")
        return self.elapsed_s / self.epoch * (self.epochs - self.epoch)

    def partial(self) -> Result:
        """The result so far, for charts that fill in while training runs."""
        return build_result(self.config, self.records, self.elapsed_s, finished=False)


def hist_epochs(epochs: int, most: int = MAX_HIST_EPOCHS) -> set[int]:
    """Epochs at which histograms are kept: all when few, else evenly spaced + ends."""
    if epochs + 1 <= most:
        return set(range(epochs + 1))
    return {int(round(e)) for e in np.linspace(0, epochs, max(most, 2))}


def unit_epochs(config: ExperimentConfig) -> set[int]:
    """Epochs at which every unit's (and the picture's edges') numbers are kept: the
    histogram epochs, fewer when a run has so many units that res.units would pass
    MAX_UNIT_ROWS, or so many drawn edges that res.edges would pass MAX_EDGE_ROWS (never
    fewer than epoch 0 and the last)."""
    nets = len(members_of(config))
    per_epoch = nets * (sum(config.hidden) + layer_sizes(config)[-1])
    edges_per_epoch = nets * edges_per_net(layer_sizes(config))
    return hist_epochs(config.epochs, min(MAX_HIST_EPOCHS, MAX_UNIT_ROWS // per_epoch,
                                          MAX_EDGE_ROWS // edges_per_epoch))


def minibatches(n: int, batch_size: int, generator: torch.Generator) -> Iterator[Tensor]:
    """One epoch's minibatch indices: a fresh permutation of range(n) drawn from
    `generator` (on its device), cut into batches of `batch_size` (the last may be short)."""
    order = torch.randperm(n, generator=generator, device=generator.device)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def members_of(config: ExperimentConfig) -> tuple[Member, ...]:
    return tuple(Member(a, config.seed + s) for a in config.activations
                 for s in range(config.n_seeds))


def run(config: ExperimentConfig, on_epoch: Callable[[Progress], None] | None = None,
        device: str = "cpu", threads: int | None = DEFAULT_THREADS,
        max_seconds: float | None = None,
        should_stop: Callable[[], bool] | None = None) -> Result:
    """Train every activation × seed of `config`; return a Result of DataFrames.

    `on_epoch(progress)` is called after epoch 0 (the untrained net) and every epoch.
    Same config -> identical numbers. `threads` sets torch's intra-op thread count
    (process-wide; None leaves it alone). `max_seconds` caps the wall time;
    `should_stop()`, asked at most every SHOULD_STOP_EVERY_S, says nobody needs the run
    any more. Either ends it at once, between two steps (of pretraining too) or
    evaluation chunks, and returns what was measured so far, `result.stopped_at` the
    last epoch fully trained and measured (-1: not even the untrained net). A shared
    server's guards; the config caps bound the work of a run and of one step.
    """
    return run_many([config], on_epoch, device, threads, max_seconds, should_stop)[0]


def batch_key(config: ExperimentConfig) -> Hashable:
    """Equal for configs that `run_many` trains together: every field but
    PER_MEMBER_FIELDS, and the epochs whose per-unit numbers a run keeps (those depend
    on how many nets it has)."""
    if not isinstance(config, ExperimentConfig):
        raise ValueError("config: expected an ExperimentConfig")
    shared = tuple((f.name, getattr(config, f.name)) for f in dataclasses.fields(config)
                   if f.name not in PER_MEMBER_FIELDS)
    return shared, tuple(sorted(unit_epochs(config)))


def batches(configs: Sequence[ExperimentConfig]) -> list[list[int]]:
    """Which of `configs` `run_many` trains together: lists of their indices, one per
    `batch_key` in order of first appearance, a list cut where its nets together would
    pass a run's caps: vgcore.config.check_nets, and what bounds a run's memory (a
    server's is small): the probe's values (`probe_values`, its activations and
    gradients: a run's largest tensors) within MAX_STEP_VALUES, the per-unit and
    per-edge rows it keeps within MAX_UNIT_ROWS and MAX_EDGE_ROWS."""
    out: list[list[int]] = []
    open_by_key: dict[Hashable, tuple[list[int], int]] = {}     # key -> (batch, its nets)
    for i, config in enumerate(configs):
        key, nets = batch_key(config), len(members_of(config))
        batch, total = open_by_key.get(key, (None, 0))
        if batch is not None:
            try:
                check_nets(config, total + nets)
                if not _fits_one_run(config, total + nets):
                    batch = None
            except ValueError:
                batch = None
        if batch is None:
            batch, total = [], 0
            out.append(batch)
        batch.append(i)
        open_by_key[key] = (batch, total + nets)
    return out


def probe_values(config: ExperimentConfig, nets: int) -> int:
    """Unit values of one probe of `nets` nets of `config`'s shape: nets × probe batch ×
    (hidden units + outputs)."""
    return nets * min(PROBE_SIZE, config.train_size) * sum(layer_sizes(config)[1:])


def _fits_one_run(config: ExperimentConfig, nets: int) -> bool:
    """Whether `nets` nets of `config`'s shape, keeping its epochs' per-unit and per-edge
    numbers, stay within what bounds one run's memory (`batches`)."""
    sizes = layer_sizes(config)
    epochs = len(unit_epochs(config))
    return (probe_values(config, nets) <= MAX_STEP_VALUES
            and nets * epochs * sum(sizes[1:]) <= MAX_UNIT_ROWS
            and nets * epochs * edges_per_net(sizes) <= MAX_EDGE_ROWS)


def run_many(configs: Sequence[ExperimentConfig],
             on_epoch: Callable[[Progress], None] | None = None, device: str = "cpu",
             threads: int | None = DEFAULT_THREADS, max_seconds: float | None = None,
             should_stop: Callable[[], bool] | None = None) -> list[Result]:
    """Train configs of one `batch_key` as members of one batched model: their results,
    in order, each the one `run(config)` gives (same numbers; `elapsed_s` is the
    group's). `on_epoch` sees the first config's progress (every config of the group is
    at the same epoch); the other arguments are `run`'s, for the group as a whole.
    ValueError when the configs differ in more than PER_MEMBER_FIELDS, or their nets
    together pass a run's caps (`batches` plans groups that do not)."""
    configs = list(configs)
    if not configs:
        return []
    keys = {batch_key(c) for c in configs}
    if len(keys) > 1:
        raise ValueError(f"configs: trained together only when they differ in "
                         f"{', '.join(PER_MEMBER_FIELDS)} alone")
    check_nets(configs[0], sum(len(members_of(c)) for c in configs))   # one run's caps
    # nets of one activation side by side: the model applies it to fewer, larger blocks
    # (a stable sort: the first config stays first, whose progress on_epoch sees)
    first_seen = {c.activations: i for i, c in reversed(list(enumerate(configs)))}
    order = sorted(range(len(configs)), key=lambda i: first_seen[configs[i].activations])
    if order != list(range(len(configs))):
        results = run_many([configs[i] for i in order], on_epoch, device, threads,
                           max_seconds, should_stop)
        return [results[order.index(i)] for i in range(len(configs))]
    config = configs[0]
    if threads is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    started = time.perf_counter()
    stop = Stop(started, max_seconds, should_stop)
    datasets = [data_mod.load_for(config, seed=s)
                for s in seeds_of(config.seed, config.n_seeds)]
    training = _Training(configs, datasets, torch.device(device), stop)
    if config.pretrain_epochs > 0:      # before epoch 0: epoch 0 is the pretrained net
        pretrained, training.alive = pretrain(
            training.model, training.x_train, training.probe_rows(), config.pretrain_epochs,
            training.groups, training.alive, stop)
        for records, rows in zip(training.records, training.split(pretrained)):
            records.pretrain = rows
        _freeze_dead(training.model, training.alive)

    def report(epoch: int) -> None:
        if on_epoch:
            on_epoch(Progress(epoch, config.epochs, time.perf_counter() - started, config,
                              training.records[0]))

    stopped_at = train_epochs(config.epochs, training.measure, training.train_epoch,
                              lambda: bool(training.alive.any()), report)
    for records in training.records:
        records.stopped_at = stopped_at
    if datasets[0].is_2d and training.as_measured:    # not a half-trained epoch's weights
        boundary = _boundary(training.model, datasets, training.groups, training.members,
                             training.alive, config.head)
        for records, rows in zip(training.records, training.split(boundary)):
            records.boundary = rows
    elapsed = time.perf_counter() - started
    # res.points: the first seed's data (the seed the boundary chart shows by default)
    return [build_result(c, records, elapsed, finished=True, dataset=datasets[0])
            for c, records in zip(configs, training.records)]


def train_epochs(epochs: int, measure: Callable[[int], None], train_epoch: Callable[[], None],
                 any_alive: Callable[[], bool], report: Callable[[int], None]) -> int | None:
    """Measure epoch 0, then train and measure each epoch while a net is alive, reporting
    every epoch measured. Returns None, or after a Stop the last epoch fully trained and
    measured (-1: not even epoch 0)."""
    epoch = 0
    try:
        measure(0)      # even after a stop in pretraining, if quick (Stop.measuring)
        report(0)
        for epoch in range(1, epochs + 1):
            if not any_alive():
                break
            train_epoch()
            measure(epoch)
            report(epoch)
    except Stopped:
        return epoch - 1
    return None


class _Training:
    """One MLP run in progress (of one config, or of several trained together): its data,
    batched model, optimiser, generators and records. The data are per seed, stacked:
    x_train (S, N, in), y_train (S, N), likewise the test split; `groups` hands each
    member its seed's rows. The members are each config's nets in turn; `owners[m]` is
    member m's config (its index) and its place among that config's nets, whose records
    are `records[config]`. `alive` (M,) bool: the nets not diverged; `as_measured`:
    whether the weights are those of the last epoch measured."""

    def __init__(self, configs: list[ExperimentConfig], datasets: list["data_mod.Dataset"],
                 dev: torch.device, stop: Stop) -> None:
        config = self.config = configs[0]      # what the configs share
        self.stop = stop

        def stacked(name: str) -> Tensor:
            return torch.from_numpy(np.stack([getattr(d, name) for d in datasets])).to(dev)
        self.x_train, self.y_train = stacked("x_train"), stacked("y_train")
        self.x_test, self.y_test = stacked("x_test"), stacked("y_test")
        per_config = [members_of(c) for c in configs]
        self.members = tuple(m for members in per_config for m in members)
        self.owners = [(i, local) for i, members in enumerate(per_config)
                       for local in range(len(members))]
        self.groups = SeedGroups([m.seed for m in self.members],
                                 seeds_of(config.seed, config.n_seeds), dev)
        # each seed's probe batch: its first min(PROBE_SIZE, N) training samples
        n_probe = min(PROBE_SIZE, self.x_train.shape[1])
        # members cycling through the seeds read each seed's probe in place (`tiles`)
        self.tiles = self.groups.tiles
        self.x_probe = self.x_train[:, :n_probe] if self.tiles > 1 else \
            self.groups.rows(self.x_train[:, :n_probe])
        self.y_probe = self.groups.rows(self.y_train[:, :n_probe])
        self.model = BatchedMLP(layer_sizes(config), self.members,
                                [configs[i].init for i, _ in self.owners],
                                config.bias_init, device=dev, norm=config.norm,
                                residual=config.residual)
        self.params = list(self.model.parameters())     # every layer's weights, then biases
        self.optimizer = make_optimizer(config, self.params)
        self.clip_rows = _clip_rows([configs[i].grad_clip for i, _ in self.owners])
        self.records = [Records(members) for members in per_config]
        self.alive = torch.ones(len(self.members), dtype=torch.bool, device=dev)
        self.keep_hist = hist_epochs(config.epochs)
        self.keep_units = unit_epochs(config)
        # One batch order per seed, shared by that seed's nets: the comparison is between
        # activations. Init and dropout draws come from each net's own generators.
        self.order_gens = order_generators(self.groups.seeds, dev)
        self.dropout_gens = [member_generator(m.seed, "dropout", dev) for m in self.members]
        self.as_measured = False

    def probe_rows(self) -> Tensor:
        """The probe batch as the model takes it without `tiles`: (P, in) or (M, P, in)."""
        return self.groups.rows(self.x_probe) if self.tiles > 1 else self.x_probe

    def split(self, rows: list[dict]) -> list[list[dict]]:
        """Rows that carry a `member` index (of this model), each config's in turn, their
        `member` renumbered among that config's nets; order kept."""
        out: list[list[dict]] = [[] for _ in self.records]
        for row in rows:
            i, local = self.owners[row["member"]]
            row["member"] = local
            out[i].append(row)
        return out

    def train_epoch(self) -> None:
        """One epoch of mini-batch steps; a net whose loss turns NaN/Inf is frozen."""
        config, model, rows = self.config, self.model, self.groups.rows
        for idx in seed_minibatches(self.x_train.shape[1], config.batch_size,
                                    self.order_gens):
            self.stop.check()
            self.as_measured = False
            logits = model(rows(self.x_train, idx), dropout=config.dropout,
                           generators=self.dropout_gens).logits
            losses = member_losses(logits, rows(self.y_train, idx), config.head)
            self.alive = self.alive & torch.isfinite(losses)
            self.optimizer.zero_grad(set_to_none=False)
            torch.where(self.alive, losses, torch.zeros_like(losses)).sum().backward()
            _mask_and_clip(self.params, self.alive, self.clip_rows)
            self.optimizer.step()
        _freeze_dead(model, self.alive)

    def measure(self, epoch: int) -> None:
        """Record epoch `epoch`; Stopped (between evaluation chunks) records nothing."""
        config, model = self.config, self.model
        check = self.stop.measuring()
        train_loss, train_acc = _evaluate(model, self.groups, self.x_train, self.y_train,
                                          config.head, check)
        test_loss, test_acc = _evaluate(model, self.groups, self.x_test, self.y_test,
                                        config.head, check)
        check()
        finite = torch.isfinite(train_loss) & torch.isfinite(test_loss)
        stats, hist, units, edges = probe(model, self.x_probe, self.y_probe, config.head,
                                          config.hist_bins,
                                          with_histograms=epoch in self.keep_hist,
                                          with_units=epoch in self.keep_units,
                                          tiles=self.tiles)
        # Gradients can overflow before the loss does: that is divergence too.
        finite &= torch.tensor([all(math.isfinite(row[i]) for row in s for i in _DIVERGENCE)
                                for s in stats], device=finite.device)
        self.alive = self.alive & finite
        alive = self.alive.tolist()
        values = torch.stack([train_loss, train_acc, test_loss, test_acc], 1).tolist()
        _record(self.records, self.owners, self.members, epoch, alive, values, stats,
                ((hist, "histograms"), (units, "units"), (edges, "edges")))
        self.as_measured = True


def _record(records: list[Records], owners: list[tuple[int, int]],
            members: tuple[Member, ...], epoch: int, alive: list[bool],
            values: list[list[float]], stats: list[list[list[float]]],
            per_member_rows: tuple[tuple[list[dict], str], ...]) -> None:
    """Append epoch `epoch`'s rows of every net alive to its config's records (member m
    is net owners[m][1] of records[owners[m][0]]), and the epoch a net diverged at.
    values[m]: train loss, train accuracy, test loss, test accuracy; per_member_rows:
    (probe rows with a `member` index, the name of the records' list they go to)."""
    for m, ok in enumerate(alive):
        mine, local = records[owners[m][0]], owners[m][1]
        if not ok and local not in mine.diverged_at:
            mine.diverged_at[local] = epoch
    for m, member in enumerate(members):
        if not alive[m]:
            continue
        mine = records[owners[m][0]]
        tag = {"activation": member.activation, "seed": member.seed, "epoch": epoch}
        tr_l, tr_a, te_l, te_a = values[m]
        mine.history.append({**tag, "split": "train", "loss": tr_l, "accuracy": tr_a})
        mine.history.append({**tag, "split": "test", "loss": te_l, "accuracy": te_a})
        for layer, row in enumerate(stats[m]):
            mine.layers.append({**tag, "layer": layer + 1, **dict(zip(STATS, row))})
    # the probe's rows become the records' rows in place (tens of thousands an epoch: a
    # new dict per row was a noticeable share of a many-seed run); the frames pick their
    # columns by name, so the keys' order does not matter
    tags = [{"activation": member.activation, "seed": member.seed, "epoch": epoch}
            for member in members]
    for rows, name in per_member_rows:
        lists = [getattr(r, name) for r in records]
        for row in rows:
            m = row.pop("member")
            if alive[m]:
                row.update(tags[m])
                lists[owners[m][0]].append(row)


@torch.no_grad()
def _evaluate(model: BatchedMLP, groups: SeedGroups, x: Tensor, y: Tensor, head: str,
              check: Callable[[], None] | None = None) -> tuple[Tensor, Tensor]:
    """Mean loss and accuracy of every member on a whole split of its seed's (x (S, N, in),
    y (S, N)): two (M,) tensors. `check()` runs before each chunk (Stop.measuring's raises
    Stopped)."""
    n = x.shape[1]
    loss_sum = torch.zeros(len(model.members), dtype=torch.float64, device=x.device)
    correct = torch.zeros_like(loss_sum)
    for start in range(0, n, EVAL_CHUNK):
        if check is not None:
            check()
        yb = groups.rows(y[:, start:start + EVAL_CHUNK])
        if groups.tiles > 1:        # each seed's inputs read in place, not one copy a net
            logits = model(x[:, start:start + EVAL_CHUNK], batch_stats=False,
                           tiles=groups.tiles).logits
        else:
            logits = model(groups.rows(x[:, start:start + EVAL_CHUNK]),
                           batch_stats=False).logits    # batch norm: running statistics
        loss_sum += member_losses(logits, yb, head).double() * yb.shape[-1]
        correct += (logits.argmax(-1) == yb).sum(1).double()
    return loss_sum / n, correct / n


def _clip_rows(caps: list[float]) -> list[tuple[slice, float]]:
    """The members whose gradient norm is capped, as runs of consecutive members with
    one cap: (their rows, the cap). A run alone: all its members, or none."""
    rows: list[tuple[slice, float]] = []
    start = 0
    for i in range(1, len(caps) + 1):
        if i == len(caps) or caps[i] != caps[start]:
            if caps[start] > 0:
                rows.append((slice(start, i), caps[start]))
            start = i
    return rows


def _mask_and_clip(params: list[Tensor], alive: Tensor,
                   clip_rows: list[tuple[slice, float]]) -> None:
    """Zero the gradients of diverged members (NaN·0 is NaN, so fill, don't multiply)
    and clip each capped member's global gradient norm to its cap (`_clip_rows`)."""
    # nothing to zero while every net lives: a select over every gradient each step was
    # a tenth of a step's time on MNIST's first layer
    if not bool(alive.all()):
        dead = ~alive.view(-1, 1, 1)
        for p in params:
            p.grad.masked_fill_(dead, 0.0)
    # on the capped members' rows only: nets beside them pay nothing for their cap
    for rows, max_norm in clip_rows:
        grads = [p.grad[rows] for p in params]
        sq = sum(g.flatten(1).pow(2).sum(1) for g in grads)
        scale = (max_norm / (sq.sqrt() + 1e-6)).clamp(max=1.0).view(-1, 1, 1)
        for g in grads:
            g.mul_(scale)


@torch.no_grad()
def _freeze_dead(model: BatchedMLP, alive: Tensor) -> None:
    """Zero a diverged member's weights (and batch norm's running statistics) so NaN/Inf
    arithmetic never slows the others."""
    if bool(alive.all()):
        return
    keep = alive.view(-1, 1, 1)
    for p in [*model.parameters(), *model.buffers()]:
        p.copy_(torch.where(keep, p, torch.zeros_like(p)))


@torch.no_grad()
def _boundary(model: BatchedMLP, datasets: list["data_mod.Dataset"], groups: SeedGroups,
              members: tuple[Member, ...], alive: Tensor, head: str) -> list[dict]:
    """P(class 1) on a grid over each seed's data, for the decision-boundary plot."""
    meshes = np.stack([_grid(ds) for ds in datasets])          # (S, G, 2)
    x = groups.rows(torch.from_numpy(meshes).to(alive.device))
    logits = model(x, batch_stats=False).logits
    prob = outputs(logits, head)
    # Two classes: P(class 1) normalised, so sigmoid heads also land in [0, 1]
    p1 = (prob[..., 1] / prob.sum(-1).clamp(min=1e-12)).cpu().tolist()
    rows = []
    for m, member in enumerate(members):
        if not bool(alive[m]):
            continue
        mesh = meshes[int(groups.index[m])]
        for (a, b), p in zip(mesh.tolist(), p1[m]):
            rows.append({"member": m, "activation": member.activation, "seed": member.seed,
                         "x1": a, "x2": b, "prob": p})
    return rows


def _grid(ds: "data_mod.Dataset") -> np.ndarray:
    """BOUNDARY_GRID² points (G, 2) float32 over a 2-D data set, padded by 10%."""
    pts = np.concatenate([ds.x_train, ds.x_test])
    pad = 0.1 * (pts.max(0) - pts.min(0))
    lo, hi = pts.min(0) - pad, pts.max(0) + pad
    g1 = np.linspace(lo[0], hi[0], BOUNDARY_GRID, dtype=np.float32)
    g2 = np.linspace(lo[1], hi[1], BOUNDARY_GRID, dtype=np.float32)
    return np.stack(np.meshgrid(g1, g2), -1).reshape(-1, 2)
