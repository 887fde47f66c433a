"""Per-run summaries of a :class:`~optimizers.engine.Run`, as plain rows for a table."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["RunSummary", "summarize"]


@dataclass(frozen=True)
class RunSummary:
    """One optimizer from one start.

    Attributes:
        optimizer, start_index: which run; ``start`` its starting point.
        final_step: index of the last valid point (``steps``, or the one before divergence; -1 if the
            start itself was bad). ``final_point`` / ``final_value`` are that point and its loss.
        best_value, best_step: the lowest loss reached and where.
        nearest_minimum: index in ``minima`` of the known minimum closest to the final point (None
            without minima or without a valid point); ``distance_to_minimum`` its distance.
        steps_to_minimum: first point index from which the run stays within ``tol`` (Euclidean
            distance) of that minimum up to its final point: a run that passes through the minimum
            and comes back counts from its return. None if the final point is not within ``tol``
            (a run that passed close and left again has not reached it), if the run diverged, or
            without a nearest minimum.
        final_gradient_norm: Euclidean norm of the loss gradient at the final point.
        path_length: sum of the distances between consecutive valid points.
        diverged_at: index of the first bad point, None if the run never diverged.
    """

    optimizer: str
    start_index: int
    start: tuple[float, ...]
    final_step: int
    final_point: tuple[float, ...]
    final_value: float
    best_value: float
    best_step: int | None
    nearest_minimum: int | None
    distance_to_minimum: float | None
    steps_to_minimum: int | None
    final_gradient_norm: float
    path_length: float
    diverged_at: int | None

    def as_dict(self) -> dict:
        return asdict(self)


def summarize(run, minima=None, tol: float = 1e-3) -> list[RunSummary]:
    """Summaries for every (optimizer, start) of ``run``, optimizer-major, in the run's order.

    Args:
        run: a :class:`~optimizers.engine.Run`.
        minima: known minima, ``(k, n)`` (or None).
        tol: distance under which a point counts as having reached a minimum.
    """
    if not (isinstance(tol, (int, float)) and np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol={tol!r} must be a finite number >= 0")
    n = run.starts.shape[1]
    if minima is not None:
        minima = np.asarray(minima, dtype=float).reshape(-1, n)
    rows = []
    nan = float("nan")
    with np.errstate(all="ignore"):
        for o, name in enumerate(run.optimizers):
            for s, start in enumerate(run.starts):
                points, values = run.points[o, s], run.values[o, s]
                diverged = int(run.diverged_at[o, s])
                last = diverged - 1 if diverged >= 0 else run.steps
                valid = points[: last + 1]
                segments = np.linalg.norm(np.diff(valid, axis=0), axis=-1)
                if last >= 0:
                    final_point = tuple(float(c) for c in points[last])
                    final_value = float(values[last])
                    best_step = int(np.argmin(values[: last + 1]))
                    best_value = float(values[best_step])
                    gradient_norm = float(np.linalg.norm(run.gradients[o, s, last]))
                else:
                    final_point, final_value = tuple([nan] * n), nan
                    best_step, best_value, gradient_norm = None, nan, nan
                nearest = distance = reached = None
                if minima is not None and len(minima) and last >= 0:
                    gaps = np.linalg.norm(minima - points[last], axis=-1)
                    nearest = int(np.argmin(gaps))
                    distance = float(gaps[nearest])
                    close = np.linalg.norm(valid - minima[nearest], axis=-1) <= tol
                    if diverged < 0 and close[-1]:
                        outside = np.flatnonzero(~close)          # after the last one: stays within
                        reached = int(outside[-1]) + 1 if outside.size else 0
                rows.append(RunSummary(
                    optimizer=name, start_index=s, start=tuple(float(c) for c in start),
                    final_step=last, final_point=final_point, final_value=final_value,
                    best_value=best_value, best_step=best_step, nearest_minimum=nearest,
                    distance_to_minimum=distance, steps_to_minimum=reached,
                    final_gradient_norm=gradient_norm, path_length=float(segments.sum()),
                    diverged_at=diverged if diverged >= 0 else None))
    return rows
