"""flaxscope.summary: the table of variables, TF1's slim.model_analyzer."""

import jax
import jax.numpy as jnp
import pytest
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

import flaxscope as fs
from flaxscope import summary


def _model(x):
    with fs.variable_scope("encoder"):
        w = fs.get_variable("w", [x.shape[-1], 8])
        b = fs.get_variable("b", [8], initializer=fs.zeros_initializer())
    with fs.variable_scope("decoder/layer"):
        w2 = fs.get_variable("w", [8, 3], dtype="bfloat16")
    fs.get_variable("global_step", [], dtype="int32", trainable=False)
    return (x @ w + b) @ w2.astype(jnp.float32)


X = jnp.ones((2, 4))


@pytest.fixture(scope="module")
def variables():
    return fs.transform(_model).init(jax.random.key(0), X)


def test_text_table_rows_and_totals(variables):
    s = summary(variables)
    assert [(r.name, r.collection, r.shape, r.dtype, r.size, r.nbytes) for r in s.rows] == [
        ("decoder/layer/w", "params", (8, 3), "bfloat16", 24, 48),
        ("encoder/b", "params", (8,), "float32", 8, 32),
        ("encoder/w", "params", (4, 8), "float32", 32, 128),
        ("global_step", "state", (), "int32", 1, 4),
    ]
    assert (s.total.count, s.total.size, s.total.nbytes) == (4, 65, 212)
    assert {k: (t.count, t.size) for k, t in s.by_scope.items()} == {
        "decoder": (1, 24),
        "encoder": (2, 40),
        "": (1, 1),
    }
    assert s.by_collection["params"].nbytes == 208
    text = str(s)
    lines = text.splitlines()
    assert lines[0].split() == ["Name", "Collection", "Shape", "Dtype", "Size", "Bytes"]
    assert "encoder/w        params      (4, 8)  float32     32  128 B" in text
    assert "Sharding" not in text  # no NamedSharding on these arrays
    assert lines[-1].split() == ["Total", "4", "65", "212", "B"]
    assert "non-trainable (state)" in text and "(root)" in text
    assert repr(s) == text


def test_depth_html_abstract_and_records(variables):
    s = summary(variables["params"], depth=2)
    assert list(s.by_scope) == ["decoder/layer", "encoder"]
    assert s.rows[0].collection is None and "Collection" not in str(s)

    html = s._repr_html_()
    assert html.startswith("<table>") and "<td>decoder/layer/w</td>" in html

    abstract = jax.eval_shape(fs.transform(_model).init, jax.random.key(0), X)
    assert str(summary(abstract)) == str(summary(variables))

    def records(x):
        _model(x)
        return summary(fs.global_variables())

    from_records = fs.transform(records).apply(variables, X)
    assert [(r.name, r.collection) for r in from_records.rows] == [
        ("encoder/w", "params"),
        ("encoder/b", "params"),
        ("decoder/layer/w", "params"),
        ("global_step", "state"),
    ]
    assert str(summary({})) == "No variables."
    with pytest.raises(ValueError, match="depth"):
        summary(variables, depth=0)


def test_sharding_column_when_arrays_carry_a_named_sharding(variables):
    mesh = Mesh(jax.devices()[:1], ("model",))
    params = dict(variables["params"])
    params["encoder/w"] = jax.device_put(params["encoder/w"], NamedSharding(mesh, P(None, "model")))
    text = str(summary({"params": params}))
    assert "Sharding" in text.splitlines()[0]
    assert "P(None, 'model') shard (4, 8)" in text
