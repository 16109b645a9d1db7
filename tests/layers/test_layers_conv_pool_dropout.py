"""tf.layers conv1d / conv2d_transpose / dropout / pooling against TF1 (graph mode):
variable names and shapes, outputs from TF's own initial weights, naming, reuse, errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf

pytestmark = pytest.mark.filterwarnings("ignore:`tf.layers.* is deprecated:UserWarning")


def run_tf1(tf1, program, *arrays):
    """Builds ``program(tf1, ...)`` in a fresh graph: its variables (names, which are
    trainable, initial values) and its outputs."""
    with tf1.Graph().as_default(), tf1.Session() as sess:
        outs = program(tf1, *[tf1.constant(a) for a in arrays])
        sess.run(tf1.global_variables_initializer())
        gvars = tf1.global_variables()
        names = [v.name[:-2] for v in gvars]
        trainable = {v.name[:-2] for v in tf1.trainable_variables()}
        values = dict(zip(names, sess.run(gvars), strict=True))
        expected = sess.run(outs)
    return names, trainable, values, expected


def check_against_tf1(tf1, program, *arrays, rtol=1e-5, atol=1e-5):
    """flaxscope's variables are TF1's (names, order, shapes, trainable or not) and, with
    TF's initial weights copied in, its outputs are TF1's."""
    names, trainable, values, expected = run_tf1(tf1, program, *arrays)
    f = fs.transform(lambda *a: program(tf, *a))
    variables = f.init(0, *arrays)
    params = variables["params"]
    state = variables.get("state", {})
    assert [(k, v.shape) for k, v in params.items()] == [
        (k, values[k].shape) for k in names if k in trainable
    ]
    assert [(k, v.shape) for k, v in state.items()] == [
        (k, values[k].shape) for k in names if k not in trainable
    ]
    theirs = {"params": {k: values[k] for k in params}}
    if state:
        theirs["state"] = {k: values[k] for k in state}
    got = jax.jit(f.apply)(theirs, *arrays)
    got_leaves, expected_leaves = jax.tree.leaves(got), jax.tree.leaves(expected)
    assert len(got_leaves) == len(expected_leaves)
    for g, e in zip(got_leaves, expected_leaves, strict=True):
        assert g.shape == e.shape
        np.testing.assert_allclose(np.asarray(g), e, rtol=rtol, atol=atol)
    return names


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


# --- conv1d ------------------------------------------------------------------------------
CONV1D = [
    dict(filters=4, kernel_size=3),
    dict(filters=4, kernel_size=3, strides=2, padding="same"),
    dict(filters=3, kernel_size=4, strides=2, padding="same"),  # even kernel: uneven pads
    dict(filters=3, kernel_size=(2,), strides=(3,), padding="valid"),
    dict(filters=5, kernel_size=3, padding="SAME", dilation_rate=2),
    dict(filters=2, kernel_size=3, padding="Valid", dilation_rate=3, activation="relu"),
    dict(filters=2, kernel_size=3, padding="causal", dilation_rate=2),
    dict(filters=2, kernel_size=1, use_bias=False, activation="tanh"),
    dict(filters=4, kernel_size=3, data_format="channels_first"),
    dict(filters=4, kernel_size=3, strides=2, padding="same", data_format="channels_first"),
    dict(filters=4, kernel_size=2, dilation_rate=2, padding="causal", data_format="channels_first"),
]


@pytest.mark.parametrize("kwargs", CONV1D, ids=lambda kw: "-".join(f"{v}" for v in kw.values()))
def test_conv1d_matches_tf1(tf1, kwargs):
    channels_first = kwargs.get("data_format") == "channels_first"
    x = data(2, 3, 11) if channels_first else data(2, 11, 3)

    def program(t, x):
        return t.layers.conv1d(x, **kwargs), t.layers.Conv1D(**kwargs)(x)

    names = check_against_tf1(tf1, program, x)
    assert names[0] == "conv1d/kernel" and names[-1].startswith("conv1d_1/")


def test_conv1d_with_several_batch_dimensions_matches_tf1(tf1):
    check_against_tf1(tf1, lambda t, x: t.layers.conv1d(x, 3, 2, strides=2), data(2, 3, 9, 4))


CONV2D = [
    dict(filters=4, kernel_size=3, strides=2, padding="SAME", dilation_rate=1),
    dict(filters=3, kernel_size=(3, 2), dilation_rate=(2, 1), activation="relu"),
    dict(filters=4, kernel_size=3, data_format="channels_first"),
    dict(
        filters=2, kernel_size=(2, 3), strides=(1, 2), padding="same", data_format="channels_first"
    ),
]


@pytest.mark.parametrize("kwargs", CONV2D, ids=lambda kw: "-".join(f"{v}" for v in kw.values()))
def test_conv2d_matches_tf1(tf1, kwargs):
    """Conv2D shares Conv1D's Keras Conv base: channels_first and dilation included."""
    channels_first = kwargs.get("data_format") == "channels_first"
    x = data(2, 3, 9, 8) if channels_first else data(2, 9, 8, 3)

    def program(t, x):
        return t.layers.conv2d(x, **kwargs), t.layers.Conv2D(**kwargs)(x)

    names = check_against_tf1(tf1, program, x)
    assert names[0] == "conv2d/kernel" and names[-1].startswith("conv2d_1/")


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_flatten_matches_tf1(tf1, data_format):
    """channels_first moves the channels last before flattening, as TF's Flatten does."""
    x = data(2, 3, 4, 5)

    def program(t, x):
        return t.layers.flatten(x, data_format=data_format), t.layers.Flatten(data_format)(x)

    check_against_tf1(tf1, program, x)


# --- conv2d_transpose ----------------------------------------------------------------------
CONV2D_TRANSPOSE = [
    dict(filters=4, kernel_size=3),
    dict(filters=4, kernel_size=3, strides=2),
    dict(filters=4, kernel_size=3, strides=2, padding="same"),
    dict(filters=3, kernel_size=4, strides=2, padding="SAME"),
    dict(filters=2, kernel_size=2, strides=3),  # kernel smaller than the stride
    dict(filters=2, kernel_size=2, strides=3, padding="same"),
    dict(filters=3, kernel_size=(3, 2), strides=(2, 1), padding="same", activation="relu"),
    dict(filters=3, kernel_size=(1, 5), strides=(1, 2), use_bias=False),
    dict(filters=4, kernel_size=3, strides=2, padding="same", data_format="channels_first"),
    dict(filters=2, kernel_size=(2, 3), strides=(3, 2), data_format="channels_first"),
]


@pytest.mark.parametrize(
    "kwargs", CONV2D_TRANSPOSE, ids=lambda kw: "-".join(f"{v}" for v in kw.values())
)
def test_conv2d_transpose_matches_tf1(tf1, kwargs):
    channels_first = kwargs.get("data_format") == "channels_first"
    x = data(2, 3, 5, 6) if channels_first else data(2, 5, 6, 3)

    def program(t, x):
        return t.layers.conv2d_transpose(x, **kwargs), t.layers.Conv2DTranspose(**kwargs)(x)

    names = check_against_tf1(tf1, program, x)
    assert names[0] == "conv2d_transpose/kernel"
    assert names[-1].startswith("conv2d_transpose_1/")


CONV2D_TRANSPOSE_CLASS_ONLY = [  # TF's class takes these through its Keras base; not conv2d_transpose
    dict(filters=3, kernel_size=3, strides=2, output_padding=1),
    dict(filters=3, kernel_size=3, strides=(2, 3), padding="same", output_padding=(1, 2)),
    dict(filters=3, kernel_size=3, dilation_rate=2),
    dict(filters=3, kernel_size=(3, 2), dilation_rate=(3, 3), padding="same"),
    dict(filters=3, kernel_size=3, dilation_rate=2, padding="same", data_format="channels_first"),
]


@pytest.mark.parametrize(
    "kwargs", CONV2D_TRANSPOSE_CLASS_ONLY, ids=lambda kw: "-".join(f"{v}" for v in kw.values())
)
def test_conv2d_transpose_output_padding_and_dilation_match_tf1(tf1, kwargs):
    channels_first = kwargs.get("data_format") == "channels_first"
    x = data(2, 4, 5, 6) if channels_first else data(2, 5, 6, 4)
    check_against_tf1(tf1, lambda t, x: t.layers.Conv2DTranspose(**kwargs)(x), x)


# --- pooling -------------------------------------------------------------------------------
POOL_CONFIGS = [
    dict(pool_size=2, strides=2),
    dict(pool_size=3, strides=2),
    dict(pool_size=3, strides=2, padding="same"),  # pads one on the end
    dict(pool_size=3, strides=1, padding="same"),  # pads on both ends
    dict(pool_size=4, strides=1, padding="SAME"),  # pads 1 before, 2 after
    dict(pool_size=2, strides=3, padding="same"),  # window smaller than the stride
    dict(pool_size=5, strides=4, padding="same"),
    dict(pool_size=(3,), strides=(2,), padding="same", data_format="channels_first"),
    dict(pool_size=2, strides=1, data_format="channels_first"),
]


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize(
    "kwargs", POOL_CONFIGS, ids=lambda kw: "-".join(f"{v}" for v in kw.values())
)
def test_pooling1d_matches_tf1(tf1, kind, kwargs):
    channels_first = kwargs.get("data_format") == "channels_first"
    x = data(2, 3, 11) if channels_first else data(2, 11, 3)
    x_negative = -np.abs(x) - 1  # 'same' max pooling must not see zeros in the padding

    def program(t, x, xn):
        fn = getattr(t.layers, f"{kind}_pooling1d")
        cls = getattr(t.layers, f"{kind.capitalize()}Pooling1D")
        return fn(x, **kwargs), fn(xn, **kwargs), cls(**kwargs)(x)

    assert check_against_tf1(tf1, program, x, x_negative) == []


POOL2D_CONFIGS = [
    dict(pool_size=2, strides=2),
    dict(pool_size=(3, 2), strides=(2, 1)),
    dict(pool_size=3, strides=2, padding="same"),
    dict(pool_size=(2, 4), strides=(1, 3), padding="same"),
    dict(pool_size=3, strides=3, padding="same"),
    dict(pool_size=(1, 3), strides=(2, 3), padding="same"),
    dict(pool_size=3, strides=2, padding="same", data_format="channels_first"),
    dict(pool_size=2, strides=(1, 2), data_format="channels_first"),
]


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize(
    "kwargs", POOL2D_CONFIGS, ids=lambda kw: "-".join(f"{v}" for v in kw.values())
)
def test_pooling2d_matches_tf1(tf1, kind, kwargs):
    channels_first = kwargs.get("data_format") == "channels_first"
    x = data(2, 3, 7, 8) if channels_first else data(2, 7, 8, 3)
    x_negative = -np.abs(x) - 1

    def program(t, x, xn):
        fn = getattr(t.layers, f"{kind}_pooling2d")
        cls = getattr(t.layers, f"{kind.capitalize()}Pooling2D")
        return fn(x, **kwargs), fn(xn, **kwargs), cls(**kwargs)(x)

    assert check_against_tf1(tf1, program, x, x_negative) == []


def test_same_average_pooling_counts_only_real_elements():
    x = jnp.ones((1, 5, 1))
    out = fs.transform(lambda x: tf.layers.average_pooling1d(x, 3, 1, padding="same")).apply(
        {"params": {}}, x
    )
    np.testing.assert_array_equal(out, np.ones((1, 5, 1)))  # not 2/3 at the edges


# --- naming, reuse, sharing ------------------------------------------------------------------
def naming_program(t, x, img):
    outs = [t.layers.conv1d(x, 3, 2), t.layers.conv1d(x, 3, 2, padding="same")]
    outs.append(t.layers.dropout(x))  # scope "dropout": no variables, but the name is taken
    outs.append(t.layers.dropout(x, rate=0.2, name="fc"))
    outs.append(t.layers.dropout(x, name="fc"))  # uniquified: fc_1
    outs.append(t.layers.max_pooling1d(x, 2, 2))
    outs.append(t.layers.conv1d(x, 3, 2, name="fc"))  # named functional layer: scope "fc"
    outs.append(t.layers.conv1d(x, 3, 2, name="fc", reuse=True))  # fc's variables again
    outs.append(t.layers.Conv1D(2, 3, name="dropout")(x))  # a class: uniquified to dropout_1
    outs.append(t.layers.Conv1D(2, 3, name="fc")(x))  # fc_2
    with t.variable_scope("dec"):
        up = t.layers.Conv2DTranspose(4, 3, strides=2, padding="same")
        outs += [up(img), up(2 * img)]  # one layer object: variables shared
        outs.append(t.layers.conv2d_transpose(img, 2, 2, strides=2, name="up"))
        outs.append(t.layers.average_pooling2d(img, 2, 2))
        outs.append(t.layers.max_pooling2d(img, 2, 2, padding="same"))
    with t.variable_scope("dec", reuse=True):
        outs.append(t.layers.conv2d_transpose(img, 2, 2, strides=2, name="up"))
    with t.variable_scope("frozen"):
        outs.append(t.layers.conv1d(x, 2, 3, trainable=False))
        outs.append(t.layers.conv2d_transpose(img, 2, 3, trainable=False, use_bias=False))
    return outs


def test_naming_reuse_and_sharing_match_tf1(tf1):
    names = check_against_tf1(tf1, naming_program, data(2, 9, 4), data(1, 4, 5, 3))
    assert names == [
        "conv1d/kernel",
        "conv1d/bias",
        "conv1d_1/kernel",
        "conv1d_1/bias",
        "fc/kernel",
        "fc/bias",
        "dropout_1/kernel",
        "dropout_1/bias",
        "fc_2/kernel",
        "fc_2/bias",
        "dec/conv2d_transpose/kernel",
        "dec/conv2d_transpose/bias",
        "dec/up/kernel",
        "dec/up/bias",
        "frozen/conv1d/kernel",
        "frozen/conv1d/bias",
        "frozen/conv2d_transpose/kernel",
    ]


def test_a_dropout_name_shifts_later_scopes_like_tf1(tf1):
    def program(t, x):
        t.layers.dropout(x)
        t.layers.dropout(x)
        with t.variable_scope(None, default_name="dropout"):
            v = t.get_variable("v", [1])
        t.layers.max_pooling1d(x, 2, 2, name="conv1d")
        return t.layers.conv1d(x, 2, 2) + v

    assert check_against_tf1(tf1, program, data(2, 6, 3)) == [
        "dropout_2/v",
        "conv1d_1/kernel",
        "conv1d_1/bias",
    ]


def test_a_module_level_conv1d_works_in_every_call():
    layer = tf.layers.Conv1D(3, 2, name="c")
    g = fs.transform(lambda x: (layer(x), layer(x)))
    x = jnp.ones((1, 5, 2))
    variables = g.init(0, x)
    assert {k: v.shape for k, v in variables["params"].items()} == {
        "c/kernel": (2, 2, 3),
        "c/bias": (3,),
    }
    a, b = g.apply(variables, x)
    np.testing.assert_array_equal(a, b)


# --- dropout ---------------------------------------------------------------------------------
def test_dropout_is_the_identity_unless_training():
    x = jnp.arange(12.0).reshape(3, 4)
    for training in (False, None, 0, np.bool_(False)):
        f = fs.transform(lambda x, training=training: tf.layers.dropout(x, training=training))
        np.testing.assert_array_equal(f.apply({"params": {}}, x), x)  # needs no rng
    g = fs.transform(lambda x: tf.layers.Dropout(0.0)(x, training=True))
    np.testing.assert_array_equal(g.apply({"params": {}}, x), x)


def test_dropout_drops_at_rate_and_scales_the_rest():
    f = fs.transform(lambda x: tf.layers.dropout(x, rate=0.3, training=True))
    x = jnp.ones((300, 400))
    out = np.asarray(f.apply({"params": {}}, x, rng=jax.random.key(0)))
    assert set(np.unique(out)) == {0.0, np.float32(1 / 0.7)}
    assert abs((out == 0).mean() - 0.3) < 0.01
    assert abs(out.mean() - 1.0) < 0.02


def test_dropout_statistics_match_tf1(tf1):
    x = np.ones((400, 500), np.float32)
    with tf1.Graph().as_default(), tf1.Session() as sess:
        theirs = sess.run(tf1.layers.dropout(tf1.constant(x), rate=0.4, training=True, seed=1))
    f = fs.transform(lambda x: tf.layers.dropout(x, rate=0.4, training=True, seed=1))
    ours = np.asarray(f.apply({"params": {}}, x, rng=jax.random.key(1)))
    assert set(np.unique(theirs)) == set(np.unique(ours))  # {0, 1/0.6}
    assert abs((theirs == 0).mean() - (ours == 0).mean()) < 0.01


def test_dropout_noise_shape_broadcasts():
    x = jnp.ones((64, 5, 32))
    for noise_shape in ([64, 1, 32], [None, 1, None]):
        f = fs.transform(
            lambda x, ns=noise_shape: tf.layers.dropout(x, 0.5, noise_shape=ns, training=True)
        )
        out = np.asarray(f.apply({"params": {}}, x, rng=jax.random.key(2)))
        assert (out == out[:, :1, :]).all()  # one mask for all of axis 1
        assert 0.4 < (out == 0).mean() < 0.6
        assert set(np.unique(out)) == {0.0, 2.0}


def test_dropout_traced_training_flag_under_jit():
    layer = tf.layers.Dropout(0.5, name="drop")
    f = fs.transform(lambda x, training: layer(x, training=training))
    run = jax.jit(lambda x, training, key: f.apply({"params": {}}, x, training, rng=key))
    x = jnp.ones((50, 40))
    np.testing.assert_array_equal(run(x, False, jax.random.key(0)), x)
    out = np.asarray(run(x, True, jax.random.key(0)))
    assert set(np.unique(out)) == {0.0, 2.0}
    assert 0.4 < (out == 0).mean() < 0.6
    dropped = fs.transform(lambda x: layer(x, training=True))
    np.testing.assert_array_equal(out, dropped.apply({"params": {}}, x, rng=jax.random.key(0)))


def test_dropout_seed_changes_the_mask():
    x = jnp.ones((32, 32))

    def masks(x):
        return [tf.layers.dropout(x, training=True, seed=s) for s in (1, 1, 2)]

    a, b, c = fs.transform(masks).apply({"params": {}}, x, rng=jax.random.key(3))
    assert not np.array_equal(a, b)  # each op has its own key, as each TF op its own stream
    assert not np.array_equal(a, c)


def test_dropout_rate_one_errors_only_when_training():
    x = jnp.ones(4)
    f = fs.transform(lambda x: tf.layers.dropout(x, rate=1.0))
    np.testing.assert_array_equal(f.apply({"params": {}}, x), x)
    g = fs.transform(lambda x: tf.layers.dropout(x, rate=1.0, training=True))
    with pytest.raises(ValueError, match=r"range \[0, 1\)"):
        g.apply({"params": {}}, x, rng=jax.random.key(0))


# --- argument errors: TF1's messages -------------------------------------------------------------
BAD_ARGUMENTS = {
    "filters=0": lambda t: t.layers.Conv1D(0, 3),
    "kernel_size=0": lambda t: t.layers.Conv1D(2, 0),
    "two kernel sizes for conv1d": lambda t: t.layers.Conv1D(2, (2, 2)),
    "kernel_size=-1": lambda t: t.layers.Conv2DTranspose(2, (2, -1)),
    "strides=0": lambda t: t.layers.Conv1D(2, 2, strides=0),
    "strides and dilation": lambda t: t.layers.Conv1D(2, 3, strides=2, dilation_rate=2),
    "strides and dilation 2d": lambda t: t.layers.Conv2DTranspose(2, 3, strides=2, dilation_rate=2),
    "padding=full": lambda t: t.layers.Conv1D(2, 3, padding="full"),
    "data_format=NCHW": lambda t: t.layers.Conv1D(2, 3, data_format="NCHW"),
    "causal transpose": lambda t: t.layers.Conv2DTranspose(2, 3, padding="causal"),
    "output_padding >= strides": lambda t: t.layers.Conv2DTranspose(
        2, 3, strides=2, output_padding=2
    ),
    "rate=1.5": lambda t: t.layers.Dropout(1.5),
    "rate=-0.1": lambda t: t.layers.Dropout(-0.1),
    "pool strides=None": lambda t: t.layers.MaxPooling1D(2, None),
    "pool_size=0": lambda t: t.layers.AveragePooling2D(0, 1),
    "pool padding": lambda t: t.layers.MaxPooling2D(2, 2, padding="full"),
    "unknown activation": lambda t: t.layers.Conv1D(2, 3, activation="foo"),
}


@pytest.mark.parametrize("case", list(BAD_ARGUMENTS))
def test_argument_errors_are_tf1s(tf1, case):
    with tf1.Graph().as_default(), pytest.raises(ValueError) as theirs:
        BAD_ARGUMENTS[case](tf1)
    with pytest.raises(ValueError) as ours:
        BAD_ARGUMENTS[case](tf)
    assert str(ours.value).startswith(str(theirs.value))


def test_input_errors_name_the_problem():
    def fails(program, x):
        return fs.transform(program).init(0, jnp.ones(x))

    with pytest.raises(ValueError, match=r"expected min_ndim=3, found ndim=2"):
        fails(lambda x: tf.layers.conv1d(x, 2, 2), (4, 3))
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=3"):
        fails(lambda x: tf.layers.max_pooling2d(x, 2, 2), (2, 5, 4))
    with pytest.raises(ValueError, match=r"expected min_ndim=4, found ndim=3"):
        fails(lambda x: tf.layers.conv2d_transpose(x, 2, 2), (2, 5, 4))
    with pytest.raises(ValueError, match=r"Inputs should have rank 4"):
        fails(lambda x: tf.layers.conv2d_transpose(x, 2, 2), (2, 5, 4, 3, 1))
    with pytest.raises(ValueError, match=r"One of the dimensions in the output is <= 0"):
        fails(lambda x: tf.layers.conv1d(x, 2, 9), (2, 5, 4))
    with pytest.raises(ValueError, match=r"Negative dimension size caused by subtracting 9 from 5"):
        fails(lambda x: tf.layers.max_pooling1d(x, 9, 1), (2, 5, 4))
    with pytest.raises(ValueError, match=r"`dilation_rate` argument to be equal"):
        fails(lambda x: tf.layers.Conv2DTranspose(2, 2, dilation_rate=(1, 2))(x), (1, 4, 4, 1))
    with pytest.raises(ValueError, match=r"Stride must be > 0, but got 0"):
        fails(lambda x: tf.layers.max_pooling2d(x, 2, 0), (2, 4, 5, 3))


def test_bias_initializer_none_is_get_variables_default_like_tf1(tf1):
    def program(t, x):
        return t.layers.conv1d(x, 6, 2, bias_initializer=None), t.layers.dense(
            x, 6, bias_initializer=None
        )

    names, _, values, _ = run_tf1(tf1, program, data(2, 5, 4))
    ours = fs.transform(lambda x: program(tf, x)).init(0, data(2, 5, 4))["params"]
    for name in ("conv1d/bias", "dense/bias"):
        assert np.abs(values[name]).max() > 0  # TF: glorot_uniform, not zeros
        assert np.abs(np.asarray(ours[name])).max() > 0
    zeros = fs.transform(lambda x: tf.layers.conv1d(x, 6, 2)).init(0, data(2, 5, 4))["params"]
    np.testing.assert_array_equal(zeros["conv1d/bias"], np.zeros(6))


def gradient_program(t, x):
    h = t.layers.conv1d(x, 4, 3, padding="same")
    h = t.layers.max_pooling1d(h, 3, 2, padding="same")
    h = t.layers.average_pooling1d(h, 3, 1, padding="same")
    h = t.layers.dropout(h, training=False)
    img = h[:, :, None, :]
    h = t.layers.conv2d_transpose(img, 2, 3, strides=2, padding="same")
    h = t.layers.average_pooling2d(h, 2, 1)
    return t.layers.max_pooling2d(h, 2, 1, padding="same")


def test_gradients_under_jit_match_tf1(tf1):
    x = data(2, 9, 3)
    with tf1.Graph().as_default(), tf1.Session() as sess:
        xt = tf1.constant(x)
        loss = tf1.reduce_sum(tf1.square(gradient_program(tf1, xt)))
        tvars = tf1.trainable_variables()
        grads = tf1.gradients(loss, [xt, *tvars])
        sess.run(tf1.global_variables_initializer())
        names = [v.name[:-2] for v in tvars]
        values = dict(zip(names, sess.run(tvars), strict=True))
        expected = sess.run(grads)
    f = fs.transform(lambda x: jnp.sum(jnp.square(gradient_program(tf, x))))

    def loss_fn(params, x):
        return f.apply({"params": params}, x)

    gx, gparams = jax.jit(jax.grad(loss_fn, argnums=(1, 0)))(values, x)
    np.testing.assert_allclose(gx, expected[0], rtol=1e-4, atol=1e-4)
    for name, e in zip(names, expected[1:], strict=True):
        np.testing.assert_allclose(gparams[name], e, rtol=1e-4, atol=1e-4)
