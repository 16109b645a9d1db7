"""The variable store alone: a Frame without scopes, variables or transform on top."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from flaxscope import store


def _make(value):
    return lambda: jnp.asarray(value)


def test_unique_name_follows_tf_graph_rules() -> None:
    frame = store.Frame(store.INIT, rng=jax.random.key(0))
    assert [frame.unique_name("a") for _ in range(3)] == ["a", "a_1", "a_2"]
    # Names are case-insensitive keys, and a taken "a_1" is skipped.
    assert frame.unique_name("A") == "A_3"
    frame.unique_name("b_1")
    frame.unique_name("b")
    assert frame.unique_name("b") == "b_2"
    assert frame.unique_name("c", mark_as_used=False) == "c"
    assert frame.unique_name("c") == "c"


def test_create_in_init_writes_the_output_tree_and_collections() -> None:
    frame = store.Frame(store.INIT, rng=jax.random.key(0))
    w = frame.create_or_lookup(
        "s/w",
        _make(np.ones((2, 3), np.float32)),
        (2, 3),
        np.dtype("float32"),
        True,
        [store.GraphKeys.GLOBAL_VARIABLES, store.GraphKeys.TRAINABLE_VARIABLES],
        None,
    )
    step = frame.create_or_lookup(
        "global_step",
        _make(np.int32(0)),
        (),
        np.dtype("int32"),
        False,
        [store.GraphKeys.GLOBAL_VARIABLES],
        None,
    )
    assert w.name == "s/w:0" and w.collection == store.PARAMS and step.collection == store.STATE
    assert list(frame.output_tree()[store.PARAMS]) == ["s/w"]
    assert list(frame.output_tree()[store.STATE]) == ["global_step"]
    assert frame.collection(store.GraphKeys.GLOBAL_VARIABLES) == [w, step]
    assert frame.collection(store.GraphKeys.GLOBAL_VARIABLES, "s/") == [w]
    assert frame.collection(store.GraphKeys.TRAINABLE_VARIABLES) == [w]
    assert frame.variables() == {
        store.PARAMS: {"s/w": w.value},
        store.STATE: {"global_step": step.value},
    }
    with pytest.raises(ValueError, match="Duplicate node name in graph: 's/w'"):
        frame.create_or_lookup("s/w", _make(1.0), (), np.dtype("float32"), True, [], None)


def test_create_checks_the_initializers_shape() -> None:
    frame = store.Frame(store.INIT, rng=jax.random.key(0))
    with pytest.raises(ValueError, match=r"returned shape \(3,\), but the variable's shape is"):
        frame.create_or_lookup("w", _make(np.zeros(3)), (2,), np.dtype("float32"), True, [], None)


def test_apply_reads_the_given_tree_and_checks_it() -> None:
    given = {store.PARAMS: {"w": jnp.ones((2,))}, store.STATE: {"n": jnp.zeros(())}}
    frame = store.Frame(store.APPLY, variables=given)

    w = frame.create_or_lookup("w", None, (2,), np.dtype("float32"), True, [], None)
    assert w.value is given[store.PARAMS]["w"]
    assert frame.output_tree() == {store.PARAMS: {}, store.STATE: {}}
    assert frame.unused_inputs() == ["state/n"]
    with pytest.raises(ValueError, match="has shape \\(\\) in the variables given to apply"):
        frame.create_or_lookup("n", None, (3,), np.dtype("float32"), False, [], None)
    with pytest.raises(ValueError, match="is missing from variables\\['params'\\]"):
        frame.create_or_lookup("x", None, (2,), np.dtype("float32"), True, [], None)
    with pytest.raises(ValueError, match="apply looks for it in variables\\['params'\\]"):
        frame.create_or_lookup("n", None, (), np.dtype("float32"), True, [], None)


def test_apply_traces_a_missing_variables_initializer_for_its_errors() -> None:
    frame = store.Frame(store.APPLY, variables={store.PARAMS: {}})

    def failing() -> jax.Array:
        raise TypeError("the initializer's own error")

    with pytest.raises(TypeError, match="the initializer's own error"):
        frame.create_or_lookup("w", failing, (), np.dtype("float32"), True, [], None)


def test_assign_updates_the_record_and_the_output_in_apply() -> None:
    given = {store.PARAMS: {}, store.STATE: {"n": jnp.zeros(())}}
    frame = store.Frame(store.APPLY, variables=given, mutable=frozenset({store.STATE}))
    n = frame.create_or_lookup("n", None, (), np.dtype("float32"), False, [], None)
    new = jnp.ones(())
    frame.assign(n, new)
    assert n.value is new and n.frame is frame
    assert frame.output_tree()[store.STATE] == {"n": new}
    assert frame.record_of(new) is n


def test_one_array_for_two_variables_gets_two_identities() -> None:
    frame = store.Frame(store.INIT, rng=jax.random.key(0))
    shared = jnp.zeros((2,))
    a = frame.create_or_lookup("a", lambda: shared, None, None, True, [], None)
    b = frame.create_or_lookup("b", lambda: shared, None, None, True, [], None)
    assert a.value is not b.value
    assert frame.record_of(a.value) is a and frame.record_of(b.value) is b


def test_per_object_state_is_per_frame_and_per_object() -> None:
    first, second = store.Frame(store.INIT), store.Frame(store.INIT)
    owner = object()
    made = first.object_state(owner, dict)
    assert first.object_state(owner, dict) is made
    assert second.object_state(owner, dict) is not made
    assert first.object_state(object(), list) == []


def test_deferred_items_are_evaluated_when_read() -> None:
    class Loss(store.Deferred):
        name = "loss"

        def evaluate(self) -> float:
            return 2.5

    frame = store.Frame(store.INIT)
    frame.add_to_collection("losses", Loss())
    frame.add_to_collection("losses", 1.0)
    assert frame.collection("losses") == [2.5, 1.0]
    assert frame.collection("losses", "lo") == [2.5]


def test_snapshot_and_restore_the_tables() -> None:
    frame = store.Frame(store.INIT, rng=jax.random.key(0))
    frame.unique_name("a")
    snap = frame.snapshot()
    frame.create_or_lookup("w", _make(1.0), (), np.dtype("float32"), True, ["c"], None)
    frame.unique_name("a")
    frame.restore(snap)
    assert frame.op_names() == set() and frame.collection_keys() == []
    assert frame.unique_name("a") == "a_1"
    frame.restore(snap)  # the snapshot stays usable
    assert frame.unique_name("a") == "a_1"


def test_the_frame_is_complete_when_constructed() -> None:
    key = jax.random.key(1)
    frame = store.Frame(store.APPLY, op_rng=key, layout=None, variables_exist=True)
    assert frame.rng_state() == (key, 0) and frame.variables_exist and frame.layout is None
    assert store.current_frame() is store.default_frame()
    token = store.enter_frame(frame)
    try:
        assert store.current_frame() is frame
    finally:
        store.leave_frame(token)
    assert store.current_frame() is store.default_frame()


def _replayed(frame: store.Frame) -> set[str]:
    """Which of ``w`` and ``v`` a creation in ``apply`` answers from the lifted body's
    replay values (the given tree is empty, so any other creation fails)."""
    found = set()
    for name in ("w", "v"):
        snap = frame.snapshot()
        try:
            frame.create_or_lookup(name, None, (), np.dtype("float32"), True, [], None)
            found.add(name)
        except ValueError:
            pass
        finally:
            frame.restore(snap)
    return found


def test_lifted_body_switches_and_restores_the_loop_state() -> None:
    outer_key, step_key = jax.random.key(1), jax.random.key(2)
    frame = store.Frame(store.APPLY, op_rng=outer_key, layout="mesh-layout")
    frame.set_rng_state((outer_key, 5))
    with frame.lifted_body({"w": jnp.ones(())}, step_key):
        assert frame.lifted_depth() == 1 and frame.rng_state() == (step_key, 0)
        assert _replayed(frame) == {"w"}
        with frame.lifted_body({"v": jnp.ones(())}):  # nested: replay grows, key stays
            assert frame.lifted_depth() == 2 and _replayed(frame) == {"w", "v"}
            assert frame.rng_state()[0] is step_key
        assert _replayed(frame) == {"w"}
    assert frame.lifted_depth() == 0 and _replayed(frame) == set()
    assert frame.rng_state() == (outer_key, 5)
    # a loop iteration's key whose counter continues (TF1's op order across cond/body)
    with pytest.raises(RuntimeError, match="body failed"):
        with frame.lifted_body(rng=step_key, restart_counter=False):
            assert frame.rng_state() == (step_key, 5)
            frame.set_rng_state((step_key, 7))
            raise RuntimeError("body failed")
    assert frame.rng_state() == (outer_key, 7) and frame.lifted_depth() == 0
    with frame.hoisting_creation() as nested:
        assert not nested
        with frame.hoisting_creation() as inner:
            assert inner
        with frame.hoisting_creation() as inner:  # the inner one put the flag back
            assert inner
    with frame.hoisting_creation() as nested:
        assert not nested
    with frame.without_layout():
        assert frame.layout is None
    assert frame.layout == "mesh-layout"


def test_accessors_answer_what_the_methods_wrote() -> None:
    given = {store.PARAMS: {"a/w": jnp.ones(2)}, store.STATE: {"a/n": jnp.zeros(())}}
    frame = store.Frame(store.APPLY, variables=given, mutable=frozenset({store.STATE}))
    assert frame.given(store.PARAMS) == given[store.PARAMS]
    assert frame.given_collection("a/w") == store.PARAMS
    assert frame.given_collection("a/n") == store.STATE
    assert frame.given_collection("b") is None
    assert frame.may_assign(store.STATE) and not frame.may_assign(store.PARAMS)
    assert not frame.has_op_keys() and frame.rng is None
    # get_variable's table holds only what was filed under a shared name
    w = frame.create_or_lookup("a/w", None, (2,), np.dtype("float32"), True, [], None, None, "a/w")
    n = frame.create_or_lookup("a/n", None, (), np.dtype("float32"), False, [], None)
    assert frame.shared_variable("a/w") is w and frame.shared_variable("a/n") is None
    assert frame.record("a/n") is n and frame.record("x") is None
    assert frame.record_of(w.value) is w and frame.record_of(jnp.ones(2)) is None
    before = frame.op_names()
    assert before == {"a/w", "a/n"} and frame.values_created_since(before) == {}
    # names taken by an existing graph: the scope prefix and the name itself
    frame.take_existing_name("b/c/v")
    assert [frame.unique_name(x) for x in ("b", "b/c", "b/c/v")] == ["b_1", "b/c_1", "b/c/v_1"]
    # the live collection list, and the keys in creation order
    frame.collection_ref("losses").append(1.0)
    assert frame.collection("losses") == [1.0] and frame.collection_keys() == ["losses"]
    assert not frame.closed
    frame.close()
    assert frame.closed


def test_the_initializers_key_defaults_to_key_0_and_follows_set_rng() -> None:
    frame = store.Frame(store.INIT, default=True)
    assert frame.rng is None and frame.has_op_keys()  # the default graph derives one
    first = frame.variable_rng()
    assert frame.rng is first and jnp.array_equal(
        jax.random.key_data(first), jax.random.key_data(jax.random.key(0))
    )
    frame.set_rng(jax.random.key(7))
    assert jnp.array_equal(
        jax.random.key_data(frame.variable_rng()), jax.random.key_data(jax.random.key(7))
    )
