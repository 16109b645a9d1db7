"""flaxscope.initializers against TF1's tf.compat.v1 initializers.

Random initializers cannot give TF's numbers (JAX's PRNG is not TF's), so they are compared
by distribution: support, mean, variance and a two-sample Kolmogorov-Smirnov test against
samples of TF's own initializers, with fixed seeds (no flakes) and tolerances of several
standard errors. Deterministic initializers must equal TF's output exactly.
"""

from __future__ import annotations

import collections
import math
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope.initializers as fi
from flaxscope import dtypes, rng
from flaxscope._initializer_math import compute_fans

SEED = 1234
N = 100_000  # samples per distribution and side
Z = 6.0  # standard errors allowed for means and variances
KS_C = 3.3  # two-sample KS critical coefficient for alpha ~ 1e-9
TRUNC_STD = 0.87962566103423978

# TF1's variable_scope._PartitionInfo, as far as initializers use it.
PartitionInfo = collections.namedtuple("PartitionInfo", ["full_shape", "var_offset"])


@pytest.fixture(scope="module")
def tf():
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf = pytest.importorskip("tensorflow", reason="oracle tensorflow-cpu not installed")
    tf.get_logger().setLevel("ERROR")
    return tf


@pytest.fixture(scope="module")
def tf_init_ops(tf):
    from tensorflow.python.ops import init_ops

    return init_ops


def tf_graph_run(tf, fn):
    """Runs ``fn`` in a fresh TF1 graph and session (TF1 semantics, not eager)."""
    with tf.Graph().as_default():
        tensor = fn()
        with tf.compat.v1.Session() as sess:
            return sess.run(tensor)


def tf_error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - we want TF's exception, whatever it is
        return e
    raise AssertionError("TF raised nothing")


# --------------------------------------------------------------------------- statistics


def _support_fixed(lo, hi):
    return lambda shape, fans: (lo, hi)


def _support_truncated(mean, stddev):
    return lambda shape, fans: (mean - 2 * stddev, mean + 2 * stddev)


def _support_vs(scale, mode, distribution):
    def support(shape, fans):
        fan_in, fan_out = fans
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        s = scale / max(1.0, n)
        if distribution in ("normal", "truncated_normal"):
            b = 2 * math.sqrt(s) / TRUNC_STD
        elif distribution == "uniform":
            b = math.sqrt(3 * s)
        else:
            return None
        return (-b, b)

    return support


def _support_uus(factor):
    def support(shape, fans):
        m = math.sqrt(3 / max(math.prod(shape[:-1]), 1.0)) * factor
        return (-m, m)

    return support


def _support_orthogonal(gain):
    # |entries| <= gain, but the bound is not tight (it is reached by 1x1 matrices only).
    return lambda shape, fans: (-gain, gain, "not tight")


# (name, make(namespace) -> initializer, support(shape, fans) -> (lo, hi) | None, shapes).
# `namespace` is tf.compat.v1.initializers or flaxscope.initializers: same names.
ANY_SHAPE = [(), (7,), (300, 200), (3, 3, 16, 32), (2, 3, 4, 5, 6)]
TWO_SHAPES = [(), (3, 3, 16, 32)]
VS_SHAPES = [(3, 3, 16, 32)]  # fan_in 144, fan_out 288: every mode differs
FEW_SHAPES = [(7,), (3, 3, 16, 32)]
ORTHO_SHAPES = [(64, 1024), (3, 3, 16, 32)]  # fewer rows than columns, and a conv kernel

SPECS = [
    ("random_normal", lambda m: m.random_normal(), None, TWO_SHAPES),
    ("random_normal_1_2", lambda m: m.random_normal(mean=1.0, stddev=2.0), None, TWO_SHAPES),
    ("truncated_normal", lambda m: m.truncated_normal(), _support_truncated(0, 1), TWO_SHAPES),
    (
        "truncated_normal_-1_0.5",
        lambda m: m.truncated_normal(-1.0, 0.5),
        _support_truncated(-1.0, 0.5),
        TWO_SHAPES,
    ),
    ("random_uniform", lambda m: m.random_uniform(), _support_fixed(0.0, 1.0), TWO_SHAPES),
    (
        "random_uniform_-3_2",
        lambda m: m.random_uniform(-3.0, 2.0),
        _support_fixed(-3, 2),
        TWO_SHAPES,
    ),
    ("uniform_unit_scaling", lambda m: m.uniform_unit_scaling(1.5), _support_uus(1.5), ANY_SHAPE),
    (
        "variance_scaling",
        lambda m: m.variance_scaling(),
        _support_vs(1.0, "fan_in", "normal"),
        ANY_SHAPE,
    ),
    (
        "glorot_uniform",
        lambda m: m.glorot_uniform(),
        _support_vs(1.0, "fan_avg", "uniform"),
        ANY_SHAPE,
    ),
    (
        "glorot_normal",
        lambda m: m.glorot_normal(),
        _support_vs(1.0, "fan_avg", "normal"),
        FEW_SHAPES,
    ),
    ("lecun_normal", lambda m: m.lecun_normal(), _support_vs(1.0, "fan_in", "normal"), FEW_SHAPES),
    (
        "lecun_uniform",
        lambda m: m.lecun_uniform(),
        _support_vs(1.0, "fan_in", "uniform"),
        FEW_SHAPES,
    ),
    ("he_normal", lambda m: m.he_normal(), _support_vs(2.0, "fan_in", "normal"), FEW_SHAPES),
    ("he_uniform", lambda m: m.he_uniform(), _support_vs(2.0, "fan_in", "uniform"), FEW_SHAPES),
    ("orthogonal_1.3", lambda m: m.orthogonal(gain=1.3), _support_orthogonal(1.3), ORTHO_SHAPES),
]
for _mode in ("fan_in", "fan_out", "fan_avg"):
    for _dist in ("normal", "truncated_normal", "untruncated_normal", "uniform"):
        SPECS.append(
            (
                f"variance_scaling_2.5_{_mode}_{_dist}",
                lambda m, mode=_mode, dist=_dist: m.variance_scaling(2.5, mode, dist),
                _support_vs(2.5, _mode, _dist),
                VS_SHAPES,
            )
        )

STAT_CASES = [
    pytest.param(make, support, shape, name.startswith("orthogonal"), id=f"{name}-{shape}")
    for name, make, support, shapes in SPECS
    for shape in shapes
]


def _draw(shape, whole, call):
    """At least N values of an initializer for a variable of ``shape``.

    Orthogonal matrices (``whole``) are drawn whole, repeatedly. Every other initializer is
    drawn as one (N,) partition of a variable of ``shape``: TF1 scales a partition by
    ``partition_info.full_shape`` (or ignores the shape), so its values have the
    distribution of the variable's, and all cases share one compiled sampler.
    """
    if whole:
        return np.concatenate([call(shape, None) for _ in range(math.ceil(N / math.prod(shape)))])
    return call((N,), PartitionInfo(full_shape=list(shape), var_offset=None))


def _ours(init, shape, whole):
    keys = iter(jax.random.split(jax.random.key(SEED), math.ceil(N / max(math.prod(shape), 1))))

    def call(s, partition_info):
        return np.asarray(init(s, partition_info=partition_info, key=next(keys))).ravel()

    return _draw(shape, whole, call).astype(np.float64)


def _theirs(tf, init, shape, whole):
    tf.random.set_seed(SEED)

    def call(s, partition_info):
        return init(list(s), partition_info=partition_info).numpy().ravel()

    return _draw(shape, whole, call).astype(np.float64)


def _ks_statistic(a, b):
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / a.size
    cdf_b = np.searchsorted(b, grid, side="right") / b.size
    return np.abs(cdf_a - cdf_b).max()


@pytest.mark.parametrize(("make", "support", "shape", "whole"), STAT_CASES)
def test_random_initializer_matches_tf_distribution(tf, tf_init_ops, make, support, shape, whole):
    ours = _ours(make(fi), shape, whole)
    theirs = _theirs(tf, make(tf.compat.v1.initializers), shape, whole)
    assert ours.size >= N and theirs.size >= N
    assert np.all(np.isfinite(ours))
    # One draw of the variable itself, unpartitioned: right shape, dtype and support.
    direct = make(fi)(shape, key=jax.random.key(SEED + 1))
    assert direct.shape == shape and direct.dtype == np.float32
    if not whole:
        ours = np.concatenate([ours, np.asarray(direct, np.float64).ravel()])

    # Support: ours inside TF's theoretical support (which TF's samples respect too), and
    # reaching close to its ends.
    bounds = support(shape, tf_init_ops._compute_fans(shape)) if support else None
    if bounds is not None:
        lo, hi, *not_tight = bounds
        eps = 1e-6 * (hi - lo)
        for sample in (ours, theirs):
            assert lo - eps <= sample.min() and sample.max() <= hi + eps, (
                sample.min(),
                sample.max(),
            )
        if not not_tight:
            assert ours.min() < lo + 0.02 * (hi - lo) and ours.max() > hi - 0.02 * (hi - lo)

    # Mean and variance within Z standard errors of TF's.
    n1, n2 = ours.size, theirs.size
    v1, v2 = ours.var(), theirs.var()
    assert abs(ours.mean() - theirs.mean()) <= Z * math.sqrt(v1 / n1 + v2 / n2)
    m4_1 = np.mean((ours - ours.mean()) ** 4)
    m4_2 = np.mean((theirs - theirs.mean()) ** 4)
    se_var = math.sqrt((m4_1 - v1**2) / n1 + (m4_2 - v2**2) / n2)
    assert abs(v1 - v2) <= Z * se_var, (v1, v2, se_var)

    # The whole distribution: two-sample Kolmogorov-Smirnov.
    assert _ks_statistic(ours, theirs) <= KS_C * math.sqrt((n1 + n2) / (n1 * n2))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize(
    "init",
    [
        fi.random_normal_initializer(),
        fi.truncated_normal_initializer(stddev=0.5),
        fi.random_uniform_initializer(-2.0, 2.0),
        fi.glorot_uniform_initializer(),
        fi.variance_scaling_initializer(),
        fi.orthogonal_initializer(),
    ],
    ids=repr,
)
def test_half_precision(init, dtype):
    x = init((8, 6), dtypes.as_dtype(dtype), key=jax.random.key(0))
    assert x.dtype == dtypes.as_dtype(dtype)
    x32 = np.asarray(x, np.float32)
    assert np.all(np.isfinite(x32)) and x32.std() > 0


def test_random_uniform_integer(tf):
    x = np.asarray(
        fi.random_uniform_initializer(-3, 4, dtype=dtypes.int32)((20_000,), key=jax.random.key(1))
    )
    assert x.dtype == np.int32
    assert set(np.unique(x)) == set(range(-3, 4))  # [minval, maxval), every value drawn
    t = tf_graph_run(
        tf, lambda: tf.compat.v1.random_uniform_initializer(-3, 4, dtype=tf.int32)([20_000])
    )
    assert set(np.unique(t)) == set(range(-3, 4))


# --------------------------------------------------------------------------- exact


EXACT_DTYPES = ["float32", "float16", "bfloat16", "int32", "bool", "complex64", "uint8"]


@pytest.mark.parametrize("dtype", EXACT_DTYPES)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3, 4)])
@pytest.mark.parametrize("name", ["zeros", "ones"])
def test_zeros_ones_exact(tf, name, shape, dtype):
    ours = getattr(fi, name)()(shape, dtype)
    theirs = getattr(tf.compat.v1.initializers, name)()(list(shape), tf.as_dtype(dtype)).numpy()
    assert ours.dtype == dtypes.as_dtype(dtype) == theirs.dtype
    np.testing.assert_array_equal(np.asarray(ours), theirs)
    # The constructor's dtype is the default one.
    assert getattr(fi, name)(dtype=dtype)(shape).dtype == dtypes.as_dtype(dtype)


CONSTANT_CASES = [
    (3.5, "float32", (2, 2)),
    (7, "int32", (3,)),
    (True, "bool", (2,)),
    (True, "int32", (2,)),
    ([0, 1, 2, 3, 4, 5, 6, 7], "float32", (2, 4)),  # reshaped
    ([0, 1, 2, 3, 4, 5, 6, 7], "float32", (3, 4)),  # last value fills the rest
    ([[1, 2], [3, 4]], "float32", (2, 3)),
    ((1, 2), "int32", (2, 2)),
    ([], "float32", (2,)),  # zeros
    ([5], "float32", ()),
    ([1, 2, 3], "float32", (0, 2)),  # empty shape: no size check
    (np.arange(6.0).reshape(2, 3), "float32", (3, 2)),
    (np.array([3.5, 2.7]), "int32", (3,)),  # numpy values are cast, not checked
    (np.float32(3.5), "int32", (2,)),
    ([1.5, 2.25], "bfloat16", (3,)),
    ([1 + 2j, 3], "complex64", (2,)),
]


@pytest.mark.parametrize(("value", "dtype", "shape"), CONSTANT_CASES)
def test_constant_exact(tf, value, dtype, shape):
    ours = fi.constant_initializer(value, dtype=dtype)(shape)
    theirs = tf_graph_run(
        tf, lambda: tf.compat.v1.constant_initializer(value, dtype=tf.as_dtype(dtype))(list(shape))
    )
    assert ours.dtype == dtypes.as_dtype(dtype) == theirs.dtype
    assert ours.shape == theirs.shape == shape
    np.testing.assert_array_equal(np.asarray(ours), theirs)


CONSTANT_ERRORS = [
    ([0, 1, 2, 3, 4, 5, 6, 7], "float32", (2, 3), False),  # too many elements
    ([0, 1, 2, 3, 4, 5, 6, 7], "float32", (2, 4), True),  # verify_shape
    (3, "float32", (2, 4), True),
    (np.zeros((2, 3)), "float32", (3, 2), True),
    (3.5, "int32", (2,), False),  # Python float for an int
    ([1, 2.5], "int64", (2,), False),
    (1, "bool", (2,), False),
    (1j, "float32", (2,), False),
]


@pytest.mark.parametrize(("value", "dtype", "shape", "verify"), CONSTANT_ERRORS)
def test_constant_errors_match_tf(tf, value, dtype, shape, verify):
    err = tf_error(
        lambda: tf_graph_run(
            tf,
            lambda: tf.compat.v1.constant_initializer(
                value, dtype=tf.as_dtype(dtype), verify_shape=verify
            )(list(shape)),
        )
    )
    with pytest.raises(type(err)) as ours:
        fi.constant_initializer(value, dtype=dtype, verify_shape=verify)(shape)
    assert str(err) in str(ours.value)


def test_constant_verify_shape_at_call_and_invalid_type(tf):
    init = fi.constant_initializer([1, 2, 3, 4])
    assert init((2, 2), verify_shape=False).shape == (2, 2)
    with pytest.raises(TypeError, match=r"Expected Tensor's shape: \(2, 2\), but got \(4,\)"):
        init((2, 2), verify_shape=True)
    err = tf_error(lambda: tf.compat.v1.constant_initializer({}))
    with pytest.raises(TypeError) as ours:
        fi.constant_initializer({})
    assert str(err) == str(ours.value)


@pytest.mark.parametrize(("shape", "gain"), [((3, 3), 1.0), ((2, 3), 2.5), ((4, 2), 0.5)])
def test_identity_exact(tf, shape, gain):
    ours = fi.identity_initializer(gain=gain)(shape)
    theirs = tf.compat.v1.initializers.identity(gain=gain)(list(shape)).numpy()
    np.testing.assert_array_equal(np.asarray(ours), theirs)
    assert ours.dtype == theirs.dtype


def test_identity_partition_and_errors(tf):
    part = PartitionInfo(full_shape=[4, 5], var_offset=[1, 2])
    ours = fi.identity_initializer(2.0)((2, 3), partition_info=part)
    theirs = tf.compat.v1.initializers.identity(2.0)([2, 3], partition_info=part).numpy()
    np.testing.assert_array_equal(np.asarray(ours), theirs)
    # Integer dtype at call time: TF works with an integer gain only.
    np.testing.assert_array_equal(
        np.asarray(fi.identity_initializer(gain=1)((2, 2), dtypes.int32)),
        tf.compat.v1.initializers.identity(gain=1)([2, 2], tf.int32).numpy(),
    )
    err = tf_error(
        lambda: tf_graph_run(tf, lambda: tf.compat.v1.initializers.identity()([2, 2], tf.int32))
    )
    with pytest.raises(TypeError) as ours_err:
        fi.identity_initializer()((2, 2), dtypes.int32)
    assert str(err) in str(ours_err.value)
    err = tf_error(lambda: tf.compat.v1.initializers.identity()([3, 3, 3]))
    with pytest.raises(ValueError) as ours_err:
        fi.identity_initializer()([3, 3, 3])
    assert str(err) in str(ours_err.value)


@pytest.mark.parametrize("gain", [1.0, 0.5])
@pytest.mark.parametrize("shape", [(7, 3), (3, 7), (8, 6), (6, 8), (3, 3, 16, 32), (1, 1)])
def test_orthogonal_is_orthogonal(shape, gain):
    q = np.asarray(fi.orthogonal_initializer(gain)(shape, key=jax.random.key(3)), np.float64)
    assert q.shape == shape
    flat = q.reshape(-1, shape[-1])
    gram = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(gram.shape[0]), atol=2e-5)


@pytest.mark.parametrize("shape", [[3], [], (4,)])
def test_orthogonal_rank_error_matches_tf(tf, shape):
    err = tf_error(lambda: tf.compat.v1.orthogonal_initializer()(shape))
    with pytest.raises(ValueError) as ours:
        fi.orthogonal_initializer()(shape, key=jax.random.key(0))
    assert str(err) in str(ours.value)


def test_orthogonal_empty():
    assert fi.orthogonal_initializer()((0, 3), key=jax.random.key(0)).shape == (0, 3)


@pytest.mark.parametrize(
    "shape", [(), (5,), (3, 4), (3, 4, 5), (2, 3, 4, 5), (2, 3, 4, 5, 6), (0, 3), (3, 0, 2)]
)
def test_compute_fans_matches_tf(tf_init_ops, shape):
    assert compute_fans(shape) == tf_init_ops._compute_fans(shape)
    assert compute_fans(list(shape)) == tf_init_ops._compute_fans(list(shape))


def test_partitioned_variance_scaling_uses_full_shape():
    init = fi.variance_scaling_initializer(distribution="uniform")
    part = PartitionInfo(full_shape=[10_000, 10], var_offset=[0, 0])
    x = np.asarray(init((100, 10), partition_info=part, key=jax.random.key(0)))
    assert np.abs(x).max() <= math.sqrt(3 / 10_000)


# --------------------------------------------------------------------------- keys


RANDOM_INITS = [
    fi.random_normal_initializer(),
    fi.truncated_normal_initializer(),
    fi.random_uniform_initializer(),
    fi.uniform_unit_scaling_initializer(),
    fi.variance_scaling_initializer(),
    fi.glorot_uniform_initializer(),
    fi.glorot_normal_initializer(),
    fi.orthogonal_initializer(),
    fi.he_uniform(),
]
DETERMINISTIC_INITS = [
    fi.zeros_initializer(),
    fi.ones_initializer(),
    fi.constant_initializer([1.0, 2.0]),
    fi.identity_initializer(),
]


@pytest.mark.parametrize("init", RANDOM_INITS, ids=repr)
def test_key_determinism(init):
    k1, k2 = jax.random.key(0), jax.random.key(1)
    a, b, c = init((8, 6), key=k1), init((8, 6), key=k1), init((8, 6), key=k2)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(a), np.asarray(c))
    # Old-style uint32 keys work too.
    assert init((8, 6), key=jax.random.PRNGKey(0)).shape == (8, 6)


@pytest.mark.parametrize("init", RANDOM_INITS, ids=repr)
def test_current_key_fallback(init):
    key = jax.random.key(7)
    with rng.key_context(key):
        inside = init((8, 6))
    np.testing.assert_array_equal(np.asarray(inside), np.asarray(init((8, 6), key=key)))
    with pytest.raises(ValueError, match="random key"):
        init((8, 6))


@pytest.mark.parametrize("init", DETERMINISTIC_INITS, ids=repr)
def test_deterministic_initializers_need_no_key(init):
    a = init((2, 2))
    b = init((2, 2), key=jax.random.key(5))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_seed_is_folded_into_the_key():
    key = jax.random.key(0)
    unseeded = fi.random_normal_initializer()((8, 6), key=key)
    seeded = fi.random_normal_initializer(seed=1)((8, 6), key=key)
    expected = fi.random_normal_initializer()((8, 6), key=jax.random.fold_in(key, 1))
    np.testing.assert_array_equal(np.asarray(seeded), np.asarray(expected))
    assert not np.array_equal(np.asarray(seeded), np.asarray(unseeded))
    other = fi.random_normal_initializer(seed=2)((8, 6), key=key)
    assert not np.array_equal(np.asarray(seeded), np.asarray(other))


@pytest.mark.parametrize("init", RANDOM_INITS + DETERMINISTIC_INITS, ids=repr)
def test_traceable_with_key_argument(init):
    # The store jits one initialization per (initializer, shape, dtype), key as argument.
    out = jax.eval_shape(lambda k: init((8, 6), jnp.float32, key=k), jax.random.key(0))
    assert out.shape == (8, 6) and out.dtype == jnp.float32


@pytest.mark.parametrize("init", [fi.glorot_uniform_initializer(), fi.orthogonal_initializer()])
def test_jit_equals_eager(init):
    key = jax.random.key(11)
    jitted = jax.jit(lambda k: init((8, 6), jnp.float32, key=k))
    np.testing.assert_allclose(
        np.asarray(jitted(key)), np.asarray(init((8, 6), jnp.float32, key=key)), atol=1e-6
    )


# --------------------------------------------------------------------------- dtype errors


FLOAT_ONLY = [
    "random_normal_initializer",
    "truncated_normal_initializer",
    "uniform_unit_scaling_initializer",
    "variance_scaling_initializer",
    "orthogonal_initializer",
]


@pytest.mark.parametrize("name", [*FLOAT_ONLY, "identity_initializer"])
@pytest.mark.parametrize("dtype", ["int32", "bool", "complex64"])
def test_float_only_constructor_rejects_dtype(tf, name, dtype):
    tf_name = "initializers.identity" if name == "identity_initializer" else name
    tf_cls = tf.compat.v1
    for part in tf_name.split("."):
        tf_cls = getattr(tf_cls, part)
    err = tf_error(lambda: tf_cls(dtype=tf.as_dtype(dtype)))
    assert isinstance(err, ValueError)
    with pytest.raises(ValueError) as ours:
        getattr(fi, name)(dtype=dtype)
    assert str(err) in str(ours.value)


@pytest.mark.parametrize(
    "name", [*FLOAT_ONLY, "glorot_uniform_initializer", "glorot_normal_initializer"]
)
def test_random_float_call_rejects_int_dtype(tf, name):
    theirs = getattr(tf.compat.v1, name)()
    shape = [3, 3]
    err = tf_error(lambda: tf_graph_run(tf, lambda: theirs(shape, tf.int32)))  # TF1: graph mode
    assert isinstance(err, TypeError)
    with pytest.raises(TypeError) as ours:
        getattr(fi, name)()(shape, dtypes.int32, key=jax.random.key(0))
    assert str(err) in str(ours.value)  # TF's conversion error: "Expected int32, but got 0.0"


def test_random_normal_call_int_dtype_message_matches_tf(tf):
    # With integer parameters TF gets to the op's dtype check, whose text we reuse.
    err = tf_error(
        lambda: tf_graph_run(
            tf, lambda: tf.compat.v1.random_normal_initializer(0, 1)([2], tf.int32)
        )
    )
    with pytest.raises(TypeError) as ours:
        fi.random_normal_initializer(0, 1)([2], dtypes.int32, key=jax.random.key(0))
    assert str(err) in str(ours.value)


def test_glorot_accepts_any_dtype_at_construction_like_tf(tf):
    tf.compat.v1.glorot_uniform_initializer(dtype=tf.int32)  # TF ignores it
    init = fi.glorot_uniform_initializer(dtype=dtypes.int32)
    with pytest.raises(TypeError):
        init((2, 2), key=jax.random.key(0))
    # A floating dtype given to the constructor is used (TF1 silently used float32).
    assert fi.glorot_normal_initializer(dtype="float16")((2, 2), key=jax.random.key(0)).dtype == (
        dtypes.float16
    )


@pytest.mark.parametrize(
    ("args", "dtype"),
    [
        ((), "bool"),
        ((), "complex64"),
        ((), "int16"),
        ((), "int32"),  # no maxval
        ((), "int64"),
        ((0.0, 10), "int32"),  # float minval for an integer dtype
        ((0, 2.5), "int32"),
    ],
)
def test_random_uniform_dtype_errors_match_tf(tf, args, dtype):
    err = tf_error(
        lambda: tf_graph_run(
            tf, lambda: tf.compat.v1.random_uniform_initializer(*args)([3], tf.as_dtype(dtype))
        )
    )
    with pytest.raises(type(err)) as ours:
        fi.random_uniform_initializer(*args)((3,), dtype, key=jax.random.key(0))
    assert str(err) in str(ours.value)


def test_random_uniform_empty_integer_range():
    with pytest.raises(ValueError, match="Need minval < maxval, got 5 >= 5"):
        fi.random_uniform_initializer(5, 5, dtype=dtypes.int32)((3,), key=jax.random.key(0))


@pytest.mark.parametrize(
    "kwargs", [{"scale": 0.0}, {"scale": -1}, {"mode": "fan"}, {"distribution": "Gaussian"}]
)
def test_variance_scaling_argument_errors_match_tf(tf, kwargs):
    err = tf_error(lambda: tf.compat.v1.variance_scaling_initializer(**kwargs))
    with pytest.raises(ValueError) as ours:
        fi.variance_scaling_initializer(**kwargs)
    assert str(err) in str(ours.value)


def test_tf_dtype_objects_are_accepted(tf):
    assert fi.random_normal_initializer(dtype=tf.float16)((2,), key=jax.random.key(0)).dtype == (
        dtypes.float16
    )
    assert fi.zeros_initializer()((2,), tf.int32).dtype == dtypes.int32


# --------------------------------------------------------------------------- protocol


CONFIG_CASES = [
    ("zeros_initializer", (), {"dtype": "int32"}),
    ("ones_initializer", (), {}),
    ("constant_initializer", ([1, 2],), {"dtype": "float16"}),
    ("random_uniform_initializer", (-1.0, 2.0), {"seed": 3}),
    ("random_uniform_initializer", (), {}),
    ("random_normal_initializer", (1.0, 2.0), {"seed": 4}),
    ("truncated_normal_initializer", (), {"dtype": "bfloat16"}),
    ("uniform_unit_scaling_initializer", (1.5,), {}),
    ("variance_scaling_initializer", (2.0, "fan_avg", "NORMAL"), {"seed": 1}),
    ("glorot_uniform_initializer", (), {"seed": 5}),
    ("glorot_normal_initializer", (), {}),
    ("orthogonal_initializer", (1.3,), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), CONFIG_CASES)
def test_get_config_matches_tf_and_round_trips(tf, name, args, kwargs):
    ours = getattr(fi, name)(*args, **kwargs)
    tf_kwargs = {k: tf.as_dtype(v) if k == "dtype" else v for k, v in kwargs.items()}
    theirs = getattr(tf.compat.v1, name)(*args, **tf_kwargs)
    assert ours.get_config() == theirs.get_config()
    again = type(ours).from_config(ours.get_config())
    assert again == ours and hash(again) == hash(ours)


@pytest.mark.parametrize("name", ["lecun_normal", "lecun_uniform", "he_normal", "he_uniform"])
def test_lecun_he_configs_match_tf(tf, name):
    ours = getattr(fi, name)(seed=2)
    assert isinstance(ours, fi.VarianceScaling)
    assert ours.get_config() == getattr(tf.compat.v1.initializers, name)(seed=2).get_config()


def test_identity_config_matches_tf(tf):
    ours = fi.identity_initializer(2.0)
    assert ours.get_config() == tf.compat.v1.initializers.identity(2.0).get_config()


def test_equality_and_hashing():
    assert fi.random_normal_initializer() == fi.random_normal_initializer(0.0, 1.0)
    assert fi.random_normal_initializer(dtype="float32") == fi.random_normal_initializer(
        dtype=np.float32
    )
    assert hash(fi.random_normal_initializer(dtype="float32")) == hash(
        fi.random_normal_initializer(dtype=jnp.float32)
    )
    assert fi.random_normal_initializer() != fi.truncated_normal_initializer()
    assert fi.random_normal_initializer(seed=1) != fi.random_normal_initializer(seed=2)
    assert fi.variance_scaling_initializer(distribution="UNIFORM") == (
        fi.variance_scaling_initializer(distribution="uniform")
    )
    assert fi.glorot_uniform_initializer() != fi.variance_scaling_initializer(
        1.0, "fan_avg", "uniform"
    )
    assert isinstance(fi.glorot_uniform_initializer(), fi.VarianceScaling)
    # Constants with unhashable values are hashable, by value.
    a = fi.constant_initializer([1.0, 2.0])
    assert a == fi.constant_initializer([1.0, 2.0]) and hash(a) == hash(
        fi.constant_initializer([1.0, 2.0])
    )
    assert a != fi.constant_initializer([1.0, 3.0])
    arr = np.arange(4.0)
    b = fi.constant_initializer(arr)
    assert b == fi.constant_initializer(np.arange(4.0)) and len({a, b, fi.zeros_initializer()}) == 3
    arr[0] = 100.0  # the initializer keeps its own copy
    assert b == fi.constant_initializer(np.arange(4.0)) and float(b((4,))[0]) == 0.0
    source = [1, 2]
    c = fi.constant_initializer(source)
    source.append(3)
    assert c((3,)).tolist() == [1.0, 2.0, 2.0]
    for init in RANDOM_INITS + DETERMINISTIC_INITS:
        assert isinstance(init, fi.Initializer)
        with pytest.raises(AttributeError):  # frozen
            init.dtype = np.dtype("float16")


def test_get():
    assert fi.get(None) is None
    init = fi.random_normal_initializer(stddev=3.0)
    assert fi.get(init) is init
    assert fi.get(fi.Zeros) == fi.zeros_initializer()
    assert fi.get(fi.glorot_uniform_initializer) == fi.glorot_uniform_initializer()
    assert fi.get("glorot_uniform") == fi.glorot_uniform_initializer()
    assert fi.get("GlorotUniform") == fi.glorot_uniform_initializer()
    assert fi.get("zeros") == fi.zeros_initializer()
    assert fi.get("zeros_initializer") == fi.zeros_initializer()
    assert fi.get("he_normal") == fi.he_normal()
    assert fi.get(fi.lecun_uniform) == fi.lecun_uniform()
    assert fi.get("orthogonal") == fi.orthogonal_initializer()
    config = {"class_name": "RandomUniform", "config": {"minval": -1.0, "maxval": 1.0}}
    assert fi.get(config) == fi.random_uniform_initializer(-1.0, 1.0)

    def custom(shape, dtype=None, partition_info=None):
        return jnp.zeros(shape, dtype)

    assert fi.get(custom) is custom
    with pytest.raises(ValueError, match="Could not interpret initializer identifier"):
        fi.get("no_such_initializer")
    with pytest.raises(ValueError, match="Could not interpret initializer identifier"):
        fi.get(42)


def test_user_subclass_of_initializer():
    class Twos(fi.Initializer):
        def __init__(self, dtype=np.float32):
            self.dtype = dtype

        def __call__(self, shape, dtype=None, partition_info=None, *, key=None):
            return jnp.full(shape, 2, dtype or self.dtype)

    init = fi.get(Twos)
    assert isinstance(init, Twos) and init.get_config() == {}
    assert init((2,)).tolist() == [2.0, 2.0]
