"""Classic loss landscapes: expression, domain, starts, every minimum in the domain, cited.

    from landscapes import PRESETS
    p = PRESETS["himmelblau"]
    p.expression, p.domain, p.starts, p.minima, p.minimum_values, p.global_minima

Conventions:

* ``expression`` is text in the calculator syntax that ``compile_loss`` accepts (``^`` is power).
* ``domain`` gives ``(lo, hi)`` per variable in ``variables`` order (sorted names: ``x, y`` in
  2-D, ``w`` in 1-D), as do the points in ``starts`` and ``minima``.
* ``minima`` lists *every* local minimum inside the domain (an interior point that is a strict
  local minimum), global ones included, with ``minimum_values``. Minima that the literature gives
  in closed form are written as such; the others were computed with Newton's method on the
  symbolic gradient, polished at 40 digits with mpmath, and are given to 10 decimals.
  Landscapes with many minima use their symmetries to list them (Rastrigin is separable, Ackley is
  symmetric under the eight symmetries of the square, Levi N.13 under reflection about x = 1 and
  about y = 1); the tests check every generated point independently.
* ``kinks`` are the minima where the loss has no gradient (the tip of Ackley's cone): they are
  minima but not stationary points, so ``analysis.critical_points`` does not report them.
* ``lr`` and ``steps`` suit plain gradient descent from every start (it does not diverge);
  ``log_color`` suggests a logarithmic colour scale for landscapes spanning many decades.
* ``rates`` gives measured learning rates for the optimizers whose rule-of-thumb rate
  (``optimizers.rates.suited_lr``) does not reach a minimum here within ``steps``; most presets
  need none. ``steps`` are enough for gradient descent, momentum and Adam at their rates to
  reach a minimum from every start, except where the preset teaches otherwise (``teaches``).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

__all__ = ["PRESETS", "Preset"]

Point = tuple[float, ...]

_JAMIL_YANG = ("Jamil & Yang 2013, \"A literature survey of benchmark functions for global "
               "optimization problems\", Int. J. Math. Modelling & Numerical Optimisation 4(2)")
_SFU = ("Surjanovic & Bingham, Virtual Library of Simulation Experiments: Test Functions and "
        "Datasets, Simon Fraser University, https://www.sfu.ca/~ssurjano/optimization.html")


@dataclass(frozen=True)
class Preset:
    """A classic landscape with everything needed to show it and to check an optimizer on it."""
    key: str
    name: str
    expression: str
    variables: tuple[str, ...]
    domain: tuple[tuple[float, float], ...]
    starts: tuple[Point, ...]
    minima: tuple[Point, ...]
    minimum_values: tuple[float, ...]
    lr: float
    steps: int
    log_color: bool
    source: str
    teaches: str
    kinks: tuple[Point, ...] = ()
    notes: str = ""
    rates: tuple[tuple[str, float], ...] = ()   # (optimizer, lr): measured, where the rule fails

    def __post_init__(self):
        n = len(self.variables)
        if n not in (1, 2) or tuple(sorted(self.variables)) != self.variables:
            raise ValueError(f"{self.key}: variables must be 1 or 2 sorted names")
        if len(self.domain) != n or any(not lo < hi for lo, hi in self.domain):
            raise ValueError(f"{self.key}: domain must give lo < hi for each variable")
        if len(self.minima) != len(self.minimum_values):
            raise ValueError(f"{self.key}: one value per minimum")
        for p in self.starts + self.minima + self.kinks:
            if len(p) != n or not self.contains(p):
                raise ValueError(f"{self.key}: point {p} is not inside the domain")
        if not set(self.kinks) <= set(self.minima):
            raise ValueError(f"{self.key}: kinks must be listed among the minima")
        if not 1 <= len(self.starts) <= 3:
            raise ValueError(f"{self.key}: give 1 to 3 starts")

    @property
    def n(self) -> int:
        return len(self.variables)

    @property
    def global_value(self) -> float | None:
        """The lowest minimum value in the domain (None when there is no minimum)."""
        return min(self.minimum_values) if self.minimum_values else None

    @property
    def is_global(self) -> tuple[bool, ...]:
        """For each minimum, whether it is a global minimum (within 1e-9 of the lowest value)."""
        low = self.global_value
        return tuple(v <= low + 1e-9 * (1 + abs(low)) for v in self.minimum_values)

    @property
    def global_minima(self) -> tuple[Point, ...]:
        return tuple(p for p, g in zip(self.minima, self.is_global) if g)

    @property
    def local_minima(self) -> tuple[Point, ...]:
        """The minima that are not global."""
        return tuple(p for p, g in zip(self.minima, self.is_global) if not g)

    def contains(self, point) -> bool:
        return all(lo <= c <= hi for c, (lo, hi) in zip(point, self.domain))

    def compile(self):
        """The compiled Loss of ``expression`` (cached by ``compile_loss``)."""
        from .loss import compile_loss
        return compile_loss(self.expression)


def _sorted_minima(pairs):
    """(point, value) pairs -> (points, values), lowest value first, ties by coordinates."""
    pairs = sorted(pairs, key=lambda pv: (round(pv[1], 9), pv[0]))
    return tuple(p for p, _ in pairs), tuple(v for _, v in pairs)


def _orbit(pairs, maps):
    """Close a table of (point, value) under symmetries, each point once."""
    seen = {}
    for (p, v), m in itertools.product(pairs, maps):
        q = tuple(round(c, 10) + 0.0 for c in m(p))
        seen.setdefault(q, v)
    return list(seen.items())


# ---------------------------------------------------------------------------------------------
# tables of computed minima (Newton on the symbolic gradient, polished with mpmath at 40 digits)

# Rastrigin is separable: f(x, y) = g(x) + g(y) with g(t) = 10 + t^2 - 10 cos(2 pi t), an even
# function. Its local minima on [-5.12, 5.12] sit just inside each integer k, |k| <= 5 (at
# t ~ 0.995 k); listed here for t >= 0 as (t, g(t)).
_RASTRIGIN_1D = (
    (0.0, 0.0),
    (0.9949586377, 0.9949590571),
    (1.9899122337, 3.9798311906),
    (2.984855701, 8.9546012415),
    (3.9797838603, 15.9192437925),
    (4.9746913909, 24.8737229345),
)
_RASTRIGIN_T = [(s * t, g) for t, g in _RASTRIGIN_1D for s in ((1,) if t == 0 else (1, -1))]
_RASTRIGIN = [((a, b), ga + gb) for (a, ga), (b, gb) in itertools.product(_RASTRIGIN_T, repeat=2)]

# Ackley on [-5, 5]^2: a local minimum near every integer point (i, j), pulled slightly towards
# the origin, plus the global minimum at the origin itself (a kink). Listed for 0 <= y <= x; the
# others follow from the symmetries (x, y) -> (+-x, +-y), (+-y, +-x).
_ACKLEY_SECTOR = (
    ((0.952166546, 0.0), 2.579927557),
    ((0.9684776587, 0.9684776587), 3.5744518773),
    ((1.9589197181, 0.0), 4.8840652581),
    ((1.9646166629, 0.9824160351), 5.3818641875),
    ((1.9744519865, 1.9744519865), 6.5596453756),
    ((2.9646194431, 0.0), 6.8825826468),
    ((2.9672595288, 0.9891541865), 7.1809516477),
    ((2.9731394199, 1.9821399504), 7.9617112747),
    ((2.9792239547, 2.9792239547), 9.0010934783),
    ((3.9694667434, 0.0), 8.616250044),
    ((3.9709183151, 0.9927672062), 8.813151774),
    ((3.9745401785, 1.9873106146), 9.3530392391),
    ((3.9789247508, 2.9842137381), 10.1203507436),
    ((3.9830676997, 3.9830676997), 10.9982621026),
    ((4.973611258, 0.0), 10.1203312738),
    ((4.9744977222, 0.9949203738), 10.2579743721),
    ((4.9768438493, 1.9907648757), 10.6450274837),
    ((4.9799579395, 2.9879950589), 11.21754948),
    ((4.9831988968, 3.986568098), 11.9012566351),
    ((4.986180457, 4.986180457), 12.6322689915),
)
_SQUARE = [lambda p, s=s, t=t, swap=swap: ((s * p[1], t * p[0]) if swap else (s * p[0], t * p[1]))
           for s in (1, -1) for t in (1, -1) for swap in (False, True)]
_ACKLEY = [((0.0, 0.0), 0.0)] + _orbit(_ACKLEY_SECTOR, _SQUARE)

# Levi N.13 on [-1, 3]^2: 147 local minima. The function is unchanged by x -> 2 - x and by
# y -> 2 - y, so the quadrant x >= 1, y >= 1 is listed.
_LEVI13_QUADRANT = (
    ((1.0, 1.0), 0.0),
    ((1.3296194745, 1.0), 0.1098736584),
    ((1.3283339434, 1.2661067995), 0.2887115266),
    ((1.6592207974, 1.0), 0.439488605),
    ((1.6591770001, 1.3251684875), 0.6316425103),
    ((1.0, 1.9726624021), 0.9737115956),
    ((1.9887850034, 1.0), 0.988826486),
    ((1.6567921403, 1.6019906403), 1.0733246411),
    ((1.3294731567, 1.9786918769), 1.0890993446),
    ((1.9887734699, 1.3299363019), 1.1823165385),
    ((1.6591102916, 1.9870109839), 1.4266326496),
    ((1.9880456423, 1.6391764146), 1.7019712696),
    ((2.3182913965, 1.0), 1.7578557832),
    ((2.3182866503, 1.3314632072), 1.9517747074),
    ((1.988722132, 1.9920628515), 1.9809214687),
    ((1.0, 2.4825715627), 2.2242709774),
    ((1.3260933477, 2.4803303502), 2.4383888178),
    ((2.317971551, 1.6512660989), 2.4991601138),
    ((2.6477163953, 1.0), 2.7465302928),
    ((2.318255347, 1.9948443543), 2.7527092203),
    ((2.6477139533, 1.3321479109), 2.9406416061),
    ((1.6524694115, 2.4676360164), 3.0726373055),
    ((2.6475481666, 1.6568160578), 3.5009343837),
    ((2.6476943962, 1.9964415187), 3.7429748518),
    ((2.9770319451, 1.0), 3.9547867044),
    ((1.9858725959, 2.3898492051), 3.9585513262),
    ((1.0, 2.9871130696), 3.9744501433),
    ((1.3295716929, 2.9878801279), 4.0858239349),
    ((2.9770305019, 1.3325142571), 4.1490009651),
    ((1.6591513432, 2.9897121015), 4.4190344336),
    ((2.9769313596, 1.6598254166), 4.7163205957),
    ((2.3175879107, 2.3562623589), 4.8114543131),
    ((2.9770175991, 1.997417462), 4.9522053416),
    ((1.9887175079, 2.9917755984), 4.9724429547),
    ((2.3182354042, 2.9935733648), 5.7450349713),
    ((2.3084852262, 2.5698393509), 5.7466999489),
    ((2.647430912, 2.3461763335), 5.825459798),
    ((2.6476726291, 2.9949800593), 6.7365063766),
    ((2.9768827864, 2.3416662561), 7.045027174),
    ((2.6434437276, 2.6154484782), 7.0882924935),
    ((2.9769981831, 2.9960377905), 7.9468703218),
    ((2.9746647832, 2.6330928242), 8.4686702561),
)
_MIRROR_1 = [lambda p, a=a, b=b: (2 - p[0] if a else p[0], 2 - p[1] if b else p[1])
             for a in (False, True) for b in (False, True)]
_LEVI13 = _orbit(_LEVI13_QUADRANT, _MIRROR_1)


# ---------------------------------------------------------------------------------------------
# the catalogue

def _preset(key, name, expression, variables, domain, starts, minima, lr, steps, source, teaches,
            *, log_color=False, kinks=(), notes="", rates=()):
    points, values = _sorted_minima(minima)
    return Preset(key=key, name=name, expression=expression, variables=tuple(variables),
                  domain=tuple(tuple(map(float, d)) for d in domain),
                  starts=tuple(tuple(map(float, s)) for s in starts),
                  minima=tuple(tuple(map(float, p)) for p in points),
                  minimum_values=tuple(map(float, values)), lr=lr, steps=steps,
                  log_color=log_color, source=source, teaches=teaches,
                  kinks=tuple(tuple(map(float, k)) for k in kinks), notes=notes,
                  rates=tuple((o, float(r)) for o, r in rates))


_CATALOGUE = [
    _preset(
        "quartic", "Quartic w^4 - 3w^3 + 2", "w^4 - 3*w^3 + 2", "w", [(-2, 4)],
        starts=[(-1.5,), (3.5,)], minima=[((2.25,), -1675 / 256)], lr=0.001, steps=2000,
        # Adam at the rule's 0.06 stalls at the flat point from -1.5 as well (its average of
        # squared gradients remembers the steep start); 0.07 to 2 all pass it (measured)
        rates=[("adam", 0.1)],
        source="The worked example of Wikipedia's \"Gradient descent\" article "
               "(f(x) = x^4 - 3x^3 + 2, minimum at x = 9/4)",
        teaches="A stationary point need not be a minimum: from w = -1.5 plain gradient descent "
                "creeps up to the flat inflection point at w = 0 and stalls there, while from the "
                "right it reaches the minimum at w = 9/4.",
        notes="f'(w) = w^2 (4w - 9): a double root at 0 (inflection, not a minimum) and the "
              "minimum at 9/4 with f = -1675/256."),
    _preset(
        "double_well", "Tilted double well", "(w^2 - 1)^2 + 0.3*w", "w", [(-2, 2)],
        starts=[(0.5,), (-0.5,)],
        minima=[((-1.0355787141,), -0.3054284837), ((0.9601495555,), 0.294146481)],
        lr=0.05, steps=100,
        source="The quartic double-well potential (Strogatz 1994, Nonlinear Dynamics and Chaos, "
               "Sec. 2.7), tilted by 0.3 w so that the two wells differ",
        teaches="Where you start decides where you end: plain gradient descent settles in the "
                "well it starts in, even when that is the shallower one.",
        notes="Minima: the roots of 4w^3 - 4w + 0.3 = 0 with f'' > 0."),
    _preset(
        "bowl", "Round bowl", "x^2 + y^2", "xy", [(-2, 2), (-2, 2)],
        starts=[(1.5, 1.0)], minima=[((0, 0), 0.0)], lr=0.1, steps=150,
        source="The sphere function (De Jong 1975, \"An analysis of the behavior of a class of "
               "genetic adaptive systems\", PhD thesis, University of Michigan); " + _SFU,
        teaches="On a perfectly conditioned bowl the negative gradient points straight at the "
                "minimum, so gradient descent walks a straight line to it."),
    _preset(
        "ill_conditioned", "Ill-conditioned bowl (condition number 25)", "x^2 + 25*y^2", "xy",
        [(-2, 2), (-2, 2)], starts=[(-1.8, 0.5)], minima=[((0, 0), 0.0)], lr=0.035, steps=200,
        source="Boyd & Vandenberghe 2004, Convex Optimization, Sec. 9.3 (gradient descent on a "
               "quadratic and its condition number)",
        teaches="Curvature 25 times larger across the valley than along it caps the learning "
                "rate, so gradient descent zig-zags across the valley and crawls along it."),
    _preset(
        "saddle", "Saddle x^2 - y^2", "x^2 - y^2", "xy", [(-2, 2), (-2, 2)],
        starts=[(1.8, 0.0), (1.8, 0.02)], minima=[], lr=0.1, steps=30,
        source="Dauphin et al. 2014, \"Identifying and attacking the saddle point problem in "
               "high-dimensional non-convex optimization\", NeurIPS",
        teaches="A saddle attracts along one axis and repels along the other: started exactly on "
                "the ridge gradient descent converges to the saddle, the slightest offset "
                "escapes, slowly at first.",
        notes="No minimum: the loss is unbounded below. The only critical point is the saddle "
              "at the origin."),
    _preset(
        "rosenbrock", "Rosenbrock", "(1 - x)^2 + 100*(y - x^2)^2", "xy", [(-2, 2), (-1, 3)],
        starts=[(-1.5, 2.0), (1.5, -0.5)], minima=[((1, 1), 0.0)], lr=0.001, steps=5000,
        log_color=True,
        # momentum at 0.001 diverges from (1.5, -0.5) at step 14 (0.0003 to 0.0008 reach);
        # Adam at 0.04 stalls on the valley floor (0.045 to 0.08 reach; 0.05 as in the lesson)
        rates=[("momentum", 0.0005), ("adam", 0.05)],
        source="Rosenbrock 1960, \"An automatic method for finding the greatest or least value "
               "of a function\", The Computer Journal 3(3):175-184",
        teaches="A long, curved, flat-bottomed valley: reaching the valley is quick, following it "
                "to the minimum takes plain gradient descent thousands of steps."),
    _preset(
        "himmelblau", "Himmelblau", "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", "xy",
        [(-5, 5), (-5, 5)], starts=[(0.0, 0.0), (-1.0, 0.5), (-0.5, -1.5)],
        minima=[((3, 2), 0.0), ((-2.8051180870, 3.1313125183), 0.0),
                ((-3.7793102534, -3.2831859913), 0.0), ((3.5844283403, -1.8481265270), 0.0)],
        lr=0.01, steps=200, log_color=True,
        source="Himmelblau 1972, Applied Nonlinear Programming, McGraw-Hill; " + _SFU,
        teaches="Four equally good minima: which one gradient descent reaches depends only on "
                "the basin its start lies in.",
        notes="(3, 2) is exact; the other three are roots of a quartic, given to 10 decimals. "
              "It also has one maximum, (-0.270845, -0.923039), and four saddles."),
    _preset(
        "beale", "Beale",
        "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2", "xy",
        [(-4.5, 4.5), (-4.5, 4.5)], starts=[(1.0, 1.5), (-2.0, 2.0)],
        minima=[((3, 0.5), 0.0)], lr=0.005, steps=5000, log_color=True,
        # gradient descent at 0.001 ends on the plateau towards x = -inf from (-2, 2); 0.0035 to
        # 0.007 reach (measured). Momentum diverges at 0.005 (0.00025 to 0.002 reach); Adam at
        # the rule's 0.09 follows that plateau out of the box (0.25 to 0.8 reach)
        rates=[("momentum", 0.001), ("adam", 0.4)],
        source="Beale 1958, \"On an iterative method for finding a local minimum of a function "
               "of more than one variable\", Tech. Rep. 25, Statistical Techniques Research "
               "Group, Princeton University; " + _SFU,
        teaches="Sharp ridges beside flat plateaus: a learning rate small enough for the ridges "
                "leaves gradient descent crawling on the plateaus.",
        notes="One minimum in the box; its other critical points are the saddles (0, 1) and "
              "(0.100538, -2.644514)."),
    _preset(
        "booth", "Booth", "(x + 2*y - 7)^2 + (2*x + y - 5)^2", "xy", [(-10, 10), (-10, 10)],
        starts=[(-8.0, 8.0)], minima=[((1, 3), 0.0)], lr=0.05, steps=200,
        source=_JAMIL_YANG + "; " + _SFU,
        teaches="A plain convex quadratic with a tilted elliptical bowl: the sanity check every "
                "optimizer should pass."),
    _preset(
        "matyas", "Matyas", "0.26*(x^2 + y^2) - 0.48*x*y", "xy", [(-10, 10), (-10, 10)],
        starts=[(8.0, -2.0)], minima=[((0, 0), 0.0)], lr=1.0, steps=300,
        # Adam at the rule's 0.2 needs 547 steps along the flat valley (0.4 to 10 reach in 300)
        rates=[("adam", 0.7)],
        source=_JAMIL_YANG + "; " + _SFU,
        teaches="A nearly flat valley along the diagonal (Hessian eigenvalues 1 and 0.04): "
                "gradient descent drops into the valley at once, then slides along it slowly."),
    _preset(
        "three_hump_camel", "Three-hump camel", "2*x^2 - 1.05*x^4 + x^6/6 + x*y + y^2", "xy",
        [(-5, 5), (-5, 5)], starts=[(2.0, 0.0), (-0.5, 1.5)],
        minima=[((0, 0), 0.0), ((-1.7475523458, 0.8737761729), 0.2986384422),
                ((1.7475523458, -0.8737761729), 0.2986384422)],
        lr=0.01, steps=500, log_color=True,
        source=_JAMIL_YANG + "; " + _SFU,
        teaches="A global minimum between two local ones: a start on the flank ends in a local "
                "valley, one nearer the middle in the global one.",
        notes="Global minimum from the literature; the two local minima computed."),
    _preset(
        "six_hump_camel", "Six-hump camel",
        "(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2", "xy", [(-3, 3), (-2, 2)],
        starts=[(0.0, 0.1), (-1.5, 1.5), (1.5, 1.0)],
        minima=[((-0.0898420131, 0.7126564030), -1.0316284535),
                ((0.0898420131, -0.7126564030), -1.0316284535),
                ((-1.7036067150, 0.7960835687), -0.2154638244),
                ((1.7036067150, -0.7960835687), -0.2154638244),
                ((-1.6071047529, -0.5686514549), 2.1042503103),
                ((1.6071047529, 0.5686514549), 2.1042503103)],
        lr=0.01, steps=500, log_color=True,
        source="Dixon & Szego 1978, \"The global optimisation problem: an introduction\", "
               "Towards Global Optimisation 2, North-Holland; " + _SFU,
        teaches="Six minima, two of them global, around a saddle at the origin: a start next to "
                "the saddle picks one global minimum, starts on the flanks stop in local ones.",
        notes="Global minima -1.0316 at (+-0.0898, -+0.7126) from the literature, refined; the "
              "four local minima computed."),
    _preset(
        "rastrigin", "Rastrigin",
        "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)", "xy", [(-5.12, 5.12), (-5.12, 5.12)],
        starts=[(4.2, 3.7), (-2.6, 1.4), (0.4, -0.3)], minima=_RASTRIGIN, lr=0.002, steps=500,
        source="Rastrigin 1974, Systems of Extremal Control, Nauka, Moscow; Muehlenbein, "
               "Schomisch & Born 1991, Parallel Computing 17; " + _SFU,
        teaches="A bowl covered in regular ripples: 121 local minima trap gradient descent in the "
                "nearest dimple almost wherever it starts.",
        notes="All 121 minima of the standard box [-5.12, 5.12]^2 are listed (11 per axis, the "
              "function being separable); global minimum 0 at the origin."),
    _preset(
        "ackley", "Ackley",
        "-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20",
        "xy", [(-5, 5), (-5, 5)], starts=[(3.3, -2.6), (0.7, 0.3), (-1.2, 4.4)],
        minima=_ACKLEY, lr=0.01, steps=500, kinks=[(0.0, 0.0)],
        source="Ackley 1987, A Connectionist Machine for Genetic Hillclimbing, Kluwer; " + _SFU,
        teaches="A rippled, nearly flat plateau around one deep funnel: gradient descent stops in "
                "the first ripple it meets, even close to the funnel, whose tip has no gradient.",
        notes="Shown on [-5, 5]^2 instead of the benchmark box [-32.768, 32.768]^2 so that the "
              "funnel is visible; 121 minima: the global one at the origin (a cone tip, listed "
              "in kinks) and 120 local ones near the integer points."),
    _preset(
        "goldstein_price", "Goldstein-Price",
        "(1 + (x + y + 1)^2*(19 - 14*x + 3*x^2 - 14*y + 6*x*y + 3*y^2))"
        "*(30 + (2*x - 3*y)^2*(18 - 32*x + 12*x^2 + 48*y - 36*x*y + 27*y^2))",
        "xy", [(-2, 2), (-2, 2)], starts=[(0.5, -1.5), (-1.0, 0.0), (1.5, 0.5)],
        minima=[((0, -1), 3.0), ((-0.6, -0.4), 30.0), ((1.8, 0.2), 84.0), ((1.2, 0.8), 840.0)],
        lr=5e-5, steps=3000, log_color=True,
        source="Goldstein & Price 1971, \"On descent from local minima\", Mathematics of "
               "Computation 25(115):569-574; " + _SFU,
        teaches="Values from 3 to a million and four minima: the landscape needs log colouring "
                "and gradient descent a tiny learning rate.",
        notes="Global minimum 3 at (0, -1) from the literature; the local minima, computed, lie "
              "exactly on rational points (checked symbolically in the tests)."),
    _preset(
        "styblinski_tang", "Styblinski-Tang",
        "(x^4 - 16*x^2 + 5*x + y^4 - 16*y^2 + 5*y)/2", "xy", [(-5, 5), (-5, 5)],
        starts=[(0.1, -0.2), (0.5, 0.5), (-0.5, 0.5)],
        minima=[((-2.9035340278, -2.9035340278), -78.3323314075),
                ((-2.9035340278, 2.7468027710), -64.1956123591),
                ((2.7468027710, -2.9035340278), -64.1956123591),
                ((2.7468027710, 2.7468027710), -50.0588933106)],
        lr=0.01, steps=300,
        source="Styblinski & Tang 1990, \"Experiments in nonconvex optimization: stochastic "
               "approximation with function smoothing and simulated annealing\", Neural "
               "Networks 3(4):467-483; " + _SFU,
        teaches="Two 1-D double wells added together: four minima, and the quadrant a start lies "
                "in decides which one gradient descent reaches.",
        notes="Separable: minima at t = -2.903534 and t = 2.746803 in each coordinate."),
    _preset(
        "levi13", "Levi N.13",
        "sin(3*pi*x)^2 + (x - 1)^2*(1 + sin(3*pi*y)^2) + (y - 1)^2*(1 + sin(2*pi*y)^2)", "xy",
        [(-1, 3), (-1, 3)], starts=[(2.6, -0.5), (0.2, 2.3), (1.4, 1.4)], minima=_LEVI13,
        lr=0.005, steps=500,
        source=_SFU,
        teaches="Ripples in both directions over a bowl: even a start next to the global minimum "
                "at (1, 1) is caught by a local one.",
        notes="Shown on [-1, 3]^2, centred on the global minimum, instead of the benchmark box "
              "[-10, 10]^2 (which holds over a thousand minima): its 147 minima are listed."),
]

#: Every preset by key, in catalogue order.
PRESETS: dict[str, Preset] = {p.key: p for p in _CATALOGUE}
