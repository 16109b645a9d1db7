"""examples/sharded_lstm.py: the LSTM LM on a (2 data x 4 model) mesh equals one device."""

import importlib.util
import re
import sys
from pathlib import Path

import jax
import numpy as np
import optax
import pytest
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

import flaxscope as fs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

pytestmark = pytest.mark.skipif(jax.device_count() < 8, reason="needs 8 (simulated) devices")


@pytest.fixture(scope="module")
def example():
    sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location("sharded_lstm", EXAMPLES / "sharded_lstm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_loss_curve_matches_one_device(example):
    argv = ["--steps", "4", "--batch", "8", "--seq-len", "8", "--hidden", "16", "--layers", "2"]
    result = example.main([*argv, "--check"])
    np.testing.assert_allclose(result["sharded"], result["single"], rtol=1e-5)


def test_no_sharded_variable_is_gathered_in_the_train_step(example):
    mesh = example.make_mesh(4)
    assert dict(mesh.shape) == {"data": 2, "model": 4}
    vocab, hidden = 32, 16

    def loss_fn(tokens):
        logits = example.sharded_char_rnn(
            tokens[:, :-1], vocab_size=vocab, hidden=hidden, layers=1, shards=4
        )
        return optax.softmax_cross_entropy_with_integer_labels(logits, tokens[:, 1:]).mean()

    model = fs.transform(loss_fn, mesh=mesh)
    tokens = jax.device_put(
        np.random.default_rng(0).integers(0, vocab, (8, 9)).astype(np.int32),
        NamedSharding(mesh, P("data")),
    )
    params = model.init(jax.random.key(0), tokens)["params"]
    assert params["embedding/embedding"].sharding.spec == P("model")
    assert params["softmax/w"].sharding.spec == P(None, "model")
    opt = optax.adam(1e-3)

    def step(params, opt_state, tokens):
        grads = jax.grad(lambda p: model.apply({"params": p}, tokens))(params)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    hlo = jax.jit(step).lower(params, opt.init(params), tokens).compile().as_text()
    gathered = {
        tuple(int(d) for d in m.group(1).split(",") if d)
        for m in re.finditer(r"=\s*f32\[([\d,]*)\][^\n]*all-gather\(", hlo)
    }
    assert (vocab, hidden) not in gathered
    assert (hidden, vocab) not in gathered
