"""flaxscope.linen: TF1 scope code inside linen models, linen and NNX modules inside it."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import linen as nn
from flax import nnx
from flax.nnx import bridge

import flaxscope as fs
import flaxscope.linen as fsl
from flaxscope.selection import leaf_names


def encoder(x):
    """A TF1-style block: get_variable in variable scopes."""
    with fs.variable_scope("enc"):
        w = fs.get_variable("w", [x.shape[-1], 8])
        b = fs.get_variable("b", [8], initializer=fs.zeros_initializer())
    return jnp.tanh(x @ w + b)


def counting_encoder(x):
    with fs.variable_scope("enc"):
        w = fs.get_variable("w", [x.shape[-1], 4])
        calls = fs.get_variable("calls", [], dtype="int32", trainable=False)
        fs.assign_add(calls, 1)
    return x @ w


X = jnp.linspace(-1.0, 1.0, 10, dtype=jnp.float32).reshape(2, 5)


def _shapes(tree):
    return jax.tree.map(lambda a: tuple(a.shape), tree)


# --- flaxscope inside linen ----------------------------------------------------------
class Model(nn.Module):
    @nn.compact
    def __call__(self, x):
        h = fsl.wrap(encoder, name="encoder")(x)
        return nn.Dense(3, name="head")(h)


def test_scope_module_params_live_under_module_path_keyed_by_tf_names():
    variables = Model().init(jax.random.key(0), X)
    assert _shapes(variables) == {
        "params": {
            "encoder": {"enc/w": (5, 8), "enc/b": (8,)},
            "head": {"kernel": (8, 3), "bias": (3,)},
        }
    }
    out = Model().apply(variables, X)
    # The block's subtree is exactly a flaxscope tree: its own apply gives the same hidden.
    hidden = fs.transform(encoder).apply({"params": variables["params"]["encoder"]}, X)
    head = variables["params"]["head"]
    np.testing.assert_allclose(out, hidden @ head["kernel"] + head["bias"], rtol=1e-6)
    # init's values are those of flaxscope's init with the module's params key.
    init_out, init_vars = Model().init_with_output(jax.random.key(0), X)
    np.testing.assert_array_equal(init_out, out)


def test_scope_module_called_twice_shares_one_set_of_weights():
    class Twice(nn.Module):
        @nn.compact
        def __call__(self, x):
            block = fsl.ScopeModule(encoder, name="shared")
            return block(x), block(2 * x)

    (a, b), variables = Twice().init_with_output(jax.random.key(1), X)
    assert list(variables["params"]) == ["shared"]
    ref = fs.transform(encoder).apply({"params": variables["params"]["shared"]}, 2 * X)
    np.testing.assert_allclose(b, ref, rtol=1e-6)
    np.testing.assert_array_equal(Twice().apply(variables, X)[1], b)


def test_scope_module_state_is_a_linen_collection_updated_when_mutable():
    module = fsl.wrap(counting_encoder)
    variables = module.init(jax.random.key(0), X)
    assert variables["state"] == {"enc/calls": 0}
    assert list(variables["params"]) == ["enc/w"]
    _, updates = module.apply(variables, X, mutable=["state"])
    assert int(updates["state"]["enc/calls"]) == 1
    with pytest.raises(ValueError, match=r"assigns \['enc/calls'\].*mutable=\['state'\]"):
        module.apply(variables, X)

    def reader(x):  # reads state without assigning it: fine while state is immutable
        return x * fs.get_variable("scale", [], trainable=False, initializer=fs.ones_initializer())

    reading = fsl.wrap(reader)
    assert reading.apply(reading.init(jax.random.key(0), X), X).shape == X.shape

    batch_stats = fsl.ScopeModule(counting_encoder, state_collection="batch_stats")
    assert set(batch_stats.init(jax.random.key(0), X)) == {"params", "batch_stats"}


def _cell(carry, x):
    with fs.variable_scope("cell"):
        w = fs.get_variable("w", [4, 4])
        u = fs.get_variable("u", [x.shape[-1], 4])
    carry = jnp.tanh(carry @ w + x @ u)
    return carry, carry


def test_scope_module_under_nn_scan_and_nn_jit():
    scan = nn.scan(
        fsl.ScopeModule,
        variable_broadcast="params",
        split_rngs={"params": False},
        in_axes=1,
        out_axes=1,
    )
    jitted = nn.jit(fsl.ScopeModule)

    class Rnn(nn.Module):
        @nn.compact
        def __call__(self, carry, xs):
            carry, ys = scan(_cell, name="rnn")(carry, xs)
            return jitted(encoder, name="out")(ys[:, -1])

    carry, xs = jnp.zeros((2, 4)), jnp.ones((2, 3, 5))
    variables = Rnn().init(jax.random.key(0), carry, xs)
    assert _shapes(variables["params"]) == {
        "rnn": {"cell/w": (4, 4), "cell/u": (5, 4)},
        "out": {"enc/w": (4, 8), "enc/b": (8,)},
    }
    out = jax.jit(Rnn().apply)(variables, carry, xs)

    def reference(carry, xs):
        _, ys = fs.scan(_cell, carry, jnp.swapaxes(xs, 0, 1))
        return encoder(ys[-1])

    ref_params = {**variables["params"]["rnn"], **variables["params"]["out"]}
    ref = fs.transform(reference).apply({"params": ref_params}, carry, xs)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)


def test_scope_module_inside_an_nnx_model_through_flax_bridge():
    class Net(nnx.Module):
        def __init__(self, rngs):
            self.encoder = bridge.ToNNX(fsl.wrap(encoder), rngs=rngs)
            self.out = nnx.Linear(8, 2, rngs=rngs)

        def __call__(self, x):
            return self.out(self.encoder(x))

    net = Net(nnx.Rngs(0))
    bridge.lazy_init(net.encoder, X)
    params = nnx.state(net.encoder, nnx.Param)
    assert sorted(params) == ["enc/b", "enc/w"]
    grads = nnx.grad(lambda n: jnp.mean(n(X) ** 2))(net)
    assert float(jnp.abs(grads["encoder"]["enc/w"][...]).max()) > 0


# --- linen inside flaxscope ----------------------------------------------------------
def test_call_names_variables_under_the_current_variable_scope():
    def model(x):
        with fs.variable_scope("decoder"):
            y = fsl.call(nn.Dense(3), x)  # default name: snake case, made unique
            y = fsl.call(nn.Dense(3), y)
            y = fsl.call(nn.Dense(2, name="logits"), y)  # the module's own name
            return fsl.call(nn.LayerNorm(), y, name="norm")  # the name argument

    variables = fs.transform(model).init(jax.random.key(0), X)
    assert _shapes(variables) == {
        "params": {
            "decoder/dense/kernel": (5, 3),
            "decoder/dense/bias": (3,),
            "decoder/dense_1/kernel": (3, 3),
            "decoder/dense_1/bias": (3,),
            "decoder/logits/kernel": (3, 2),
            "decoder/logits/bias": (2,),
            "decoder/norm/scale": (2,),
            "decoder/norm/bias": (2,),
        }
    }


def test_call_apply_runs_only_module_apply_on_the_looked_up_leaves():
    computed = []  # initializations that computed numbers (shape inference only traces)

    def counting_init(key, shape, dtype=jnp.float32):
        if not isinstance(key, jax.core.Tracer):
            computed.append(shape)
        return jax.random.normal(key, shape, dtype)

    dense = nn.Dense(3, kernel_init=counting_init)
    model = fs.transform(lambda x: fsl.call(dense, x))
    variables = model.init(jax.random.key(0), X)
    assert len(computed) == 1  # one module.init, shared by all leaves
    params = variables["params"]
    out = model.apply(variables, X)
    assert len(computed) == 1
    expected = dense.apply(
        {"params": {"kernel": params["dense/kernel"], "bias": params["dense/bias"]}}, X
    )
    np.testing.assert_array_equal(out, expected)


def test_call_follows_tf1_reuse_rules():
    def shared(x):
        with fs.variable_scope("tower", reuse=fs.AUTO_REUSE):
            a = fsl.call(nn.Dense(3), x, name="mlp")
            b = fsl.call(nn.Dense(3), x, name="mlp")
        return a, b

    model = fs.transform(shared)
    variables = model.init(jax.random.key(0), X)
    assert sorted(variables["params"]) == ["tower/mlp/bias", "tower/mlp/kernel"]
    a, b = model.apply(variables, X)
    np.testing.assert_array_equal(a, b)

    def twice(x):
        fsl.call(nn.Dense(3), x, name="mlp")
        return fsl.call(nn.Dense(3), x, name="mlp")

    with pytest.raises(ValueError, match="Variable mlp/(kernel|bias) already exists, disallowed"):
        fs.transform(twice).init(jax.random.key(0), X)


def test_call_nnx_module_through_flax_bridge_with_state():
    def model(x):
        with fs.variable_scope("dec"):
            y = fsl.call(bridge.to_linen(nnx.Linear, 5, 2), x)
            return fsl.call(bridge.to_linen(nnx.BatchNorm, 2), y, use_running_average=False)

    transformed = fs.transform(model)
    variables = transformed.init(jax.random.key(0), X)
    assert _shapes(variables) == {
        "params": {
            "dec/linear/kernel": (5, 2),
            "dec/linear/bias": (2,),
            "dec/batch_norm/scale": (2,),
            "dec/batch_norm/bias": (2,),
        },
        "state": {"dec/batch_norm/mean": (2,), "dec/batch_norm/var": (2,)},
    }
    out, new = jax.jit(lambda v, x: transformed.apply(v, x, mutable=True))(variables, X)
    y = X @ variables["params"]["dec/linear/kernel"] + variables["params"]["dec/linear/bias"]
    np.testing.assert_allclose(new["state"]["dec/batch_norm/mean"], 0.01 * y.mean(0), rtol=1e-5)
    assert out.shape == (2, 2)


def test_call_linen_state_update_needs_mutable_state():
    def model(x):
        return fsl.call(nn.BatchNorm(use_running_average=False), x)

    transformed = fs.transform(model)
    variables = transformed.init(jax.random.key(0), X)
    assert sorted(variables["state"]) == ["batch_norm/mean", "batch_norm/var"]
    _, new = transformed.apply(variables, X, mutable=True)
    np.testing.assert_allclose(new["state"]["batch_norm/mean"], 0.01 * X.mean(0), rtol=1e-5)
    with pytest.raises(ValueError, match="mutable=True"):
        transformed.apply(variables, X)


def test_call_inside_scope_module_keeps_modules_unbound():
    def block(x):
        with fs.variable_scope("block"):
            return fsl.call(nn.Dense(4), x)

    variables = fsl.wrap(block, name="b").init(jax.random.key(0), X)
    assert sorted(variables["params"]) == ["block/dense/bias", "block/dense/kernel"]


def test_call_inside_flaxscope_scan_shares_the_module_across_steps():
    def rnn(carry, xs):
        def body(c, x):
            with fs.variable_scope("rnn", reuse=fs.AUTO_REUSE):
                c = jnp.tanh(fsl.call(nn.Dense(4), jnp.concatenate([c, x], -1), name="cell"))
            return c, c

        return fs.scan(body, carry, xs)

    model = fs.transform(rnn)
    carry, xs = jnp.zeros((2, 4)), jnp.ones((3, 2, 5))
    variables = model.init(jax.random.key(0), carry, xs)
    assert _shapes(variables["params"]) == {"rnn/cell/kernel": (9, 4), "rnn/cell/bias": (4,)}
    final, _ = model.apply(variables, carry, xs)
    assert final.shape == (2, 4)


def test_call_rejects_nnx_instances_and_bound_modules():
    linear = nnx.Linear(2, 2, rngs=nnx.Rngs(0))
    with pytest.raises(TypeError, match="bridge.to_linen"):
        fs.transform(lambda x: fsl.call(linear, x)).init(jax.random.key(0), X)

    class Parent(nn.Module):
        @nn.compact
        def __call__(self, x):
            child = nn.Dense(2)
            return fs.transform(lambda x: fsl.call(child, x)).init(jax.random.key(0), x)

    with pytest.raises(ValueError, match="attached to a linen parent"):
        Parent().init(jax.random.key(0), X)


# --- both directions in one model, one train step ---------------------------------
class Decoder(nn.Module):
    @nn.compact
    def __call__(self, h):
        h = nn.tanh(nn.Dense(6)(h))
        return nn.Dense(3)(h)


def tf1_encoder_linen_decoder(x):
    h = encoder(x)
    return fsl.call(Decoder(), h)


class LinenWithScopeBlock(nn.Module):
    @nn.compact
    def __call__(self, x):
        h = nn.Dense(5, name="embed")(x)
        h = fsl.wrap(tf1_encoder_linen_decoder, name="block")(h)
        return nn.Dense(3, name="head")(h)


def _train(loss_fn, params, steps=5):
    tx = optax.adam(1e-2)
    opt_state = tx.init(params)

    @jax.jit
    def step(params, opt_state):
        loss, grads = jax.value_and_grad(loss_fn)(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss, grads

    losses = []
    for _ in range(steps):
        params, opt_state, loss, grads = step(params, opt_state)
        losses.append(float(loss))
        for name, g in zip(leaf_names(grads), jax.tree.leaves(grads), strict=True):
            assert float(jnp.abs(g).max()) > 0, f"no gradient reaches {name}"
    assert losses[-1] < losses[0]
    return params


def test_mixed_models_train_under_jit_with_gradients_to_every_part():
    y = jnp.asarray(np.random.default_rng(0).normal(size=(2, 3)), jnp.float32)

    # TF1-style encoder + linen decoder, in flaxscope.
    model = fs.transform(tf1_encoder_linen_decoder)
    params = model.init(jax.random.key(0), X)["params"]
    assert _shapes(params) == {
        "enc/w": (5, 8),
        "enc/b": (8,),
        "decoder/Dense_0/kernel": (8, 6),
        "decoder/Dense_0/bias": (6,),
        "decoder/Dense_1/kernel": (6, 3),
        "decoder/Dense_1/bias": (3,),
    }
    _train(lambda p: jnp.mean((model.apply({"params": p}, X) - y) ** 2), params)

    # A linen model embedding that flaxscope block.
    linen_model = LinenWithScopeBlock()
    params = linen_model.init(jax.random.key(0), X)["params"]
    assert sorted(params) == ["block", "embed", "head"]
    assert sorted(params["block"]) == sorted(
        ["enc/w", "enc/b"]
        + [f"decoder/Dense_{i}/{leaf}" for i in (0, 1) for leaf in ("kernel", "bias")]
    )
    _train(lambda p: jnp.mean((linen_model.apply({"params": p}, X) - y) ** 2), params)
