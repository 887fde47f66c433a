"""Property test: over the whole published parameter ranges, the fused engine takes the same
steps as each rule's own readable update function (two independent implementations)."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from _sympy_loss import make_loss
from optimizers import OPTIMIZERS, simulate

LOSS = make_loss("x**2/2 + 2*y**2 + x*y/2 + sin(x) - cos(y)/3", "x y")


def values_of(param):
    if param.kind == "bool":
        return st.booleans()
    if param.kind == "int":
        return st.integers(int(param.low), int(param.high))
    if param.log:
        return st.floats(np.log10(param.low), np.log10(param.high)).map(lambda e: float(10 ** e))
    return st.floats(param.low, param.high)


@st.composite
def cases(draw):
    name = draw(st.sampled_from(list(OPTIMIZERS)))
    options = {p.name: draw(values_of(p)) for p in OPTIMIZERS[name].params if draw(st.booleans())}
    if name == "sgd":
        options["noise"] = 0.0                         # the rule itself is deterministic
    lr = draw(st.floats(1e-4, 0.1))
    starts = draw(st.lists(st.tuples(st.floats(-2, 2), st.floats(-2, 2)), min_size=1, max_size=3))
    return name, options, lr, np.array(starts)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_engine_matches_the_rule_update(case):
    name, options, lr, starts = case
    steps = 12
    spec = OPTIMIZERS[name]
    hyper = spec.resolve(options)
    with np.errstate(all="ignore"):
        x = starts.astype(float)
        state = spec.init(x, **hyper)
        path = [x]
        for t in range(steps):
            step, state = spec.update(LOSS.gradient(x), state, lr, t, x, **hyper)
            x = x + step
            path.append(x)
    expected = np.stack(path, axis=1)
    run = simulate(LOSS, [name], starts, steps, lr=lr, options={name: options}, bound=1e300)
    finite = np.isfinite(expected).all(-1)
    ok = np.isclose(run.points[0], expected, rtol=1e-9, atol=1e-12)
    assert ok[finite].all(), (name, options, lr)
