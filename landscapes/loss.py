"""SymPy expression -> Loss: variables, vectorized NumPy value / gradient / Hessian, LaTeX.

A point set is a float array of shape ``(..., n)`` with ``n`` = number of variables (1 or 2); the
value is ``(...)``, the gradient ``(..., n)``, the Hessian ``(..., n, n)``. Evaluation never raises
and never warns: outside the function's domain (``log`` of a negative, ``1/0``, overflow) the
result is NaN. Derivatives are symbolic; where they are distributions (``d/dx sign(x)`` is a Dirac
delta) the almost-everywhere derivative, 0, is used.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import sympy
from sympy.printing.numpy import NumPyPrinter

from .parse import InvalidExpression, parse

__all__ = ["Loss", "compile_loss", "loss_from_expr"]


@dataclass(frozen=True, eq=False)
class Loss:
    """A compiled loss f: R^n -> R with n in {1, 2}.

    ``value(p)`` = f(p), ``gradient(p)`` = (df/dv for v in variables), ``hessian(p)`` =
    (d^2 f / du dv), all over the last axis of ``p``.
    """
    text: str
    expr: sympy.Expr
    variables: tuple[str, ...]
    symbols: tuple[sympy.Symbol, ...]
    gradient_exprs: tuple[sympy.Expr, ...]
    hessian_exprs: tuple[tuple[sympy.Expr, ...], ...]
    latex: str
    gradient_latex: str
    _value: Callable = field(repr=False)
    _gradient: Callable = field(repr=False)
    _hessian: Callable = field(repr=False)

    @property
    def n(self) -> int:
        return len(self.variables)

    @property
    def partial_latex(self) -> tuple[str, ...]:
        """LaTeX of each partial derivative, in ``variables`` order."""
        return tuple(sympy.latex(g) for g in self.gradient_exprs)

    def value(self, points) -> np.ndarray:
        """f at every point: ``(..., n) -> (...)``; NaN where f is not finite."""
        pts = self._points(points)
        return _evaluate(self._value, pts, (1,))[..., 0]

    def gradient(self, points) -> np.ndarray:
        """Symbolic gradient at every point: ``(..., n) -> (..., n)``; NaN where not finite."""
        pts = self._points(points)
        return _evaluate(self._gradient, pts, (self.n,))

    def hessian(self, points) -> np.ndarray:
        """Symbolic Hessian at every point: ``(..., n) -> (..., n, n)``; NaN where not finite."""
        pts = self._points(points)
        flat = _evaluate(self._hessian, pts, (self.n * self.n,))
        return flat.reshape(pts.shape[:-1] + (self.n, self.n))

    def _points(self, points) -> np.ndarray:
        pts = np.asarray(points, dtype=float)
        if pts.ndim == 0 or pts.shape[-1] != self.n:
            raise ValueError(f"points must have shape (..., {self.n}) for a loss of "
                             f"{', '.join(self.variables)}; got shape {pts.shape}")
        return pts


def _evaluate(func: Callable, pts: np.ndarray, tail: tuple[int, ...]) -> np.ndarray:
    """Call a lambdified function on the columns of ``pts`` and return ``pts.shape[:-1] + tail``.

    Constant outputs (lambdify returns scalars for them) are broadcast; non-finite and complex
    entries become NaN; a numeric error becomes an all-NaN result instead of an exception.
    """
    shape = pts.shape[:-1]
    columns = [pts[..., i] for i in range(pts.shape[-1])]
    with np.errstate(all="ignore"):
        try:
            results = func(*columns)
        except (ArithmeticError, ValueError, TypeError):
            return np.full(shape + tail, np.nan)
        if all(type(r) is np.ndarray and r.shape == shape and r.dtype == np.float64
               for r in results):   # fast path: every output already a full float array
            out = np.stack(results, axis=-1)
        else:
            out = np.empty(shape + tail)
            for k, r in enumerate(results):
                r = np.asarray(r)
                if np.iscomplexobj(r):
                    r = np.where(np.imag(r) == 0, np.real(r), np.nan)
                out[..., k] = np.broadcast_to(r.astype(float, copy=False), shape)
        finite = np.isfinite(out)
        if not finite.all():
            out[~finite] = np.nan
    return out


def _almost_everywhere(expr: sympy.Expr) -> sympy.Expr:
    """Replace distributions (DiracDelta and its derivatives) by their a.e. value, 0."""
    if expr.has(sympy.DiracDelta):
        expr = expr.replace(lambda e: isinstance(e, sympy.DiracDelta), lambda e: sympy.S.Zero)
    return expr


def _derivative(expr: sympy.Expr, symbol: sympy.Symbol, text: str) -> sympy.Expr:
    d = _almost_everywhere(sympy.diff(expr, symbol))
    if d.has(sympy.Derivative) or d.has(sympy.Subs):
        raise InvalidExpression(f"SymPy cannot differentiate this expression with respect to "
                                f"{symbol} in closed form", text)
    if d.has(sympy.zoo, sympy.nan):
        raise InvalidExpression(f"the derivative with respect to {symbol} is undefined "
                                f"everywhere", text)
    return d


def _ipow(base, n: int):
    """``base**n`` for a whole ``n >= 1`` by repeated squaring.

    NumPy's ``power`` takes a slow path on negative bases (about 8x slower than multiplying on
    [-5, 5]), which made polynomial surfaces such as Styblinski-Tang miss the 10 ms budget.
    """
    result = None
    while n:
        if n & 1:
            result = base if result is None else result * base
        n >>= 1
        if n:
            base = base * base
    return result


class _Printer(NumPyPrinter):
    """NumPy code printer that writes small whole powers as ``_ipow`` (see there)."""

    def _print_Pow(self, expr, rational=False):
        e = expr.exp
        if e.is_Integer and 2 <= abs(int(e)) <= 64:
            power = f"_ipow({self._print(expr.base)}, {abs(int(e))})"
            return power if e > 0 else f"1/{power}"
        return super()._print_Pow(expr, rational=rational)


def _lambdify(symbols, exprs) -> Callable:
    # Variable names are plain identifiers that the parser checked against every name the
    # generated code can refer to (parse.RESERVED), so no dummification (which would rebuild the
    # expression on assumption-free symbols, at great cost for nested functions) is needed.
    return sympy.lambdify(symbols, list(exprs), modules=[{"_ipow": _ipow}, "numpy"], cse=True,
                          printer=_Printer)


def _gradient_latex(variables, partials) -> str:
    if len(variables) == 1:
        return rf"f'({variables[0]}) = {partials[0]}"
    rows = r" \\ ".join(partials)
    return rf"\nabla f = \begin{{pmatrix}} {rows} \end{{pmatrix}}"


def loss_from_expr(expr: sympy.Expr, symbols, text: str = "") -> Loss:
    """Build a Loss from a SymPy expression whose free symbols are among ``symbols``."""
    symbols = tuple(symbols)
    variables = tuple(str(s) for s in symbols)
    grad = tuple(_derivative(expr, s, text) for s in symbols)
    hess_upper = {(i, j): _derivative(grad[i], symbols[j], text)
                  for i in range(len(symbols)) for j in range(i, len(symbols))}
    hess = tuple(tuple(hess_upper[min(i, j), max(i, j)] for j in range(len(symbols)))
                 for i in range(len(symbols)))
    partials = [sympy.latex(g) for g in grad]
    return Loss(
        text=text, expr=expr, variables=variables, symbols=symbols,
        gradient_exprs=grad, hessian_exprs=hess,
        latex=sympy.latex(expr), gradient_latex=_gradient_latex(variables, partials),
        _value=_lambdify(symbols, [expr]),
        _gradient=_lambdify(symbols, grad),
        _hessian=_lambdify(symbols, [h for row in hess for h in row]),
    )


@functools.lru_cache(maxsize=256)
def _compile_normalised(text: str) -> Loss:
    parsed = parse(text)
    return loss_from_expr(parsed.expr, parsed.symbols, parsed.text)


def compile_loss(text: str) -> Loss:
    """Compile untrusted loss text (calculator or Python syntax, '^' is power) into a Loss.

    Raises InvalidExpression (a ValueError) whose message says what is wrong and where.
    """
    if not isinstance(text, str):
        raise InvalidExpression("the expression must be text")
    return _compile_normalised(text.strip())
