"""The stepping engine: every chosen optimizer from every start, advanced together.

``simulate`` evaluates the loss's gradient once per step for the whole ``(optimizers x starts)``
stack of points (internally ``(runs, n)``, one row per optimizer and start). Eight optimizers (gd,
sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw) are stepped together in the fused moment
form of :mod:`optimizers.fused`: about a dozen numpy calls per step for all of their runs, written
in place into preallocated histories. Lion and Adadelta call their own ``update`` on their rows.
Values are evaluated once, after the loop, on all recorded points.

With a dataset loss (one with ``batch_gradient`` and ``n_rows``) and a ``batch_size`` below the
number of rows, every optimizer steps on mini-batches: each epoch is a seeded permutation of the
rows cut into consecutive batches (the last one smaller when the batch size does not divide the
rows, as PyTorch's ``DataLoader`` with ``drop_last=False``); step ``t`` uses the same batch for all
optimizers and starts. The exact full-data gradients are then evaluated after the loop.

Runs to compare: a name is an optimizer's name, optionally followed by ``#k`` (``"gd#2"``), so that
one optimizer can run several times with its own learning rate, options and batch size (keyed by
the full name); the rule is the base optimizer's (:func:`base_name`). ``batch_size`` may be one per
run: runs with the same batch size share each step's batch; each batch size has its own stream of
epoch permutations, drawn from a child of the seed keyed by that batch size
(``np.random.SeedSequence(seed).spawn(b + 1)[b]``), so it does not depend on the other runs.

Divergence is found after the loop: each run depends only on its own history, so marking the first
bad point afterwards and blanking what follows is the same as stopping the run there (a run that
went bad meanwhile keeps being stepped on garbage, harmlessly, under ``np.errstate``; the loop
stops early once every run is bad). Positions are never clipped.
"""
from __future__ import annotations

import numbers
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .fused import Fused
from .rules import OPTIMIZERS

__all__ = ["Run", "simulate", "base_name", "DEFAULT_BOUND"]

DEFAULT_BOUND = 1e6
_CHECK_EVERY = 64      # steps between checks whether every run has already diverged
_CHUNK = 128           # steps per block of coefficient tables (bounds their memory)
_POST_BLOCK = 64       # steps per block when evaluating values and divergence after the loop


@dataclass(frozen=True, eq=False)
class Run:
    """Everything ``simulate`` recorded. ``O`` optimizers, ``S`` starts, ``T`` steps, ``n`` dimensions.

    Attributes:
        optimizers: names, in the order given (variants keep their ``#k``: ``"gd#2"``); ``labels``
            their display names (the base optimizer's label, then `` #k`` for a variant: "Adam #2").
        starts: ``(S, n)`` starting points.
        points: ``(O, S, T + 1, n)`` positions; NaN from the point where a run diverged.
        values: ``(O, S, T + 1)`` loss at each point; NaN from divergence.
        gradients: ``(O, S, T + 1, n)`` exact loss gradient at each point (the full-data one for a
            dataset loss); the gradient a rule used instead (sgd's noisy estimate, or every
            optimizer's mini-batch gradient) is ``states[name]["gradient_estimate"]``; NaN from
            divergence.
        diverged_at: ``(O, S)`` index of the first bad point (non-finite position, value or
            gradient, or a position outside ``box``); -1 where the run never diverged.
        lr: ``(O, T)`` learning rate each optimizer used at each step (Adagrad's after ``lr_decay``).
        states: per optimizer name, the state arrays worth drawing (see
            ``OPTIMIZERS[base_name(name)].states``).
            Buffers carried from point to point are ``(S, T + 1, n)``: index ``i`` is the state at
            point ``i`` (0: the initial state). Per-step arrays are ``(S, T, n)``: ``effective_lr``
            (every optimizer) is ``|x_{t+1} - x_t| / |g_t|`` per coordinate, with ``g_t`` the gradient
            the rule used (NaN where it is 0), and ``gradient_estimate``: sgd's noisy gradient, or
            with mini-batches every optimizer's batch gradient. NaN from divergence.
        hyper: the hyper-parameters each optimizer ran with (defaults filled in; with a dataset
            loss sgd's ``noise`` is 0: its noise comes from the batches).
        box: ``(n, 2)`` bounds outside which a position counts as diverged.
        steps, seed: as given.
        batch_size: rows per step for a dataset loss (its number of rows when not given: full
            batch) when every run has the same batch size; None for other losses, and when the runs'
            batch sizes differ (then see ``batch_sizes``).
        steps_per_epoch: ``ceil(n_rows / batch_size)`` for a dataset loss, else None (None too when
            the batch sizes differ).
        epoch: ``(T,)`` the 0-based epoch of each step (``t // steps_per_epoch``) for a dataset
            loss, else None; after step ``t`` the run has seen ``(t + 1) / steps_per_epoch`` epochs.
            None when the batch sizes differ.
        batch_sizes: per optimizer name (in order), its batch size (``n_rows`` for full batch); all
            None for a loss without data.
        steps_per_epoch_of: per optimizer name, ``ceil(n_rows / batch_size)``; all None without data.
        epoch_of: ``(O, T)`` the epoch of each step of each optimizer's runs; None without data.

    Arrays may be views of shared internal buffers: treat them as read-only.
    """

    optimizers: tuple[str, ...]
    starts: np.ndarray
    points: np.ndarray
    values: np.ndarray
    gradients: np.ndarray
    diverged_at: np.ndarray
    lr: np.ndarray
    states: dict[str, dict[str, np.ndarray]]
    hyper: dict[str, dict[str, Any]]
    box: np.ndarray
    steps: int
    seed: int | None = None
    batch_size: int | None = None
    labels: tuple[str, ...] = field(default=())
    steps_per_epoch: int | None = None
    epoch: np.ndarray | None = None
    batch_sizes: tuple[int | None, ...] = field(default=())
    steps_per_epoch_of: tuple[int | None, ...] = field(default=())
    epoch_of: np.ndarray | None = None


def simulate(loss, optimizers: Sequence[str] | str, starts, steps: int, lr: Any = 0.01,
             options: Mapping[str, Mapping[str, Any]] | None = None, seed: int | None = 0,
             noise: float | None = None, bound: float | None = None, domain=None,
             batch_size: int | None | Mapping[str, int | None] = None) -> Run:
    """Run every optimizer in ``optimizers`` from every point in ``starts`` for ``steps`` steps.

    Args:
        loss: has ``value(points)`` (``(..., n) -> (...)``) and ``gradient(points)``
            (``(..., n) -> (..., n)``), both vectorized; optionally ``variables`` (its length is
            ``n``), and ``batch_gradient(points, rows)`` with ``n_rows`` for a mean over data rows.
        optimizers: names from :data:`~optimizers.rules.OPTIMIZERS` (a single name is accepted),
            each optionally followed by ``#k``, ``k`` a whole number >= 2 (``"gd#2"``): another run
            of the same rule, with its own ``lr``, ``options`` and ``batch_size`` entries. A name
            may appear once.
        starts: ``(S, n)`` points (for ``n = 1`` a flat list of numbers is ``S`` starts).
        steps: number of steps ``T`` (>= 0).
        lr: a float, a schedule (a callable of the 0-based step array, see
            :mod:`optimizers.schedules`), or a dict giving one of those for each chosen optimizer.
        options: per optimizer name, hyper-parameter overrides (``{"adam": {"betas": (0.9, 0.99)}}``,
            ``{"momentum#2": {"momentum": 0.5}}``).
        seed: seeds sgd's noise and mini-batches (numpy Generator); None for fresh randomness.
            Every sgd run (``sgd``, ``sgd#2``...) adds its own ``noise`` times the same standard
            normal draws.
        noise: shorthand for ``options["sgd"]["noise"]`` (the run named ``sgd`` only).
        bound: a position with a coordinate of absolute value above ``bound`` counts as diverged.
        domain: ``(lo, hi)`` per coordinate; a coordinate outside
            ``[lo - 10 (hi - lo), hi + 10 (hi - lo)]`` counts as diverged. With neither ``bound`` nor
            ``domain`` the bound is ``DEFAULT_BOUND`` (1e6); with both, both apply.
        batch_size: with a dataset loss (``batch_gradient(points, rows)`` and ``n_rows``), every
            optimizer steps on the mean gradient over ``batch_size`` rows: each epoch is a seeded
            random permutation of the rows cut into consecutive batches, the last one smaller when
            ``batch_size`` does not divide ``n_rows`` (every row is used once per epoch); each step's
            batch is shared by all optimizers and starts. Omitted or ``n_rows``: full batch (the
            same run, bit for bit). With a dataset loss sgd adds no Gaussian noise. A dict gives
            one per optimizer name (every name needs one; None: full batch): the runs with the same
            batch size share each step's batch, and each batch size has its own stream of
            permutations, from the seed and the batch size only.

    Returns:
        A :class:`Run`.

    Raises:
        ValueError: unknown optimizer, option or schedule, a badly formed or repeated name, a value
            out of range, bad shapes; the message names the offending value. Numerical trouble
            never raises: it is divergence.
    """
    names = _names(optimizers)
    starts = _starts(loss, starts)
    steps = _whole(steps, "steps", 0)
    hyper = _hyper(names, options, noise)
    rates = _rates(names, lr, steps)
    box = _box(starts.shape[1], bound, domain)
    rows_of_data, sizes, single = _batch(loss, batch_size, names)
    if rows_of_data is not None:
        for name in names:
            if base_name(name) == "sgd":
                hyper[name] = {**hyper[name], "noise": 0.0}     # the batches are the noise
    rng = np.random.default_rng(seed)
    streams = _batch_streams(seed, sizes, rows_of_data)
    with np.errstate(all="ignore"):
        return _simulate(loss, names, starts, steps, hyper, rates, box, rng, rows_of_data,
                         sizes, single, streams, seed)


# ------------------------------------------------------------------------------------------------

def _simulate(loss, names, starts, steps, hyper, rates, box, rng, rows_of_data, sizes, single,
              streams, seed):
    count, n = starts.shape
    spec_of = {name: OPTIMIZERS[base_name(name)] for name in names}
    fused_names = [name for name in names if spec_of[name].moments is not None]
    own_names = [name for name in names if spec_of[name].moments is None]
    slots = fused_names + own_names                       # internal order of the blocks of rows
    rows = len(slots) * count
    nf = len(fused_names) * count                         # the fused rows come first
    block = {name: slice(i * count, (i + 1) * count) for i, name in enumerate(slots)}
    low, high = box[:, 0], box[:, 1]

    X = np.empty((steps + 1, rows, n))                    # positions
    G = np.empty((steps + 1, rows, n))                    # exact gradients
    X[0] = np.tile(starts, (len(slots), 1))
    gradient = _gradient_function(loss, X[0])
    used_lr = {name: rates[name] for name in own_names}

    # sgd's gradient estimate: Gaussian noise drawn block by block (step t's noise does not depend
    # on the number of steps), the same draws scaled by each sgd run's own noise; or, with
    # mini-batches, every row's batch gradient (drawn in the loop).
    noisy_names = [name for name in fused_names if spec_of[name].name == "sgd"
                   and rows_of_data is None and hyper[name]["noise"] > 0]
    noise = estimates = noise_rows = None
    if noisy_names:
        noise = np.empty((steps, len(noisy_names) * count, n))  # drawn block by block in the loop
        noise_rows = _rows_of([block[name] for name in noisy_names])
    # Mini-batches: one group of rows per batch size below n_rows, each with its own stream of
    # epoch permutations; the full-batch rows (if any besides) take the full gradient.
    per_epoch_of = ({name: -(-rows_of_data // sizes[name]) for name in names}
                    if rows_of_data is not None else {})
    smaller = sorted({sizes[name] for name in names if sizes[name] < rows_of_data}) \
        if rows_of_data is not None else []
    batched = bool(smaller)
    shared = batched and len(smaller) == 1 and all(sizes[name] == smaller[0] for name in names)
    groups, full_rows = [], None
    if batched:
        estimates = np.empty((steps, rows, n))
        for size in smaller:
            members = [block[name] for name in slots if sizes[name] == size]
            groups.append([_rows_of(members), size, streams[size], -(-rows_of_data // size), None])
        full = [block[name] for name in slots if sizes[name] == rows_of_data]
        full_rows = _rows_of(full) if full else None
        if shared:
            batch_size, per_epoch, stream = smaller[0], groups[0][3], groups[0][2]

    if fused_names:
        t_all = np.arange(steps)
        moments = [spec_of[name].moments(t_all, rates[name], **hyper[name]) for name in fused_names]
        for name, m in zip(fused_names, moments):
            used_lr[name] = np.array(np.broadcast_to(m.lr, (steps,)), dtype=float)
        fz = Fused(moments, count, n)
        flags = fz.flags
        K = np.zeros((4, nf, n))      # [m, v, g, g^2]: the state and the gradient the rules use
        K[1] = fz.v0
        TMP = np.empty((4, nf, n))
        M, V, GU, GSQ, MV_now, MG = K[0], K[1], K[2], K[3], K[0:2], K[0::2]
        TMP0, TMP2, TMPlow, TMPhigh, TMPmg = TMP[0], TMP[2], TMP[0:2], TMP[2:4], TMP[0::2]
        DEN, U, T1 = np.empty((nf, n)), np.empty((nf, n)), np.empty((nf, n))
        MV = np.empty((steps + 1, 2, nf, n))              # history of [m, v]
        MV[0] = MV_now
        VMAX = np.zeros((nf, n)) if flags.amsgrad else None
        BUF = np.zeros((nf, n)) if flags.buf else None
        HVMAX = np.zeros((steps + 1, nf, n)) if flags.amsgrad else None   # zeros: initial state
        HBUF = np.zeros((steps + 1, nf, n)) if flags.buf else None
        L2, KAMS, SC, MU = fz.l2, fz.k, fz.s, fz.mu
        XL2 = np.empty((nf, n)) if flags.l2 else None

    own = []
    own_states = {}
    for name in own_names:
        spec = spec_of[name]
        state = spec.init(starts, **hyper[name])
        histories = {key: np.empty((steps + 1, count, n)) for key in state._fields}
        for key, history in histories.items():
            history[0] = getattr(state, key)
        own_states[name] = histories
        own.append([spec.update, block[name], rates[name].tolist(), hyper[name], histories, state])

    only_fused = not own_names
    add, sub, mul, div, sqrt, maximum = np.add, np.subtract, np.multiply, np.divide, np.sqrt, np.maximum
    if fused_names:
        use_l2, use_amsgrad, use_centered, use_buf, use_decoupled = flags
        coef, COEF = fz.coef_first, fz.coef                # SGD's first buffer takes g whole
    fused = bool(fused_names)
    noisy = noise is not None
    last = steps
    for start in range(0, steps, _CHUNK):
        stop = min(steps, start + _CHUNK)
        if fused_names:
            PQ, E, W, B = fz.tables(start, stop)
        if noise is not None:
            z = rng.standard_normal((stop - start, count, n))
            for i, name in enumerate(noisy_names):
                noise[start:stop, i * count:(i + 1) * count] = hyper[name]["noise"] * z
            NOISE = np.zeros((stop - start, nf, n))
            NOISE[:, noise_rows] = noise[start:stop]
        for t in range(start, stop):
            x = X[t]
            if shared:                                    # full gradients: after the loop
                j = t % per_epoch
                if j == 0:
                    order_of_rows = stream.permutation(rows_of_data)
                g = loss.batch_gradient(x, order_of_rows[j * batch_size:(j + 1) * batch_size])
                estimates[t] = g
            elif batched:                                 # several batch sizes
                g = estimates[t]
                for group in groups:
                    rows_g, size, stream_g, per, order_g = group
                    j = t % per
                    if j == 0:
                        order_g = group[4] = stream_g.permutation(rows_of_data)
                    g[rows_g] = loss.batch_gradient(x[rows_g], order_g[j * size:(j + 1) * size])
                if full_rows is not None:
                    g[full_rows] = gradient(x[full_rows])
            else:
                g = gradient(x)
                G[t] = g
            if fused:
                # --- one fused moment step for all fused rows (optimizers.fused explains it) ---
                i = t - start
                xf, gf = (x, g) if only_fused else (x[:nf], g[:nf])
                if noisy:
                    add(gf, NOISE[i], out=GU)
                else:
                    GU[...] = gf
                if use_l2:
                    mul(L2, xf, out=XL2)
                    add(GU, XL2, out=GU)
                mul(GU, GU, out=GSQ)
                mul(K, coef, out=TMP)
                coef = COEF
                add(TMPlow, TMPhigh, out=MV_now)           # m <- a m + c g, v <- b v + d g^2
                root = V
                if use_amsgrad:
                    mul(KAMS, VMAX, out=VMAX)
                    maximum(VMAX, V, out=VMAX)
                    root = VMAX
                    HVMAX[t + 1] = VMAX
                if use_centered:
                    mul(M, M, out=T1)
                    mul(SC, T1, out=T1)
                    sub(root, T1, out=DEN)
                    sqrt(DEN, out=DEN)
                else:
                    sqrt(root, out=DEN)
                add(DEN, E[i], out=DEN)                    # sqrt(v) + eps'
                mul(MG, PQ[i], out=TMPmg)
                add(TMP0, TMP2, out=U)                     # P m + Q g
                div(U, DEN, out=U)
                if use_buf:
                    mul(MU, BUF, out=BUF)
                    add(BUF, U, out=BUF)
                    mul(BUF, B[i], out=U)
                    HBUF[t + 1] = BUF
                MV[t + 1] = MV_now
                xn = X[t + 1] if only_fused else X[t + 1, :nf]
                if use_decoupled:
                    mul(xf, W[i], out=xn)             # theta (1 - lr omega) ...
                    add(xn, U, out=xn)                     # ... + step
                else:
                    add(xf, U, out=xn)
            for rule in own:
                update, rows_o, lr_o, hyper_o, histories, state = rule
                xo = x[rows_o]
                step, state = update(g[rows_o], state, lr_o[t], t, xo, **hyper_o)
                rule[5] = state
                add(xo, step, out=X[t + 1, rows_o])
                for key, value in zip(state._fields, state):
                    histories[key][t + 1] = value
            if t % _CHECK_EVERY == _CHECK_EVERY - 1:
                y = X[t + 1]
                if not (np.isfinite(y).all(-1) & ((y >= low) & (y <= high)).all(-1)).any():
                    last = t + 1       # every run has diverged: what follows would be blanked anyway
                    break
        if last < steps:
            break

    if last < steps:
        X[last + 1:] = np.nan
        G[last + 1:] = np.nan
    if not batched:
        G[last] = gradient(X[last])
    estimate = used_rows = None                           # the gradients the rules used, if not G
    if noise is not None:
        estimate, used_rows = G[:-1, noise_rows] + noise, noise_rows
    elif batched:
        estimate, used_rows = estimates, slice(None)
    values, good, effective = _inspect(loss, X, G, box, used_rows, estimate,
                                       gradient if batched else None, last)

    # Divergence: the first bad point of each run; it and everything after it become NaN, and so
    # do the effective learning rates of the steps that start or end there.
    hit = ~good.all(0)
    first = np.where(hit, np.argmin(good, axis=0), steps + 1)
    for r in np.flatnonzero(hit):
        f = first[r]
        X[f:, r] = np.nan
        G[f:, r] = np.nan
        values[f:, r] = np.nan
        effective[max(f - 1, 0):, r] = np.nan

    # Recorded states, per optimizer: (S, T', n) views, NaN from divergence.
    slot_history = {"m": MV[:, 0], "v": MV[:, 1], "v_max": HVMAX, "buf": HBUF} if fused_names else {}
    states: dict[str, dict[str, np.ndarray]] = {}
    for name in names:
        rows_o = block[name]
        ends = first[rows_o]
        recorded: dict[str, np.ndarray] = {}
        for info in spec_of[name].states:
            if info.when is not None and not hyper[name][info.when]:
                continue
            if name in own_states:
                recorded[info.name] = _per_start(own_states[name][info.name], slice(None), ends)
            elif info.slot is not None:
                recorded[info.name] = _per_start(slot_history[info.slot], rows_o, ends)
        if batched and (sizes[name] < rows_of_data or spec_of[name].name == "sgd"):
            recorded["gradient_estimate"] = _per_start(estimates, rows_o, ends)
        elif name in noisy_names:
            i = noisy_names.index(name)
            own_noise = slice(i * count, (i + 1) * count)
            recorded["gradient_estimate"] = _per_start(estimate, own_noise, ends)
        elif spec_of[name].name == "sgd":
            recorded["gradient_estimate"] = _per_start(G[:-1], rows_o, ends)
        recorded["effective_lr"] = effective[:, rows_o].transpose(1, 0, 2)
        states[name] = recorded

    # Back to the caller's order: (O, S, T', ...) views of the internal (T', rows, ...) arrays when
    # the order is unchanged (every fused optimizer listed before lion and adadelta), else copies.
    order = (np.concatenate([np.arange(block[name].start, block[name].stop) for name in names])
             if names else np.zeros(0, dtype=int))
    shape = (len(names), count)

    def per_run(history):
        if names != slots:
            history = history[:, order]
        return np.moveaxis(history.reshape(history.shape[:1] + shape + history.shape[2:]), 0, 2)

    lr_table = np.stack([used_lr[name] for name in names]) if names else np.zeros((0, steps))
    diverged = np.where(hit, first, -1)[order].reshape(shape)
    # Batch sizes: per run, and the single values when every run has the same one.
    batch_sizes = tuple(sizes[name] for name in names)
    per_epoch_tuple = tuple(per_epoch_of.get(name) for name in names)
    common = set(batch_sizes) if names else {rows_of_data if single is None else single}
    one_size = rows_of_data is not None and len(common) == 1
    batch_size = common.pop() if one_size else None
    per_epoch = -(-rows_of_data // batch_size) if one_size else None
    epoch_of = None
    if rows_of_data is not None:
        epoch_of = (np.arange(steps)[None, :] // np.array(per_epoch_tuple, dtype=int)[:, None]
                    if names else np.zeros((0, steps), dtype=int))
    return Run(
        optimizers=tuple(names), starts=starts, points=per_run(X), values=per_run(values),
        gradients=per_run(G), diverged_at=diverged.astype(int), lr=lr_table, states=states,
        hyper={name: dict(hyper[name]) for name in names}, box=box, steps=steps, seed=seed,
        batch_size=batch_size, labels=tuple(_label(name) for name in names),
        steps_per_epoch=per_epoch, epoch=np.arange(steps) // per_epoch if one_size else None,
        batch_sizes=batch_sizes, steps_per_epoch_of=per_epoch_tuple, epoch_of=epoch_of)


def _inspect(loss, X, G, box, used_rows, estimate, gradient=None, last=None):
    """One pass over the recorded history, in blocks of steps small enough to stay in cache.

    Returns the values ``(T + 1, rows)``; whether each point is good ``(T + 1, rows)``: finite
    value and gradient and a position inside the box (which is finite, so non-finite positions
    fail too; coordinates are tested one at a time, numpy reduces slowly over a short last axis);
    and the effective learning rate ``|x_{t+1} - x_t| / |g_t|`` ``(T, rows, n)``, with ``g_t`` the
    gradient the rule used (``estimate`` on the rows ``used_rows``, else ``G``), NaN where
    ``g_t = 0``. With ``gradient``, ``G`` up to point ``last`` is first filled in with it.
    """
    steps, rows, n = G.shape[0] - 1, G.shape[1], G.shape[2]
    low, high = box[:, 0], box[:, 1]
    values = np.empty((steps + 1, rows))
    good = np.empty((steps + 1, rows), dtype=bool)
    effective = np.empty((steps, rows, n))
    for a in range(0, steps + 1, _POST_BLOCK):
        b = min(steps + 1, a + _POST_BLOCK)
        xs, gs = X[a:b], G[a:b]
        if gradient is not None and a <= last:
            G[a:min(b, last + 1)] = gradient(X[a:min(b, last + 1)])
        values[a:b] = _values(loss, xs)
        ok = np.isfinite(values[a:b])
        for j in range(n):
            ok &= xs[..., j] >= low[j]
            ok &= xs[..., j] <= high[j]
            ok &= np.isfinite(gs[..., j])
        good[a:b] = ok
        c = min(b, steps)
        if c > a:
            e = effective[a:c]
            np.subtract(X[a + 1:c + 1], X[a:c], out=e)
            np.abs(e, out=e)
            magnitude = np.abs(G[a:c])
            if estimate is not None:
                magnitude[:, used_rows] = np.abs(estimate[a:c])
            np.divide(e, magnitude, out=e)
            zero = magnitude == 0
            if zero.any():
                e[zero] = np.nan
    return values, good, effective


def _rows_of(blocks: list[slice]):
    """The rows of several blocks: one slice when they are consecutive, else an index array."""
    if all(a.stop == b.start for a, b in zip(blocks, blocks[1:])):
        return slice(blocks[0].start, blocks[-1].stop)
    return np.concatenate([np.arange(b.start, b.stop) for b in blocks])


def _per_start(history, rows, ends) -> np.ndarray:
    """``(T', runs, n)`` history, the rows of one optimizer -> ``(S, T', n)`` view, NaN from ``ends``."""
    part = history[:, rows]
    for s, f in enumerate(ends):
        if f < len(part):
            part[f:, s] = np.nan
    return part.transpose(1, 0, 2)


def _gradient_function(loss, x0: np.ndarray) -> Callable:
    """``loss.gradient`` itself when it returns float arrays of the points' shape, else a wrapper."""
    def wrapped(points):
        return np.array(np.broadcast_to(np.asarray(loss.gradient(points), dtype=float), points.shape))
    with np.errstate(all="ignore"):
        probe = loss.gradient(x0)
    if isinstance(probe, np.ndarray) and probe.dtype == np.float64 and probe.shape == x0.shape:
        return loss.gradient
    try:
        np.broadcast_to(np.asarray(probe, dtype=float), x0.shape)
    except ValueError:
        raise ValueError(f"loss.gradient returned shape {np.shape(probe)} for points of shape "
                         f"{x0.shape}") from None
    return wrapped


def _values(loss, points: np.ndarray) -> np.ndarray:
    values = np.asarray(loss.value(points), dtype=float)
    try:
        return np.array(np.broadcast_to(values, points.shape[:-1]))
    except ValueError:
        raise ValueError(f"loss.value returned shape {values.shape} for points of shape "
                         f"{points.shape}") from None


# ------------------------------------------------------------------------------------------------
# Run names: an optimizer's name, or a variant of it ("gd#2")

_VARIANT = re.compile(r"[2-9]|[1-9][0-9]+")      # k >= 2, in decimal without leading zeros


def base_name(name: str) -> str:
    """The optimizer a run name stands for: ``"gd#2" -> "gd"``, ``"adam" -> "adam"``.

    A run name is a key of :data:`~optimizers.rules.OPTIMIZERS`, optionally followed by ``#k`` with
    ``k`` a whole number >= 2 written without sign, spaces or leading zeros (``"gd#2"``,
    ``"sgd#16"``), so that each run has one spelling. Raises ValueError naming the problem: not a
    string, an unknown optimizer, or a bad ``#k``.
    """
    if not isinstance(name, str):
        raise ValueError(f"optimizer name {name!r} is not a string")
    base, mark, suffix = name.partition("#")
    if base not in OPTIMIZERS:
        where = f" in {name!r}" if mark else ""
        raise ValueError(f"unknown optimizer {base!r}{where} (known: {', '.join(OPTIMIZERS)})")
    if mark and not _VARIANT.fullmatch(suffix):
        raise ValueError(f"optimizer name {name!r}: what follows '#' must be a whole number >= 2 "
                         f"without leading zeros (as in {base + '#2'!r})")
    return base


def _label(name: str) -> str:
    """Display name of a run: the optimizer's label, then " #k" for a variant ("Adam #2")."""
    base, mark, suffix = name.partition("#")
    return OPTIMIZERS[base].label + (f" #{suffix}" if mark else "")


# ------------------------------------------------------------------------------------------------
# Argument checks (errors name the bad value)

def _names(optimizers) -> list[str]:
    if isinstance(optimizers, str):
        optimizers = [optimizers]
    names = list(optimizers)
    for name in names:
        base_name(name)
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ValueError(f"optimizer {duplicated[0]!r} is listed twice")
    return names


def _starts(loss, starts) -> np.ndarray:
    variables = getattr(loss, "variables", None)
    n = len(variables) if variables is not None else None
    try:
        array = np.array(starts, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"starts={starts!r} is not an array of numbers") from None
    if array.ndim == 0 and n == 1:
        array = array.reshape(1, 1)
    elif array.ndim == 1 and n == 1:
        array = array[:, None]
    elif array.ndim == 1 and (n is None or array.size == n):
        array = array[None, :]
    if array.ndim != 2 or (n is not None and array.shape[1] != n) or array.shape[1] == 0:
        raise ValueError(f"starts has shape {np.shape(starts)}; expected (n_starts, {n or 'n'})")
    if not np.isfinite(array).all():
        raise ValueError(f"starts={starts!r} contains a non-finite coordinate")
    return array


def _whole(value, what: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{what}={value!r} must be a whole number >= {low}")
    return int(value)


def _hyper(names, options, noise) -> dict[str, dict[str, Any]]:
    options = dict(options or {})
    for name, given in options.items():
        try:
            base_name(name)
        except ValueError as error:
            raise ValueError(f"options for {name!r}: {error}") from None
        if given is not None and not isinstance(given, Mapping):
            raise ValueError(f"options[{name!r}]={given!r} is not a dict of hyper-parameters")
    if noise is not None:
        sgd = dict(options.get("sgd") or {})
        if "noise" in sgd:
            raise ValueError("give sgd's noise either as noise= or in options['sgd'], not both")
        sgd["noise"] = noise
        options["sgd"] = sgd
    resolved = {name: _resolve(name, given) for name, given in options.items()}
    return {name: resolved.get(name) or _resolve(name, None) for name in names}


def _resolve(name: str, given) -> dict[str, Any]:
    """``OPTIMIZERS[base].resolve(given)``, its errors naming the variant ("adam#2: beta1=2 ...")."""
    base = base_name(name)
    try:
        return OPTIMIZERS[base].resolve(given)
    except ValueError as error:
        message = str(error)
        if name != base and message.startswith(f"{base}:"):
            message = name + message[len(base):]
        raise ValueError(message) from None


def _rates(names, lr, steps) -> dict[str, np.ndarray]:
    if isinstance(lr, Mapping):
        unknown = sorted(set(lr) - set(names))
        if unknown:
            raise ValueError(f"lr given for {unknown[0]!r}, which is not among the chosen optimizers")
        missing = [name for name in names if name not in lr]
        if missing:
            raise ValueError(f"lr has no entry for optimizer {missing[0]!r}")
        return {name: _rate_table(lr[name], steps, f"lr for {name}") for name in names}
    table = _rate_table(lr, steps, "lr")
    return {name: table for name in names}


def _rate_table(rate, steps: int, what: str) -> np.ndarray:
    if callable(rate):
        with np.errstate(all="ignore"):
            table = np.asarray(rate(np.arange(steps)), dtype=float)
        try:
            table = np.array(np.broadcast_to(table, (steps,)))
        except ValueError:
            raise ValueError(f"{what}: the schedule returned shape {table.shape} for {steps} steps") from None
        bad = ~(np.isfinite(table) & (table >= 0))
        if bad.any():
            t = int(np.argmax(bad))
            raise ValueError(f"{what}: the schedule gives lr={table[t]!r} at step {t} (must be finite, >= 0)")
        return table
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not np.isfinite(rate) or rate < 0:
        raise ValueError(f"{what}={rate!r} must be a finite number >= 0 or a schedule")
    return np.full(steps, float(rate))


def _box(n: int, bound, domain) -> np.ndarray:
    low, high = np.full(n, -np.inf), np.full(n, np.inf)
    if domain is not None:
        try:
            edges = np.array(domain, dtype=float).reshape(n, 2)
        except (TypeError, ValueError):
            raise ValueError(f"domain={domain!r} must give (lo, hi) for each of the {n} coordinates") from None
        if not (np.isfinite(edges).all() and (edges[:, 0] < edges[:, 1]).all()):
            raise ValueError(f"domain={domain!r} must have finite lo < hi for each coordinate")
        width = edges[:, 1] - edges[:, 0]
        low, high = edges[:, 0] - 10 * width, edges[:, 1] + 10 * width
    if bound is not None:
        if isinstance(bound, bool) or not isinstance(bound, numbers.Real) or not bound > 0 \
                or not np.isfinite(bound):
            raise ValueError(f"bound={bound!r} must be a finite number > 0")
        low, high = np.maximum(low, -float(bound)), np.minimum(high, float(bound))
    if domain is None and bound is None:
        low, high = np.full(n, -DEFAULT_BOUND), np.full(n, DEFAULT_BOUND)
    return np.stack([low, high], axis=1)


def _batch(loss, batch_size, names):
    """``(n_rows, sizes, single)``: for a dataset loss its number of rows, each name's batch size
    (``n_rows`` for full batch) and the one batch size given for all (None for a dict);
    ``(None, {name: None}, None)`` for another loss without batch sizes."""
    dataset = hasattr(loss, "batch_gradient") and hasattr(loss, "n_rows")
    if isinstance(batch_size, Mapping):
        unknown = sorted(set(batch_size) - set(names), key=repr)
        if unknown:
            raise ValueError(f"batch_size given for {unknown[0]!r}, which is not among the chosen optimizers")
        missing = [name for name in names if name not in batch_size]
        if missing:
            raise ValueError(f"batch_size has no entry for optimizer {missing[0]!r} (None: full batch)")
        given = [(f"batch_size[{name!r}]", batch_size[name]) for name in names]
    else:
        given = [("batch_size", batch_size)]
    checked = []
    for what, size in given:
        if size is None:
            checked.append(None)
            continue
        if not dataset:
            raise ValueError(f"{what}={size!r} needs a dataset loss (with batch_gradient and n_rows)")
        size = _whole(size, what, 1)
        if size > loss.n_rows:
            raise ValueError(f"{what}={size} is larger than the dataset ({int(loss.n_rows)} rows)")
        checked.append(size)
    if not dataset:
        return None, dict.fromkeys(names), None
    n_rows = int(loss.n_rows)
    single = None
    if not isinstance(batch_size, Mapping):
        single = n_rows if checked[0] is None else checked[0]
        checked = checked * len(names)
    return n_rows, {name: n_rows if size is None else size for name, size in zip(names, checked)}, single


def _batch_streams(seed, sizes, n_rows) -> dict[int, np.random.Generator]:
    """A generator of epoch permutations for each batch size below ``n_rows``: the child of the
    seed keyed by that batch size (``np.random.SeedSequence(seed).spawn(b + 1)[b]``), so the
    batches of one batch size depend on the seed only, not on the other runs."""
    smaller = sorted({size for size in sizes.values() if n_rows is not None and size < n_rows})
    if not smaller:
        return {}
    try:
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    except (TypeError, ValueError):
        raise ValueError(f"seed={seed!r} must be a whole number >= 0 or None") from None
    return {size: np.random.default_rng(np.random.SeedSequence(
        root.entropy, spawn_key=tuple(root.spawn_key) + (size,), pool_size=root.pool_size))
        for size in smaller}
