"""SymPy expression -> Loss: variables, vectorized NumPy value / gradient / Hessian, LaTeX.

A point set is a float array of shape ``(..., n)`` with ``n`` = number of variables (1 or 2); the
value is ``(...)``, the gradient ``(..., n)``, the Hessian ``(..., n, n)``. Evaluation never raises
and never warns: outside the function's domain (``log`` of a negative, ``1/0``, overflow) the
result is NaN. Derivatives are symbolic; where they are distributions (``d/dx sign(x)`` is a Dirac
delta) the almost-everywhere derivative, 0, is used.
"""
from __future__ import annotations

import functools
import math
import sys
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
        return tuple(_latex(g, self.symbols) for g in self.gradient_exprs)

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
        return as_points(points, self.variables)


def as_points(points, variables) -> np.ndarray:
    """``points`` as a float array of shape (..., n) for a loss of ``variables``, or ValueError."""
    pts = np.asarray(points, dtype=float)
    if pts.ndim == 0 or pts.shape[-1] != len(variables):
        raise ValueError(f"points must have shape (..., {len(variables)}) for a loss of "
                         f"{', '.join(variables)}; got shape {pts.shape}")
    return pts


def _evaluate(func: Callable, pts: np.ndarray, tail: tuple[int, ...]) -> np.ndarray:
    """Call a lambdified function on the columns of ``pts`` and return ``pts.shape[:-1] + tail``.

    Constant outputs (lambdify returns scalars for them) are broadcast; non-finite and complex
    entries become NaN; a numeric error becomes an all-NaN result instead of an exception.
    """
    shape = pts.shape[:-1]
    columns = [pts[..., i] for i in range(pts.shape[-1])]
    with np.errstate(all="ignore"):
        results = _call(func, columns)
        if results is None:
            return np.full(shape + tail, np.nan)
        if all(type(r) is np.ndarray and r.shape == shape and r.dtype == np.float64
               for r in results):   # fast path: every output already a full float array
            out = np.stack(results, axis=-1)
        else:
            out = np.empty(shape + tail)
            for k, r in enumerate(results):
                out[..., k] = _as_float(r, shape)
        _nan_if_not_finite(out)
    return out


def _call(func: Callable, args) -> list | None:
    """``func(*args)`` (a lambdified function; call inside ``np.errstate(all="ignore")``), or
    None when it raises a numeric error (the caller fills NaN)."""
    try:
        return func(*args)
    except (ArithmeticError, ValueError, TypeError):
        return None


def _as_float(r, shape: tuple[int, ...]) -> np.ndarray:
    """One output of a lambdified function as a float array broadcast to ``shape`` (possibly a
    read-only view): complex entries that are not real and constants beyond float range -> NaN."""
    r = np.asarray(r)
    if np.iscomplexobj(r):
        r = np.where(np.imag(r) == 0, np.real(r), np.nan)
    try:    # a constant beyond 1.8e308 is a Python int that float() refuses: NaN
        return np.broadcast_to(r.astype(float, copy=False), shape)
    except (ArithmeticError, ValueError, TypeError):
        return np.full(shape, np.nan)


def _nan_if_not_finite(out: np.ndarray) -> None:
    """Turn infinite entries of ``out`` into NaN, in place."""
    finite = np.isfinite(out)
    if not finite.all():
        out[~finite] = np.nan


def _almost_everywhere(expr: sympy.Expr) -> sympy.Expr:
    """Replace distributions (DiracDelta and its derivatives) by their a.e. value, 0."""
    if expr.has(sympy.DiracDelta):
        expr = expr.replace(lambda e: isinstance(e, sympy.DiracDelta), lambda e: sympy.S.Zero)
    return expr


# Symbolic derivatives grow polynomially (a product of n factors has an n^2 gradient and an n^3
# Hessian), and SymPy's time with them: bound their size (expression-tree nodes) before the next
# step. The presets stay far below (Goldstein-Price: gradient 328 nodes, Hessian 1278).
MAX_GRADIENT_SIZE = 1000
MAX_HESSIAN_SIZE = 20000


def _tree_size(exprs) -> int:
    """Nodes of the expression trees (what printing and lambdify walk), counted in linear time."""
    memo: dict = {}

    def size(e):
        n = memo.get(e)
        if n is None:
            n = memo[e] = 1 + sum(size(a) for a in e.args)
        return n
    return sum(size(e) for e in exprs)


def _check_size(exprs, limit: int, what: str, text: str) -> None:
    size = _tree_size(exprs)
    if size > limit:
        raise InvalidExpression(f"the expression is too complex to differentiate quickly (its "
                                f"{what} has {size} nodes; at most {limit}): simplify it", text)


def _latex(expr: sympy.Expr, symbols) -> str:
    """LaTeX of ``expr``, printed from a copy on assumption-free symbols of the same names.

    SymPy's LaTeX printer asks for the signs of exponents (``fraction``), which on ``real=True``
    symbols can take minutes even for small expressions (the gradient of 6 nested sigmoids);
    on plain symbols it is immediate and prints the same text. The copy is not re-evaluated
    (Heaviside(y**4095) on a complex y would expand (a + b i)**4095).
    """
    with sympy.evaluate(False):     # a rebuild that evaluates can itself be slow: im(y**4095)
        plain = expr.xreplace({s: sympy.Symbol(s.name) for s in symbols})
    return sympy.latex(plain)


class _abs(sympy.Function):
    """Stand-in for ``Abs(u)`` while differentiating: d|u| = sign(u) du, whatever u is.

    Descent computes in real floating point (where u would be complex the loss is NaN), but
    SymPy differentiates Abs(u) of a u it cannot prove real through re(u) and im(u): that
    gives an unevaluated Derivative for abs(log(x)) or abs(sqrt(x) - 1), and for a power a
    binomial expansion that does not finish (abs((sqrt(x) + y)^1000)).
    """

    def fdiff(self, argindex=1):
        return sympy.sign(self.args[0])


class _sign(sympy.Function):
    """Stand-in for ``sign(u)`` while differentiating: its derivative is 0 almost everywhere."""

    def fdiff(self, argindex=1):
        return sympy.S.Zero


def _derivative(expr: sympy.Expr, symbol: sympy.Symbol, text: str) -> sympy.Expr:
    if expr.has(sympy.Abs, sympy.sign):
        d = sympy.diff(expr.replace(sympy.Abs, _abs).replace(sympy.sign, _sign), symbol)
        d = d.replace(_abs, sympy.Abs).replace(_sign, sympy.sign)
    else:
        d = sympy.diff(expr, symbol)
    d = _almost_everywhere(d)
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


_EXACT_FLOAT = 2 ** 53         # integers up to this size are exact in floating point
_FLOAT_LOG_MAX = math.log(sys.float_info.max)


def _log_abs(r: sympy.Rational) -> float:
    """ln |r| of a nonzero exact rational, without converting it to a float (it may overflow)."""
    p, q = abs(int(r.p)), int(r.q)
    return _log_int(p) - _log_int(q)


def _log_int(p: int) -> float:
    bits = p.bit_length()
    if bits < 1000:
        return math.log(p)
    return math.log(p >> (bits - 60)) + (bits - 60) * math.log(2)


class _Printer(NumPyPrinter):
    """NumPy code printer for Descent's losses.

    - Small whole powers are written as ``_ipow`` (see there).
    - Exact integers that NumPy cannot hold (beyond int64: ``sin(2^70)``, ``atan(2^64)``) are
      written as float literals: as Python ints they made object arrays and NaN.
    - An exact coefficient beyond the float range times a power, ``3^1000 * x^1000`` (SymPy's
      form of ``(3x)^1000``), is written as ``(3.0*x)**1000``: the coefficient's n-th root
      folded into the power, so values that are finite in floating point come out finite.
    """

    def _print_Integer(self, expr):
        if abs(int(expr)) > _EXACT_FLOAT:
            return self._float_literal(expr)
        return super()._print_Integer(expr)

    def _print_Rational(self, expr):
        if abs(int(expr.p)) > _EXACT_FLOAT or int(expr.q) > _EXACT_FLOAT:
            return self._float_literal(expr)
        return super()._print_Rational(expr)

    @staticmethod
    def _float_literal(r: sympy.Rational) -> str:
        log = _log_abs(r)
        if log > _FLOAT_LOG_MAX:
            return "(-numpy.inf)" if r < 0 else "numpy.inf"
        return f"({float(sympy.Float(r, 17))!r})"

    def _print_Mul(self, expr):
        coeff, rest = expr.as_coeff_Mul()
        if isinstance(coeff, sympy.Rational) and coeff != 0 and rest != 1:
            log = _log_abs(coeff)
            if abs(log) > 600:          # would overflow or underflow beside the other factors
                folded = self._fold(coeff, log, rest)
                if folded is not None:
                    return folded
        return super()._print_Mul(expr)

    def _fold(self, coeff, log: float, rest):
        """``coeff * rest`` with |coeff|^(1/n) moved into a factor ``base**n`` of ``rest``."""
        factors = list(sympy.Mul.make_args(rest))
        for i, f in enumerate(factors):
            if f.is_Pow and f.exp.is_Integer and int(f.exp) >= 2 and abs(log) / int(f.exp) < 700:
                n = int(f.exp)
                root = math.exp(log / n)
                inner = f"({root!r}*{self.parenthesize(f.base, 50)})**{n}"
                others = [self._print(g) for j, g in enumerate(factors) if j != i]
                sign = "-" if coeff < 0 else ""
                return sign + "*".join([inner] + others)
        return None

    def _print_Pow(self, expr, rational=False):
        e = expr.exp
        if e.is_Integer and 2 <= abs(int(e)) <= 64:
            power = f"_ipow({self._print(expr.base)}, {abs(int(e))})"
            return power if e > 0 else f"1/{power}"
        return super()._print_Pow(expr, rational=rational)

    def _print_Heaviside(self, expr):
        # numpy.heaviside has SymPy's convention (H(0) = 1/2 unless given). The default, a
        # rewrite to Piecewise, fails on arguments such as x - 2/sign(x) (TypeError from
        # comparing zoo) and is slower.
        h0 = expr.args[1] if len(expr.args) > 1 else sympy.S.Half
        return f"numpy.heaviside({self._print(expr.args[0])}, {self._print(h0)})"


def _lambdify(symbols, exprs) -> Callable:
    # Variable names are plain identifiers that the parser checked against every name the
    # generated code can refer to (parse.RESERVED), so no dummification (which would rebuild the
    # expression on assumption-free symbols, at great cost for nested functions) is needed.
    # The printer class writes module-qualified names (numpy.exp, functools.reduce for max and
    # min): both modules must be in the namespace (parse.RESERVED keeps variables off them).
    return sympy.lambdify(symbols, list(exprs), cse=True, printer=_Printer,
                          modules=[{"_ipow": _ipow, "functools": functools}, "numpy"])


def _gradient_latex(variables, partials) -> str:
    if len(variables) == 1:
        return rf"f'({variables[0]}) = {partials[0]}"
    rows = r" \\ ".join(partials)
    return rf"\nabla f = \begin{{pmatrix}} {rows} \end{{pmatrix}}"


def derivatives(expr: sympy.Expr, symbols, text: str = ""):
    """(gradient, Hessian) of ``expr`` in ``symbols`` as SymPy expressions (the Hessian as a
    symmetric tuple of rows, its upper triangle differentiated once), each bounded in size."""
    grad = tuple(_derivative(expr, s, text) for s in symbols)
    _check_size(grad, MAX_GRADIENT_SIZE, "gradient", text)
    upper = {(i, j): _derivative(grad[i], symbols[j], text)
             for i in range(len(symbols)) for j in range(i, len(symbols))}
    _check_size(upper.values(), MAX_HESSIAN_SIZE, "Hessian", text)
    hess = tuple(tuple(upper[min(i, j), max(i, j)] for j in range(len(symbols)))
                 for i in range(len(symbols)))
    return grad, hess


def loss_from_expr(expr: sympy.Expr, symbols, text: str = "") -> Loss:
    """Build a Loss from a SymPy expression whose free symbols are among ``symbols``."""
    symbols = tuple(symbols)
    variables = tuple(str(s) for s in symbols)
    grad, hess = derivatives(expr, symbols, text)
    partials = [_latex(g, symbols) for g in grad]
    return Loss(
        text=text, expr=expr, variables=variables, symbols=symbols,
        gradient_exprs=grad, hessian_exprs=hess,
        latex=_latex(expr, symbols), gradient_latex=_gradient_latex(variables, partials),
        _value=_lambdify(symbols, [expr]),
        _gradient=_lambdify(symbols, grad),
        _hessian=_lambdify(symbols, [h for row in hess for h in row]),
    )


@functools.lru_cache(maxsize=256)
def _compile_normalised(text: str) -> Loss:
    parsed = parse(text)
    try:
        return loss_from_expr(parsed.expr, parsed.symbols, parsed.text)
    except InvalidExpression:
        raise
    except (ArithmeticError, AttributeError, RecursionError, TypeError, ValueError) as err:
        # a SymPy failure on an unusual expression: a message, never the raw exception text
        raise InvalidExpression("SymPy could not compile this expression; try writing it "
                                "differently", parsed.text) from err


def compile_loss(text: str) -> Loss:
    """Compile untrusted loss text (calculator or Python syntax, '^' is power) into a Loss.

    Raises InvalidExpression (a ValueError) whose message says what is wrong and where.

    Bounds: ``parse`` refuses every constant beyond floating point and every exact number too
    large to compute before SymPy computes it, and the gradient and Hessian have size limits.
    SymPy's symbolic work on a valid expression (assumption queries, differentiation,
    simplification) is *not* bounded in this process: ``tanh(asin(x)^1000)`` runs for minutes.
    For untrusted text use ``landscapes.guard.compile_loss_within``, the bounded entry point
    (a child process under a CPU-time deadline), as the page does.
    """
    if not isinstance(text, str):
        raise InvalidExpression("the expression must be text")
    # only trailing space is dropped: leading space would shift the positions in messages
    return _compile_normalised(text.rstrip())
