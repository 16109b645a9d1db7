"""``tf.py_func`` / ``tf.numpy_function``: Python code on host values inside the model.

TF1 runs the function when the graph runs, on NumPy arrays, and learns its outputs'
shapes only then. JAX needs them when it traces: so on concrete inputs (the default graph,
``init`` run op by op, ``apply`` outside ``jit``) the function simply runs, and
flaxscope remembers the shapes and dtypes it returned for those input shapes; on traced
inputs (under ``jax.jit``, ``jax.vmap``) it runs through :func:`jax.pure_callback` with
the remembered shapes. A traced call whose input shapes were never seen on concrete values
fails with a message that shows the two fixes.

TF1's checks on the returned values hold: their number, and each dtype exactly as
``Tout`` says (a Python ``3.0`` is a ``double``, not a ``float``). There is no gradient
through the function, as in TF1.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.dtypes import as_dtype, kernel_type_name
from flaxscope.errors import InvalidArgumentError
from flaxscope.ops._registry import tf_op

# (function, input shapes and dtypes, Tout) -> the outputs' shapes and dtypes
_SEEN: dict[tuple, tuple[jax.ShapeDtypeStruct, ...]] = {}
_TOKENS = itertools.count()


def _function_key(func: Callable) -> Any:
    # a lambda written in the model is a new object on every call, with the same code
    code = getattr(func, "__code__", None)
    return func if code is None else (code, getattr(func, "__self__", None))


def _checked(result: Any, touts: list[np.dtype], token: str) -> list[np.ndarray]:
    values = list(result) if isinstance(result, list | tuple) else [result]
    if len(values) != len(touts):
        raise InvalidArgumentError(
            f"{token} returns {len(values)} values, but expects to see {len(touts)} values."
        )
    arrays = []
    for i, (value, want) in enumerate(zip(values, touts, strict=True)):
        array = np.asarray(value)
        if array.dtype != want:
            raise InvalidArgumentError(
                f"{i}-th value returned by {token} is {kernel_type_name(array.dtype)}, but expects "
                f"{kernel_type_name(want)}"
            )
        arrays.append(array)
    return arrays


def _py_func(func: Callable, inp: Sequence[Any], Tout: Any, op: str) -> Any:  # noqa: N803
    single = not isinstance(Tout, list | tuple)
    touts = [as_dtype(t) for t in ([Tout] if single else Tout)]
    args = [x if isinstance(x, jax.Array) else jnp.asarray(x) for x in inp]
    token = f"pyfunc_{next(_TOKENS)}"
    signature = tuple((tuple(a.shape), a.dtype) for a in args)
    key = (_function_key(func), signature, tuple(touts))
    if not any(isinstance(a, jax.core.Tracer) for a in args):
        outs = _checked(func(*[np.asarray(a) for a in args]), touts, token)
        _SEEN[key] = tuple(jax.ShapeDtypeStruct(o.shape, o.dtype) for o in outs)
        results = [jnp.asarray(o) for o in outs]
    else:
        shapes = _SEEN.get(key)
        if shapes is None:
            raise ValueError(
                f"tf.{op}({getattr(func, '__name__', func)!r}) on traced values (under "
                f"jax.jit or jax.vmap) with inputs {[f'{s} {d.name}' for s, d in signature]}: "
                "JAX needs the shapes of its outputs before it runs, and TF1 learned them by "
                "running it. Call the model once on concrete values with these input shapes "
                "first (init does, op by op), or call jax.pure_callback(func, "
                "jax.ShapeDtypeStruct(shape, dtype), *inputs) yourself."
            )

        def host(*values: Any) -> tuple[np.ndarray, ...]:
            return tuple(_checked(func(*[np.asarray(v) for v in values]), touts, token))

        results = list(jax.pure_callback(host, shapes, *args, vmap_method="sequential"))
    return results[0] if single else results


@tf_op("py_func", family="other", default_name="PyFunc")
def py_func(
    func: Callable,
    inp: Sequence[Any],
    Tout: Any,  # noqa: N803  (TF1's name)
    stateful: bool = True,
    name: str | None = None,
) -> Any:
    """``tf.compat.v1.py_func``: ``func`` on the NumPy values of ``inp``; returns one array
    for a single ``Tout`` dtype, a list for a list. Under ``jax.jit`` it runs through
    ``jax.pure_callback`` with the output shapes seen when it last ran on concrete values of
    the same input shapes (module docstring). ``stateful`` is accepted; JAX may drop a call
    whose outputs are unused, as TF1 prunes ops no fetch needs."""
    del stateful, name
    return _py_func(func, inp, Tout, "py_func")


@tf_op("numpy_function", family="other", default_name="PyFunc")
def numpy_function(func: Callable, inp: Sequence[Any], Tout: Any, name: str | None = None) -> Any:  # noqa: N803
    """``tf.numpy_function``: :func:`py_func`, always stateful, as in TF."""
    del name
    return _py_func(func, inp, Tout, "numpy_function")
