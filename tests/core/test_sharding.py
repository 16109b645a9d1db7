"""Partitioners and sharding rules on 8 simulated CPU devices (set in conftest.py)."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.sharding import AxisType, NamedSharding
from jax.sharding import PartitionSpec as P

import flaxscope as fs
import flaxscope.compat.v1 as tf
from flaxscope import sharding

pytestmark = pytest.mark.skipif(
    jax.device_count() < 8, reason="needs XLA_FLAGS=--xla_force_host_platform_device_count=8"
)


def make_mesh(data=2, model=4):
    return jax.make_mesh((data, model), ("data", "model"), axis_types=(AxisType.Auto,) * 2)


# --- TF1's partitioners give TF1's partitions ------------------------------------------------
PARTITIONER_CASES = [
    ("fixed_size_partitioner", dict(num_shards=4), [16, 8], "float32"),
    ("fixed_size_partitioner", dict(num_shards=4, axis=1), [16, 8], "float32"),
    ("fixed_size_partitioner", dict(num_shards=32), [16, 8], "float32"),
    ("variable_axis_size_partitioner", dict(max_shard_bytes=64), [16, 8], "float32"),
    ("variable_axis_size_partitioner", dict(max_shard_bytes=100, axis=1), [10, 30], "float16"),
    ("variable_axis_size_partitioner", dict(max_shard_bytes=8, max_shards=3), [16, 8], "int32"),
    ("min_max_variable_partitioner", dict(max_partitions=8, min_slice_size=64), [16, 8], "float32"),
    ("min_max_variable_partitioner", dict(max_partitions=2, min_slice_size=64), [16, 8], "float32"),
    ("min_max_variable_partitioner", dict(max_partitions=8, axis=1), [1000, 300], "float32"),
]


@pytest.mark.parametrize("fn, kwargs, shape, dtype", PARTITIONER_CASES)
def test_partitions_match_tf(tf1, fn, kwargs, shape, dtype):
    import tensorflow as tf_

    ours = sharding.tf_partitions(getattr(sharding, fn)(**kwargs), shape, dtype)
    theirs = getattr(tf1, fn)(**kwargs)(shape=tf_.TensorShape(shape), dtype=tf_.as_dtype(dtype))
    assert ours == list(theirs)


@pytest.mark.parametrize(
    "partitioner, shape, spec",
    [
        (sharding.fixed_size_partitioner(4), (16, 8), P("model")),
        (sharding.fixed_size_partitioner(4, axis=1), (16, 8), P(None, "model")),
        (sharding.fixed_size_partitioner(1), (16, 8), P()),
        (sharding.fixed_size_partitioner(3), (12,), P("model")),  # 3 TF parts -> mesh's 4
        (sharding.fixed_size_partitioner(4), (), P()),  # scalars are never partitioned
        (None, (16, 8), P()),
    ],
)
def test_partitioner_to_partition_spec(partitioner, shape, spec):
    mesh = make_mesh()
    assert sharding.partition_spec("v", shape, jnp.float32, partitioner, mesh=mesh) == spec


def test_dimension_the_mesh_does_not_divide_stays_whole_with_a_warning():
    with pytest.warns(UserWarning, match="Variable v: cannot shard axis 0"):
        spec = sharding.partition_spec(
            "v", (10, 4), jnp.float32, sharding.fixed_size_partitioner(2), mesh=make_mesh()
        )
    assert spec == P()


# --- a small language model with TF1-style partitioners -----------------------------------
VOCAB, HIDDEN, BATCH, STEPS = 16, 8, 8, 4


def lm(tokens, targets):
    with tf.variable_scope("embedding", partitioner=tf.fixed_size_partitioner(4)):
        emb = tf.get_variable("embedding", [VOCAB, HIDDEN])
    with tf.variable_scope("hidden"):
        w = tf.get_variable("kernel", [HIDDEN, HIDDEN])
        b = tf.get_variable("bias", [HIDDEN], initializer=tf.zeros_initializer())
    with tf.variable_scope("softmax"):
        sw = tf.get_variable("w", [HIDDEN, VOCAB], partitioner=tf.fixed_size_partitioner(4, 1))
        sb = tf.get_variable("b", [VOCAB], initializer=tf.zeros_initializer())
    # one-hot matmul keeps the vocab-sharded embedding sharded (a gather would all-gather it)
    x = jax.nn.one_hot(tokens, VOCAB) @ emb
    h = jnp.tanh(x @ w + b)
    logits = h @ sw + sb
    return optax.softmax_cross_entropy_with_integer_labels(logits, targets).mean()


def data(step):
    key = jax.random.key(step)
    tokens = jax.random.randint(key, (BATCH, STEPS), 0, VOCAB)
    return tokens, jnp.roll(tokens, -1, axis=1)


def train(f, variables, batch_sharding=None, steps=5):
    opt = optax.adam(0.1)
    params = variables["params"]
    opt_state = opt.init(params)

    @jax.jit
    def step(params, opt_state, tokens, targets):
        loss, grads = jax.value_and_grad(lambda p: f.apply({"params": p}, tokens, targets))(params)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    losses = []
    for _ in range(steps):
        tokens, targets = data(0)  # one batch: the loss must fall
        if batch_sharding is not None:
            tokens, targets = jax.device_put((tokens, targets), batch_sharding)
        params, opt_state, loss = step(params, opt_state, tokens, targets)
        losses.append(float(loss))
    return losses, step, params, opt_state


def test_init_lays_out_variables_on_the_mesh():
    mesh = make_mesh()
    f = fs.transform(lm, mesh=mesh)
    variables = f.init(jax.random.key(0), *data(0))
    params = variables["params"]
    assert params["embedding/embedding"].sharding.spec == P("model")
    assert params["softmax/w"].sharding.spec == P(None, "model")
    assert params["hidden/kernel"].sharding.spec == P()
    shard_shapes = {s.data.shape for s in params["embedding/embedding"].addressable_shards}
    assert shard_shapes == {(VOCAB // 4, HIDDEN)}
    assert {s.data.shape for s in params["softmax/w"].addressable_shards} == {(HIDDEN, VOCAB // 4)}
    # the same numbers as an unsharded init: one logical variable under its TF1 name
    plain = fs.transform(lm).init(jax.random.key(0), *data(0))
    jax.tree.map(np.testing.assert_array_equal, jax.device_get(variables), plain)
    sh = fs.shardings(variables)
    assert isinstance(sh["params"]["softmax/w"], NamedSharding)
    assert sh["params"]["softmax/w"].spec == P(None, "model")


def test_sharding_rules_by_name_first_match_wins():
    mesh = make_mesh()
    rules = fs.sharding_rules(
        [(r"^hidden/kernel$", P(None, "model")), (r"hidden/", P("model")), (r".*", P())],
        mesh=mesh,
    )
    with rules:
        variables = fs.transform(lm).init(jax.random.key(0), *data(0))
    params = variables["params"]
    assert params["hidden/kernel"].sharding.spec == P(None, "model")
    assert params["hidden/bias"].sharding.spec == P("model")
    # a partitioner wins over a rule: TF1's own placement comes first
    assert params["embedding/embedding"].sharding.spec == P("model")
    f = fs.transform(lm, rules=rules)
    assert f.init(jax.random.key(0), *data(0))["params"]["hidden/bias"].sharding.spec == P("model")


def test_sharded_training_matches_one_device_and_never_gathers_variables():
    single = fs.transform(lm)
    losses_1, *_ = train(single, single.init(jax.random.key(0), *data(0)))

    mesh = make_mesh()
    sharded = fs.transform(lm, mesh=mesh)
    variables = sharded.init(jax.random.key(0), *data(0))
    batch = NamedSharding(mesh, P("data"))
    losses_8, step, params, opt_state = train(sharded, variables, batch)
    np.testing.assert_allclose(losses_8, losses_1, rtol=1e-5)
    assert losses_8[-1] < losses_8[0]
    assert params["embedding/embedding"].sharding.spec == P("model")

    tokens, targets = jax.device_put(data(0), batch)
    hlo = step.lower(params, opt_state, tokens, targets).compile().as_text()
    gathered = set()
    for line in hlo.splitlines():
        if "all-gather" in line and "=" in line:
            shape = re.search(r"=\s*\w+\[([\d,]*)\]", line)
            if shape:
                gathered.add(tuple(int(d) for d in shape.group(1).split(",") if d))
    assert (VOCAB, HIDDEN) not in gathered
    assert (HIDDEN, VOCAB) not in gathered


def test_apply_constrains_variables_to_their_sharding():
    mesh = make_mesh()
    f = fs.transform(lm, mesh=mesh)
    variables = f.init(jax.random.key(0), *data(0))
    hlo = jax.jit(f.apply).lower(variables, *data(0)).as_text()
    assert "mhlo.sharding" in hlo or "sdy.sharding" in hlo or "sharding" in hlo
    np.testing.assert_allclose(
        jax.jit(f.apply)(variables, *data(0)),
        fs.transform(lm).apply(jax.device_get(variables), *data(0)),
        rtol=1e-6,
    )


def test_tf1_checkpoint_of_partitioned_variables_loads_into_the_sharded_tree(tf1, tmp_path):
    """TF1 saves a partitioned variable whole (as slices of one tensor): it loads into the
    one logical, mesh-sharded flaxscope variable of the same name."""
    from flaxscope import checkpoint

    tokens, targets = data(0)
    with tf1.Graph().as_default(), tf1.Session() as sess:
        with tf1.variable_scope("embedding", partitioner=tf1.fixed_size_partitioner(4)):
            emb = tf1.get_variable("embedding", [VOCAB, HIDDEN])
        with tf1.variable_scope("hidden"):
            tf1.get_variable("kernel", [HIDDEN, HIDDEN])
            tf1.get_variable("bias", [HIDDEN], initializer=tf1.zeros_initializer())
        with tf1.variable_scope("softmax"):
            sw = tf1.get_variable(
                "w", [HIDDEN, VOCAB], partitioner=tf1.fixed_size_partitioner(4, axis=1)
            )
            tf1.get_variable("b", [VOCAB], initializer=tf1.zeros_initializer())
        assert [v.name for v in emb] == [f"embedding/embedding/part_{i}:0" for i in range(4)]
        sess.run(tf1.global_variables_initializer())
        path = tf1.train.Saver().save(sess, str(tmp_path / "model.ckpt"))
        want_emb = sess.run(emb.as_tensor())
        want_sw = sess.run(sw.as_tensor())

    assert ("embedding/embedding", [VOCAB, HIDDEN]) in checkpoint.list_variables(path)
    mesh = make_mesh()
    f = fs.transform(lm, mesh=mesh)
    template = f.init(jax.random.key(0), tokens, targets)
    restored = checkpoint.restore(path, template)
    emb_value = restored["params"]["embedding/embedding"]
    assert emb_value.sharding.spec == P("model")
    np.testing.assert_array_equal(np.asarray(emb_value), want_emb)
    np.testing.assert_array_equal(np.asarray(restored["params"]["softmax/w"]), want_sw)
    assert restored["params"]["softmax/w"].sharding.spec == P(None, "model")
    jax.jit(f.apply)(restored, tokens, targets)


def lm_eval(tokens, targets):
    """The evaluation model of ``lm``: its scopes reopened with reuse=True, no partitioner."""
    with tf.variable_scope("embedding", reuse=True):
        emb = tf.get_variable("embedding")
    with tf.variable_scope("hidden", reuse=True):
        w, b = tf.get_variable("kernel"), tf.get_variable("bias")
    with tf.variable_scope("softmax", reuse=True):
        sw, sb = tf.get_variable("w"), tf.get_variable("b")
    h = jnp.tanh(jax.nn.one_hot(tokens, VOCAB) @ emb @ w + b)
    return optax.softmax_cross_entropy_with_integer_labels(h @ sw + sb, targets).mean()


def test_variables_exist_model_keeps_the_training_models_sharding():
    """An evaluation model reusing partitioned variables (variables_exist=True) does not
    gather them: they keep the sharding the training model gave them."""
    mesh = make_mesh()
    variables = fs.transform(lm, mesh=mesh).init(jax.random.key(0), *data(0))
    evaluate = fs.transform(lm_eval, mesh=mesh, variables_exist=True)
    batch = NamedSharding(mesh, P("data"))
    tokens, targets = jax.device_put(data(0), batch)
    np.testing.assert_allclose(
        jax.jit(evaluate.apply)(variables, tokens, targets),
        fs.transform(lm).apply(jax.device_get(variables), *data(0)),
        rtol=1e-5,
    )
    hlo = jax.jit(evaluate.apply).lower(variables, tokens, targets).compile().as_text()
    gathered = set()
    for line in hlo.splitlines():
        if "all-gather" in line and "=" in line:
            shape = re.search(r"=\s*\w+\[([\d,]*)\]", line)
            if shape:
                gathered.add(tuple(int(d) for d in shape.group(1).split(",") if d))
    assert (VOCAB, HIDDEN) not in gathered
    assert (HIDDEN, VOCAB) not in gathered
