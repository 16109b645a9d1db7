"""tf.layers separable_conv1d/2d, conv3d, conv3d_transpose and 3-D pooling against TF1 (graph
mode): variable names, order and shapes, and, from TF's own initial weights, outputs and
gradients; naming and reuse; TF's argument errors."""

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf

pytestmark = pytest.mark.filterwarnings("ignore:`tf.layers.* is deprecated:UserWarning")


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def check_against_tf1(tf1, program, *arrays, rtol=1e-5, atol=1e-5):
    """flaxscope's variables are TF1's (names, order, shapes, trainable or not); with TF's
    initial weights copied in, its outputs and the gradients of ``sum(out * cotangent)``
    with respect to the inputs and the trainable variables are TF1's. Returns TF's names."""
    with tf1.Graph().as_default(), tf1.Session() as sess:
        xs = [tf1.constant(a) for a in arrays]
        outs = program(tf1, *xs)
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        cotangents = [data(*o.shape.as_list(), seed=i + 1) for i, o in enumerate(outs)]
        loss = tf1.add_n([tf1.reduce_sum(o * c) for o, c in zip(outs, cotangents, strict=True)])
        gvars, tvars = tf1.global_variables(), tf1.trainable_variables()
        grads = tf1.gradients(loss, xs + tvars)
        sess.run(tf1.global_variables_initializer())
        names = [v.name[:-2] for v in gvars]
        tnames = [v.name[:-2] for v in tvars]
        values = dict(zip(names, sess.run(gvars), strict=True))
        expected, expected_grads = sess.run([outs, grads])

    created = []

    def ours(*a):
        outs = program(tf, *a)
        created[:] = [(v.name[:-2], tuple(v.shape), v.trainable) for v in tf.global_variables()]
        return outs

    f = fs.transform(ours)
    # Abstract init: flaxscope's initial values are not needed (TF's are copied in), and
    # tracing skips compiling each initializer eagerly.
    variables = jax.eval_shape(lambda *a: f.init(0, *a), *arrays)
    assert created == [(k, values[k].shape, k in tnames) for k in names]
    params, state = variables["params"], variables.get("state", {})
    assert {k: v.shape for k, v in params.items()} == {k: values[k].shape for k in tnames}
    assert sorted(state) == sorted(k for k in names if k not in tnames)
    theirs = {k: values[k] for k in params}
    frozen = {k: values[k] for k in state}

    def loss_fn(params, xs):
        got = f.apply({"params": params, "state": frozen} if frozen else {"params": params}, *xs)
        got = list(got) if isinstance(got, (list, tuple)) else [got]
        total = sum(jnp.sum(o * c) for o, c in zip(got, cotangents, strict=True))
        return total, got

    (_, got), (gparams, gxs) = jax.jit(jax.value_and_grad(loss_fn, argnums=(0, 1), has_aux=True))(
        theirs, arrays
    )
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g.shape == e.shape
        np.testing.assert_allclose(np.asarray(g), e, rtol=rtol, atol=atol)
    for g, e in zip([*gxs, *(gparams[k] for k in tnames)], expected_grads, strict=True):
        np.testing.assert_allclose(np.asarray(g), e, rtol=rtol, atol=atol)
    return names


def ids(kw):
    return "-".join(f"{k}={v}" for k, v in kw.items())


# --- separable_conv1d / separable_conv2d ------------------------------------------------------
SEPARABLE1D = [
    dict(filters=4, kernel_size=3),
    dict(filters=3, kernel_size=4, strides=2, padding="same", depth_multiplier=2),
    dict(filters=2, kernel_size=3, dilation_rate=2, padding="causal", activation="relu"),
    dict(filters=3, kernel_size=2, padding="SAME", use_bias=False, data_format="channels_first"),
    dict(filters=2, kernel_size=3, strides=3, depth_multiplier=3, data_format="channels_first"),
]


@pytest.mark.parametrize("kwargs", SEPARABLE1D, ids=ids)
def test_separable_conv1d_matches_tf1(tf1, kwargs):
    channels_first = kwargs.get("data_format") == "channels_first"
    x = data(2, 3, 11) if channels_first else data(2, 11, 3)

    def program(t, x):
        return t.layers.separable_conv1d(x, **kwargs), t.layers.SeparableConv1D(**kwargs)(x)

    names = check_against_tf1(tf1, program, x)
    assert names[:2] == ["separable_conv1d/depthwise_kernel", "separable_conv1d/pointwise_kernel"]
    assert names[-1].startswith("separable_conv1d_1/")


SEPARABLE2D = [
    dict(filters=4, kernel_size=3),
    dict(filters=5, kernel_size=(3, 2), strides=(2, 1), padding="same", depth_multiplier=2),
    dict(filters=3, kernel_size=3, dilation_rate=(2, 1), padding="same", activation="tanh"),
    dict(filters=4, kernel_size=3, strides=2, padding="same", data_format="channels_first"),
    dict(filters=2, kernel_size=2, depth_multiplier=2, use_bias=False, dilation_rate=2),
]


@pytest.mark.parametrize("kwargs", SEPARABLE2D, ids=ids)
def test_separable_conv2d_matches_tf1(tf1, kwargs):
    channels_first = kwargs.get("data_format") == "channels_first"
    x = data(2, 3, 7, 8) if channels_first else data(2, 7, 8, 3)

    def program(t, x):
        return t.layers.separable_conv2d(x, **kwargs), t.layers.SeparableConv2D(**kwargs)(x)

    names = check_against_tf1(tf1, program, x)
    assert names[:2] == ["separable_conv2d/depthwise_kernel", "separable_conv2d/pointwise_kernel"]
    assert names[-1].startswith("separable_conv2d_1/")


def test_separable_initializers_regularizers_and_trainable_match_tf1(tf1):
    def program(t, x):
        outs = [
            t.layers.separable_conv2d(
                x,
                3,
                2,
                depthwise_initializer=t.constant_initializer(0.5),
                pointwise_initializer=t.random_normal_initializer(stddev=0.1),
                bias_initializer=t.ones_initializer(),
                depthwise_regularizer=lambda w: 0.1 * t.reduce_sum(w),
                pointwise_regularizer=lambda w: 0.2 * t.reduce_sum(w),
                bias_regularizer=lambda b: 0.3 * t.reduce_sum(b),
                name="reg",
            ),
            t.layers.separable_conv1d(x[:, 0], 2, 3, trainable=False),
        ]
        losses = t.get_collection(t.GraphKeys.REGULARIZATION_LOSSES)
        return [*outs, t.add_n(losses), t.constant(float(len(losses)))]

    names = check_against_tf1(tf1, program, data(2, 5, 6, 3))
    assert names == [
        "reg/depthwise_kernel",
        "reg/pointwise_kernel",
        "reg/bias",
        "separable_conv1d/depthwise_kernel",
        "separable_conv1d/pointwise_kernel",
        "separable_conv1d/bias",
    ]


def test_activity_regularizer_loss_matches_tf1(tf1):
    """TF's layers divide an activity regularizer's loss by the batch size."""

    def program(t, x):
        t.layers.separable_conv2d(x, 3, 2, activity_regularizer=lambda y: t.reduce_sum(y))
        return t.get_collection(t.GraphKeys.REGULARIZATION_LOSSES)

    check_against_tf1(tf1, program, data(2, 5, 6, 3))

    def dense_program(t, x):  # rank 3: still divided by the first dimension only
        t.layers.dense(x, 4, activity_regularizer=lambda y: t.reduce_sum(y * y))
        return t.get_collection(t.GraphKeys.REGULARIZATION_LOSSES)

    check_against_tf1(tf1, dense_program, data(3, 5, 2))


# --- conv3d / conv3d_transpose ------------------------------------------------------------------
CONV3D = [
    dict(filters=3, kernel_size=2),
    dict(filters=2, kernel_size=(3, 2, 1), strides=(2, 1, 2), padding="same", activation="relu"),
    dict(filters=2, kernel_size=2, dilation_rate=(1, 2, 2), use_bias=False),
]


@pytest.mark.parametrize("kwargs", CONV3D, ids=ids)
def test_conv3d_matches_tf1(tf1, kwargs):
    x = data(2, 5, 6, 4, 3)

    def program(t, x):
        return t.layers.conv3d(x, **kwargs), t.layers.Conv3D(**kwargs)(x)

    names = check_against_tf1(tf1, program, x)
    assert names[0] == "conv3d/kernel" and names[-1].startswith("conv3d_1/")


CONV3D_TRANSPOSE = [
    dict(filters=2, kernel_size=3),
    dict(filters=3, kernel_size=(3, 2, 2), strides=2, padding="same", activation="relu"),
    dict(filters=2, kernel_size=2, strides=(1, 3, 2), use_bias=False),
]


@pytest.mark.parametrize("kwargs", CONV3D_TRANSPOSE, ids=ids)
def test_conv3d_transpose_matches_tf1(tf1, kwargs):
    x = data(2, 3, 4, 3, 3)

    def program(t, x):
        return t.layers.conv3d_transpose(x, **kwargs), t.layers.Conv3DTranspose(**kwargs)(x)

    names = check_against_tf1(tf1, program, x)
    assert names[0] == "conv3d_transpose/kernel"
    assert names[-1].startswith("conv3d_transpose_1/")


def test_conv3d_transpose_output_padding_and_ignored_dilation_match_tf1(tf1):
    """The class takes Keras' ``output_padding`` and ``dilation_rate``; TF's layer checks
    ``dilation_rate`` but never passes it to the op, so it changes nothing."""

    def program(t, x):
        return (
            t.layers.Conv3DTranspose(2, 3, strides=2, output_padding=1)(x),
            t.layers.Conv3DTranspose(2, 2, strides=(2, 3, 1), output_padding=(0, 2, 0))(x),
            t.layers.Conv3DTranspose(2, 3, padding="same", dilation_rate=2)(x),
        )

    check_against_tf1(tf1, program, data(1, 3, 2, 4, 2))


# --- 3-D pooling ----------------------------------------------------------------------------------
POOL3D = [
    dict(pool_size=2, strides=2),
    dict(pool_size=(3, 2, 2), strides=(2, 1, 2), padding="same"),
    dict(pool_size=3, strides=1, padding="SAME"),
]


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("kwargs", POOL3D, ids=ids)
def test_pooling3d_matches_tf1(tf1, kind, kwargs):
    x = data(2, 5, 4, 6, 3)
    x_negative = -np.abs(x) - 1  # 'same' max pooling must not see zeros in the padding

    def program(t, x, xn):
        fn = getattr(t.layers, f"{kind}_pooling3d")
        cls = getattr(t.layers, f"{kind.capitalize()}Pooling3D")
        return fn(x, **kwargs), fn(xn, **kwargs), cls(**kwargs)(x)

    assert check_against_tf1(tf1, program, x, x_negative) == []


# --- channels_first in 3-D: TF's CPU kernels take NDHWC only, so compare with TF's NDHWC ----
def test_3d_channels_first_is_channels_last_transposed(tf1):
    x_last = data(2, 4, 5, 3, 3)
    x_first = np.transpose(x_last, (0, 4, 1, 2, 3))

    def program(t, x, data_format):
        with t.variable_scope("net", reuse=t.AUTO_REUSE):
            return [
                t.layers.conv3d(x, 2, (2, 3, 1), padding="same", data_format=data_format),
                t.layers.conv3d_transpose(x, 2, 2, strides=(2, 1, 2), data_format=data_format),
                t.layers.max_pooling3d(x, 2, (1, 2, 2), padding="same", data_format=data_format),
                t.layers.average_pooling3d(x, 3, 2, padding="same", data_format=data_format),
            ]

    def to_last(y):
        return np.transpose(np.asarray(y), (0, 2, 3, 4, 1))

    with tf1.Graph().as_default(), tf1.Session() as sess:
        expected = program(tf1, tf1.constant(x_last), "channels_last")
        sess.run(tf1.global_variables_initializer())
        gvars = tf1.global_variables()
        values = dict(zip([v.name[:-2] for v in gvars], sess.run(gvars), strict=True))
        expected = sess.run(expected)
    f = fs.transform(lambda x: program(tf, x, "channels_first"))
    shapes = jax.eval_shape(lambda x: f.init(0, x), x_first)["params"]
    assert {k: v.shape for k, v in shapes.items()} == {k: v.shape for k, v in values.items()}
    got = jax.jit(f.apply)({"params": values}, x_first)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(to_last(g), e, rtol=1e-5, atol=1e-5)


# --- naming, reuse, sharing -------------------------------------------------------------------
def naming_program(t, x, vol):
    outs = [t.layers.separable_conv2d(x, 3, 2), t.layers.separable_conv2d(x, 3, 2)]
    outs.append(t.layers.separable_conv2d(x, 3, 2, name="sep"))
    outs.append(t.layers.separable_conv2d(x, 3, 2, name="sep", reuse=True))  # sep again
    layer = t.layers.SeparableConv1D(2, 3, depth_multiplier=2)
    outs += [layer(x[:, 0]), layer(2 * x[:, 1])]  # one layer object: variables shared
    outs.append(t.layers.conv3d(vol, 2, 2, name="c3"))
    outs.append(t.layers.max_pooling3d(vol, 2, 2))
    with t.variable_scope("dec"):
        outs.append(t.layers.conv3d_transpose(vol, 2, 2, strides=2))
        outs.append(t.layers.Conv3D(2, 1, name="max_pooling3d")(vol))  # a scope name, not taken
    with t.variable_scope("dec", reuse=True):
        outs.append(t.layers.conv3d_transpose(vol, 2, 2, strides=2))
    with t.variable_scope("", reuse=True):
        outs.append(t.layers.conv3d(vol, 2, 2, name="c3"))
    v = t.Variable(1.0, name="separable_conv2d_2")  # no op took this name before it
    return [*outs, v]


def test_naming_reuse_and_sharing_match_tf1(tf1):
    names = check_against_tf1(tf1, naming_program, data(2, 5, 6, 3), data(1, 4, 4, 4, 2))
    assert names == [
        "separable_conv2d/depthwise_kernel",
        "separable_conv2d/pointwise_kernel",
        "separable_conv2d/bias",
        "separable_conv2d_1/depthwise_kernel",
        "separable_conv2d_1/pointwise_kernel",
        "separable_conv2d_1/bias",
        "sep/depthwise_kernel",
        "sep/pointwise_kernel",
        "sep/bias",
        "separable_conv1d/depthwise_kernel",
        "separable_conv1d/pointwise_kernel",
        "separable_conv1d/bias",
        "c3/kernel",
        "c3/bias",
        "dec/conv3d_transpose/kernel",
        "dec/conv3d_transpose/bias",
        "dec/max_pooling3d/kernel",
        "dec/max_pooling3d/bias",
        "separable_conv2d_2",
    ]


def test_reuse_of_a_missing_layer_is_tf1s_error(tf1):
    def program(t, x):
        return t.layers.separable_conv2d(x, 2, 2, name="nope", reuse=True)

    x = data(1, 4, 4, 2)
    with tf1.Graph().as_default(), pytest.raises(ValueError) as theirs:
        program(tf1, tf1.constant(x))
    with pytest.raises(ValueError) as ours:
        fs.transform(lambda x: program(tf, x)).init(0, x)
    assert str(theirs.value).split(",")[0] in str(ours.value)  # "Variable nope/... does not exist"


# --- signatures and argument errors -------------------------------------------------------------
NEW_API = [
    "separable_conv1d",
    "separable_conv2d",
    "SeparableConv1D",
    "SeparableConv2D",
    "conv3d",
    "Conv3D",
    "conv3d_transpose",
    "max_pooling3d",
    "MaxPooling3D",
    "average_pooling3d",
    "AveragePooling3D",
]


@pytest.mark.parametrize("name", NEW_API)
def test_signatures_are_tf1s(tf1, name):
    """Names, order and defaults (an int default is the same as TF's tuple of it repeated;
    an initializer object is compared by its class)."""

    def default(value):
        if isinstance(value, tuple) and len(set(value)) == 1:
            return value[0]
        if isinstance(value, (int, str, tuple, type(None))):
            return value
        return type(value).__name__

    def params(fn):
        return [
            (p.name, default(p.default))
            for p in inspect.signature(fn).parameters.values()
            if p.kind is not p.VAR_KEYWORD
        ]

    assert params(getattr(tf.layers, name)) == params(getattr(tf1.layers, name))


BAD_ARGUMENTS = {
    "separable filters=0": lambda t: t.layers.SeparableConv2D(0, 3),
    "separable strides and dilation": lambda t: t.layers.SeparableConv2D(
        2, 3, strides=2, dilation_rate=2
    ),
    "separable 2d causal": lambda t: t.layers.SeparableConv2D(2, 3, padding="causal"),
    "separable1d two kernel sizes": lambda t: t.layers.SeparableConv1D(2, (2, 2)),
    "conv3d kernel_size=0": lambda t: t.layers.Conv3D(2, (1, 0, 1)),
    "conv3d causal": lambda t: t.layers.Conv3D(2, 3, padding="causal"),
    "conv3d_transpose output_padding >= strides": lambda t: t.layers.Conv3DTranspose(
        2, 3, strides=2, output_padding=(1, 2, 1)
    ),
    "pool3d strides=None": lambda t: t.layers.MaxPooling3D(2, None),
    "pool3d two sizes": lambda t: t.layers.AveragePooling3D((2, 2), 1),
}


@pytest.mark.parametrize("case", list(BAD_ARGUMENTS))
def test_argument_errors_are_tf1s(tf1, case):
    with tf1.Graph().as_default(), pytest.raises(ValueError) as theirs:
        BAD_ARGUMENTS[case](tf1)
    with pytest.raises(ValueError) as ours:
        BAD_ARGUMENTS[case](tf)
    assert str(ours.value).startswith(str(theirs.value))


def test_separable_causal_padding_is_allowed_in_1d_only():
    x = jnp.ones((1, 6, 2))
    out = fs.transform(lambda x: tf.layers.separable_conv1d(x, 3, 3, padding="causal"))
    variables = out.init(0, x)
    assert out.apply(variables, x).shape == (1, 6, 3)


def test_input_errors_name_the_problem():
    def fails(program, shape):
        return fs.transform(program).init(0, jnp.ones(shape))

    with pytest.raises(ValueError, match=r"expected min_ndim=4, found ndim=3"):
        fails(lambda x: tf.layers.separable_conv2d(x, 2, 2), (2, 5, 4))
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=4"):
        fails(lambda x: tf.layers.separable_conv1d(x, 2, 2), (2, 5, 4, 3))
    with pytest.raises(ValueError, match=r"expected min_ndim=5, found ndim=4"):
        fails(lambda x: tf.layers.conv3d_transpose(x, 2, 2), (2, 5, 4, 3))
    with pytest.raises(ValueError, match=r"Inputs should have rank 5"):
        fails(lambda x: tf.layers.conv3d_transpose(x, 2, 2), (2, 5, 4, 3, 1, 1))
    with pytest.raises(ValueError, match=r"expected ndim=5, found ndim=4"):
        fails(lambda x: tf.layers.max_pooling3d(x, 2, 2), (2, 5, 4, 3))
    with pytest.raises(ValueError, match=r"Negative dimension size caused by subtracting 5 from 4"):
        fails(lambda x: tf.layers.separable_conv2d(x, 2, (3, 3), dilation_rate=2), (1, 6, 4, 2))
    with pytest.raises(ValueError, match=r"Negative dimension size caused by subtracting 3 from 2"):
        fails(
            lambda x: tf.layers.separable_conv1d(x, 2, 3, data_format="channels_first"), (1, 6, 2)
        )
    with pytest.raises(ValueError, match=r"One of the dimensions in the output is <= 0"):
        fails(lambda x: tf.layers.conv3d(x, 2, 5), (1, 3, 5, 5, 1))
