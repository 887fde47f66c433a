"""Learning-rate schedules against closed-form arrays, their boundaries, warm-up and validation."""
import math

import numpy as np
import pytest

from optimizers import schedules
from optimizers.schedules import SCHEDULES, make

T = np.arange(1000)


def test_constant():
    s = make("constant", lr=0.3)
    assert np.array_equal(s(T), np.full(1000, 0.3))
    assert s(0) == 0.3 and isinstance(s(7), float)


def test_step_halves_every_block_and_changes_exactly_at_multiples():
    s = make("step", lr=0.8, every=100)                     # default factor 0.5
    expected = np.array([0.8 * 0.5 ** (t // 100) for t in T])
    assert np.array_equal(s(T), expected)
    assert s(99) == 0.8 and s(100) == 0.4 and s(199) == 0.4 and s(200) == 0.2
    assert make("step", lr=1.0, factor=0.1, every=3)(np.array([0, 2, 3, 5, 6])).tolist() == \
        pytest.approx([1, 1, 0.1, 0.1, 0.01], rel=1e-15)


def test_exponential():
    s = make("exponential", lr=0.1, k=0.01)
    assert np.allclose(s(T), [0.1 * math.exp(-0.01 * t) for t in T], rtol=1e-14, atol=0)
    assert s(0) == 0.1


def test_inverse_time():
    s = make("inverse_time", lr=0.5, k=0.2)
    assert np.allclose(s(T), [0.5 / (1 + 0.2 * t) for t in T], rtol=1e-14, atol=0)
    assert s(5) == pytest.approx(0.25)


def test_cosine_endpoints_midpoint_and_after_total():
    s = make("cosine", lr=1.0, total=100, min_lr=0.1)
    assert s(0) == 1.0
    assert s(50) == pytest.approx(0.55)
    assert s(100) == pytest.approx(0.1)
    assert np.allclose(s(np.arange(100, 300)), 0.1)
    expected = [0.1 + 0.45 * (1 + math.cos(math.pi * min(t, 100) / 100)) for t in T]
    assert np.allclose(s(T), expected, rtol=1e-14, atol=1e-16)
    assert np.all(np.diff(s(np.arange(101))) < 0)
    assert make("cosine", lr=2.0, total=10)(10) == pytest.approx(0.0, abs=1e-15)   # min_lr 0


def test_warmup_ramps_linearly_then_follows_the_schedule():
    s = make("constant", lr=0.6, warmup=4)
    assert s(np.arange(7)).tolist() == pytest.approx([0.15, 0.3, 0.45, 0.6, 0.6, 0.6, 0.6])
    base = make("exponential", lr=0.1, k=0.05)
    warm = make("exponential", lr=0.1, k=0.05, warmup=10)
    factor = np.minimum(1.0, (T + 1) / 10)
    assert np.allclose(warm(T), base(T) * factor, rtol=1e-15)
    assert np.array_equal(warm(np.arange(9, 1000)), base(np.arange(9, 1000)))
    assert warm(0) == pytest.approx(0.1 / 10)


def test_warmup_composes_with_every_kind():
    for name in SCHEDULES:
        base, warm = make(name, lr=0.2), make(name, lr=0.2, warmup=25)
        assert np.allclose(warm(T), base(T) * np.minimum(1, (T + 1) / 25), rtol=1e-15), name


def test_scalar_and_array_calls_agree_and_are_pure():
    for name in SCHEDULES:
        s = make(name, lr=0.05)
        table = s(T)
        assert table.shape == (1000,) and table.dtype == float
        assert [s(int(t)) for t in (0, 1, 499, 999)] == table[[0, 1, 499, 999]].tolist()
        assert np.array_equal(s(T), table)


def test_table_describes_every_schedule():
    assert set(SCHEDULES) == {"constant", "step", "exponential", "inverse_time", "cosine"}
    for name, kind in SCHEDULES.items():
        assert kind.latex.startswith(r"\eta_t")
        defaults = {p.name: p.default for p in kind.params}
        s = make(name, **defaults)
        assert s.params == defaults
        for p in kind.params:
            assert p.low <= p.default <= p.high and p.help
    assert schedules.WARMUP.default == 0
    assert "warm" not in make("step").latex and r"\frac{t+1}{W}" in make("step", warmup=3).latex


@pytest.mark.parametrize("call, fragment", [
    (lambda: make("linear"), "'linear'"),
    (lambda: make("step", factor=0.0), "factor=0.0"),
    (lambda: make("step", every=0), "every=0"),
    (lambda: make("step", every=2.5), "every=2.5"),
    (lambda: make("cosine", total=-3), "total=-3"),
    (lambda: make("exponential", k=float("nan")), "k=nan"),
    (lambda: make("exponential", kk=1), "'kk'"),
    (lambda: make("constant", lr=-0.1), "lr=-0.1"),
    (lambda: make("constant", lr="fast"), "lr='fast'"),
    (lambda: make("constant", warmup=-1), "warmup=-1"),
    (lambda: make("constant")(-1), "t=-1"),
])
def test_bad_arguments_raise_naming_the_value(call, fragment):
    with pytest.raises(ValueError, match=__import__("re").escape(fragment)):
        call()


def test_schedules_are_hashable_values():
    assert make("step", lr=0.1, every=5) == make("step", lr=0.1, every=5)
    assert hash(make("step", lr=0.1, every=5)) == hash(make("step", lr=0.1, every=5))
    assert make("cosine", lr=0.1, total=20, warmup=3).describe() == "cosine(lr=0.1, total=20, min_lr=0, warmup=3)"
