"""viz.pack: the player's binary message (JSON header + f4 / f8 / q16 zlib blobs).

Expected values come from the documented codecs, computed here by hand: f8 is bit-exact, f4 is
``astype(float32)``, q16 rounds to the nearest of 65 535 levels on [lo, hi] (error at most half a
level, (hi - lo) / 65534 / 2), keeps NaN, and with ``log=(vmin, eps)`` quantises
log10(v - vmin + eps) (a relative error bound on v - vmin + eps).
"""
import base64
import struct

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from viz.pack import Blob, Blobs, pack, plain, unpack

LEVELS = 65534          # codes 0..65534 cover [lo, hi]; 65535 is NaN (the module's docstring)


def roundtrip(array, codec, **kw):
    """Pack one array into a message, unpack it: (decoded array, the blob's metadata)."""
    blob = Blob(array, codec, **kw)
    out = unpack(pack({"a": {"$blob": 0}}, [blob]))
    return out["a"], blob.meta


def half_level(lo, hi):
    return (hi - lo) / LEVELS / 2


# ------------------------------------------------------------------------------------ f8 / f4

SPECIALS = np.array([0.0, -0.0, 1.0, -1.5, np.pi, 1e-310, 5e-324, -1e308, np.finfo(float).max,
                     np.inf, -np.inf, np.nan, 1 / 3, 2.0**-1074 * 3, 123456789.123456789])


def test_f8_is_bit_exact_including_signed_zero_infinities_nan_and_subnormals():
    decoded, meta = roundtrip(SPECIALS, "f8")
    assert meta["codec"] == "f8" and meta["shape"] == [SPECIALS.size]
    assert decoded.dtype == np.float64
    assert np.array_equal(decoded.view(np.uint64), SPECIALS.view(np.uint64))


@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4), (1, 1, 1)])
def test_f8_keeps_shape_and_order(shape):
    a = np.arange(np.prod(shape), dtype=float).reshape(shape) * 1.1 - 3.3
    decoded, _ = roundtrip(a, "f8")
    assert decoded.shape == shape
    assert np.array_equal(decoded.view(np.uint64), a.view(np.uint64))


def test_f4_equals_a_cast_to_float32():
    rng = np.random.default_rng(3)
    a = np.concatenate([rng.normal(size=498) * 10.0 ** rng.integers(-20, 20, 498),
                        [np.nan, np.inf, -np.inf, 0.0, -0.0, 1 / 3]]).reshape(2, 3, -1)
    decoded, meta = roundtrip(a, "f4")
    assert meta["codec"] == "f4" and decoded.shape == a.shape
    expected = a.astype(np.float32).astype(np.float64)
    assert np.array_equal(decoded, expected, equal_nan=True)
    assert np.array_equal(np.signbit(decoded), np.signbit(expected))
    # and it is float32, not float64 sent in full: 1/3 is not kept beyond float32
    assert decoded.ravel()[-1] != 1 / 3


# ------------------------------------------------------------------------------------ q16

def test_q16_error_is_at_most_half_a_level_of_the_range():
    rng = np.random.default_rng(0)
    a = np.cumsum(rng.normal(size=(4, 3000)), axis=-1) * 0.37 + 5.0
    decoded, meta = roundtrip(a, "q16")
    lo, hi = a.min(), a.max()                          # default range: the finite min and max
    assert (meta["lo"], meta["hi"]) == (lo, hi)
    err = np.abs(decoded - a)
    assert err.max() <= half_level(lo, hi) * (1 + 1e-9)
    # and it really is 16-bit: not exact (a float codec would be)
    assert err.max() > half_level(lo, hi) / 10


def test_q16_given_range_clips_outside_values_to_its_ends():
    a = np.array([-5.0, 0.0, 0.25, 1.0, 9.0])
    decoded, meta = roundtrip(a, "q16", lo=0.0, hi=1.0)
    assert (meta["lo"], meta["hi"]) == (0.0, 1.0)
    assert decoded[0] == 0.0 and decoded[4] == pytest.approx(1.0, abs=1e-12)
    assert np.all(np.abs(decoded[1:4] - a[1:4]) <= half_level(0.0, 1.0) * (1 + 1e-9))


def test_q16_keeps_nan_where_it_was_and_turns_infinities_into_nan():
    a = np.array([[1.0, np.nan, 2.0, 3.0, np.nan, np.nan, 4.0],
                  [np.nan, 0.5, np.inf, -np.inf, 1.5, 2.5, np.nan]])
    decoded, _ = roundtrip(a, "q16")
    assert np.array_equal(np.isnan(decoded), ~np.isfinite(a))
    finite = np.isfinite(a)
    assert np.all(np.abs(decoded[finite] - a[finite]) <= half_level(0.5, 4.0) * (1 + 1e-9))


def test_q16_deltas_wrap_around_modulo_two_to_the_sixteen():
    # codes 0, 65534, 0, 65534 (jumps of +65534 and -65534, i.e. +2 mod 2**16), through NaN
    # (code 65535) and back down
    lo, hi = -2.0, 6.0
    a = np.array([lo, hi, lo, hi, np.nan, lo, np.nan, hi, hi, lo])
    decoded, _ = roundtrip(a, "q16", lo=lo, hi=hi)
    assert np.array_equal(np.isnan(decoded), np.isnan(a))
    ok = ~np.isnan(a)
    assert np.allclose(decoded[ok], a[ok], rtol=0, atol=1e-12)


def test_q16_deltas_run_along_the_last_axis_only():
    # each row starts afresh: rows of very different levels decode independently, in 3-D too
    a = np.zeros((3, 4, 50))
    a += np.arange(3)[:, None, None] * 100.0 + np.arange(4)[None, :, None] * 10.0
    a += np.linspace(0.0, 1.0, 50)
    a[1, 2, 17] = np.nan
    decoded, _ = roundtrip(a, "q16")
    assert decoded.shape == a.shape
    assert np.array_equal(np.isnan(decoded), np.isnan(a))
    ok = ~np.isnan(a)
    assert np.abs(decoded[ok] - a[ok]).max() <= half_level(np.nanmin(a), np.nanmax(a)) * (1 + 1e-9)


@pytest.mark.parametrize("shape", [(9,), (3, 7), (2, 3, 5)])
def test_q16_keeps_the_shape(shape):
    a = np.sin(np.arange(np.prod(shape))).reshape(shape)
    decoded, meta = roundtrip(a, "q16")
    assert decoded.shape == shape and meta["shape"] == list(shape)
    assert np.abs(decoded - a).max() <= half_level(a.min(), a.max()) * (1 + 1e-9)


@pytest.mark.parametrize("codec", ["f4", "f8", "q16"])
@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4), (2, 0, 3)])
def test_empty_arrays_round_trip(codec, shape):
    decoded, meta = roundtrip(np.zeros(shape), codec)
    assert decoded.shape == shape and meta["shape"] == list(shape)


@pytest.mark.parametrize("value", [0.0, 3.25, -1e6, 7e-12, 1e12])
def test_q16_of_a_constant_array_is_exact(value):
    a = np.full((2, 40), value)
    a[1, 5] = np.nan
    decoded, meta = roundtrip(a, "q16")
    assert meta["hi"] > meta["lo"] == value          # a zero-width range is widened
    assert np.array_equal(decoded, a, equal_nan=True)


def test_q16_with_no_finite_value_is_all_nan():
    a = np.array([[np.nan, np.inf], [-np.inf, np.nan]])
    decoded, _ = roundtrip(a, "q16")
    assert decoded.shape == (2, 2) and np.isnan(decoded).all()


def test_q16_log_transform_error_is_relative():
    # losses over ten orders of magnitude: a linear 16-bit scale would flatten the small ones
    rng = np.random.default_rng(5)
    v = 10.0 ** rng.uniform(-8, 2, size=(6, 400))
    vmin, eps = -0.5, 1e-9
    decoded, meta = roundtrip(v, "q16", log=(vmin, eps))
    assert meta["log"] == [vmin, eps]
    u = np.log10(v - vmin + eps)                    # what is quantised, computed here
    delta = half_level(u.min(), u.max())
    rel = np.abs(decoded - v) / (v - vmin + eps)
    assert rel.max() <= (10.0 ** delta - 1) * (1 + 1e-6) + 1e-15
    assert rel.max() > (10.0 ** delta - 1) / 10     # and quantised, not exact

    # vmin at the minimum and eps a millionth of the spread (what paths_part sends when a
    # loss is <= 0): the smallest loss decodes to within its tiny eps, not to vmin +- 2 eps
    vmin, eps = v.min(), 1e-6 * (v.max() - v.min())
    decoded, _ = roundtrip(v, "q16", log=(vmin, eps))
    u = np.log10(v - vmin + eps)
    delta = half_level(u.min(), u.max())
    rel = np.abs(decoded - v) / (v - vmin + eps)
    assert rel.max() <= (10.0 ** delta - 1) * (1 + 1e-6) + 1e-9

    # with vmin = 0, eps = 0 (all losses positive) the bound is relative to the loss itself:
    # 1e-8 survives next to 1e2 (a linear 16-bit scale would round it to 0)
    decoded, _ = roundtrip(v, "q16", log=(0.0, 0.0))
    delta = half_level(np.log10(v).min(), np.log10(v).max())
    assert (np.abs(decoded - v) / v).max() <= (10.0 ** delta - 1) * (1 + 1e-6)


def test_q16_log_keeps_nan():
    v = np.array([1.0, np.nan, 10.0, 100.0, np.nan])
    decoded, _ = roundtrip(v, "q16", log=(0.0, 0.0))
    assert np.array_equal(np.isnan(decoded), np.isnan(v))


def test_unknown_codec_is_refused():
    with pytest.raises(ValueError, match="codec"):
        Blob(np.zeros(3), "f2")


# ------------------------------------------------------------------------------------ message

def test_header_with_unicode_strings_and_several_blobs_round_trips():
    a = np.arange(12.0).reshape(3, 4)
    b = np.linspace(-1, 1, 30)
    header = {"title": "loss − min + ε", "τ": ["Adam · start 1", "√2 ≈ 1.414", "日本語"],
              "n": 3, "x": None, "flag": True, "nested": {"first": {"$blob": 1},
                                                          "list": [{"$blob": 0}, 1.5]}}
    message = pack(header, [Blob(a, "f8"), Blob(b, "f4")])
    assert message[:4] == b"DSC1"
    (length,) = struct.unpack("<I", message[4:8])
    assert message[8:8 + length].decode("utf-8").startswith("{")
    out = unpack(message)
    assert out["title"] == "loss − min + ε"
    assert out["τ"] == ["Adam · start 1", "√2 ≈ 1.414", "日本語"]
    assert out["n"] == 3 and out["x"] is None and out["flag"] is True
    assert np.array_equal(out["nested"]["list"][0], a)
    assert out["nested"]["list"][1] == 1.5
    assert np.array_equal(out["nested"]["first"], b.astype(np.float32).astype(float))
    assert "blobs" not in out                       # the blob table is consumed


def test_message_body_is_compressed():
    # a converged path: 10 000 identical values cost far less than 2 bytes each
    message = pack({"a": {"$blob": 0}}, [Blob(np.full(10_000, 0.123), "q16", lo=0, hi=1)])
    assert len(message) < 1000


@pytest.mark.parametrize("junk", [b"", b"DSC", b"{\"a\": 1}", b"PK\x03\x04" + bytes(20),
                                  b"DSC2" + bytes(8)])
def test_a_non_message_is_refused(junk):
    with pytest.raises(ValueError, match="not a player message"):
        unpack(junk)


# ------------------------------------------------------------------------------------ plain

def test_plain_turns_big_arrays_into_float32_blobs_and_small_ones_into_lists():
    blobs = Blobs()
    big = np.linspace(0, 1, 64)                      # exactly min_size
    small = np.array([1.0, np.nan, 3.0])            # below min_size, NaN inside
    ints = np.arange(200).reshape(10, 20)
    fig = {"data": [{"type": "surface", "z": ints, "x": big, "y": small,
                     "name": "loss", "opacity": np.float64(0.99), "cmin": float("nan"),
                     "visible": np.bool_(True)}],
           "layout": {"range": (np.float32(-1.0), 2), "meta": {"inf": float("inf")}}}
    out = plain(fig, blobs)
    trace = out["data"][0]
    assert trace["x"] == {"$blob": 1} and trace["z"] == {"$blob": 0}
    assert trace["y"] == [1.0, None, 3.0]
    assert trace["name"] == "loss" and trace["opacity"] == 0.99 and type(trace["opacity"]) is float
    assert trace["cmin"] is None and trace["visible"] is True
    assert out["layout"]["range"] == [-1.0, 2] and out["layout"]["meta"]["inf"] is None
    assert [b.meta["codec"] for b in blobs.items] == ["f4", "f4"]
    assert [b.meta["shape"] for b in blobs.items] == [[10, 20], [64]]
    msg = unpack(pack(out, blobs.items))            # and the whole thing packs and unpacks
    assert np.array_equal(msg["data"][0]["z"], ints)
    assert np.array_equal(msg["data"][0]["x"], big.astype(np.float32))
    assert msg["data"][0]["y"] == [1.0, None, 3.0]


def test_plain_min_size_is_the_threshold():
    blobs = Blobs()
    out = plain({"a": np.arange(63.0), "b": np.arange(64.0)}, blobs)
    assert isinstance(out["a"], list) and len(out["a"]) == 63
    assert out["b"] == {"$blob": 0} and len(blobs.items) == 1
    out = plain({"a": np.arange(5.0)}, Blobs(), min_size=5)
    assert out["a"] == {"$blob": 0}


def test_plain_reads_plotly_typed_arrays_into_blobs():
    z = (np.arange(120, dtype="<f4") / 7).reshape(8, 15)
    typed = {"dtype": "f4", "bdata": base64.b64encode(z.tobytes()).decode("ascii"),
             "shape": "8, 15"}
    small = np.array([1.5, 2.5], dtype="<f8")
    typed_small = {"dtype": "f8", "bdata": base64.b64encode(small.tobytes()).decode("ascii")}
    blobs = Blobs()
    out = plain({"z": typed, "x": typed_small}, blobs)
    assert out["z"] == {"$blob": 0} and out["x"] == [1.5, 2.5]
    msg = unpack(pack(out, blobs.items))
    assert msg["z"].shape == (8, 15)
    assert np.array_equal(msg["z"], z)


def test_plain_of_a_real_plotly_figure_keeps_its_arrays():
    import plotly.graph_objects as go
    x = np.linspace(-1, 1, 100)
    fig = go.Figure(go.Scatter(x=x, y=x**2, name="ε"))
    blobs = Blobs()
    out = plain(fig.to_plotly_json(), blobs)
    msg = unpack(pack(out, blobs.items))
    trace = msg["data"][0]
    assert trace["name"] == "ε"
    assert np.array_equal(trace["x"], x.astype(np.float32))
    assert np.array_equal(trace["y"], (x**2).astype(np.float32))


# ------------------------------------------------------------------------------------ properties

SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=12)


@settings(max_examples=150, deadline=None)
@given(hnp.arrays(np.float64, SHAPES, elements=st.floats(allow_nan=True, allow_infinity=True)))
def test_property_f8_round_trip_is_bit_exact(a):
    decoded, _ = roundtrip(a, "f8")
    assert decoded.shape == a.shape
    assert np.array_equal(decoded.view(np.uint64), a.view(np.uint64))


@settings(max_examples=150, deadline=None)
@given(hnp.arrays(np.float64, SHAPES,
                  elements=st.floats(width=32, allow_nan=True, allow_infinity=True)))
def test_property_f4_round_trip_is_float32(a):
    decoded, _ = roundtrip(a, "f4")
    assert decoded.shape == a.shape
    assert np.array_equal(decoded, a.astype(np.float32).astype(float), equal_nan=True)


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, SHAPES,
                  elements=st.floats(min_value=-1e6, max_value=1e6)
                  | st.just(np.nan)))
def test_property_q16_round_trip_within_half_a_level(a):
    decoded, _ = roundtrip(a, "q16")
    assert decoded.shape == a.shape
    assert np.array_equal(np.isnan(decoded), np.isnan(a))
    ok = ~np.isnan(a)
    if ok.any():
        lo, hi = a[ok].min(), a[ok].max()
        # half a level, plus float rounding of numbers as large as the ends
        bound = half_level(lo, hi) * (1 + 1e-9) + 4 * np.finfo(float).eps * max(abs(lo), abs(hi))
        assert np.abs(decoded[ok] - a[ok]).max() <= bound


def test_q16_of_a_range_narrower_than_float_can_scale():
    a = np.array([0.0, 1e-305, 2e-305])
    decoded, _ = roundtrip(a, "q16")
    assert np.abs(decoded - a).max() <= half_level(0.0, 2e-305) * (1 + 1e-9)
