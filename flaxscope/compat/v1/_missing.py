"""What to say when TF1 code asks for a ``tf.`` symbol flaxscope does not provide."""

from __future__ import annotations

# TF1 path (without "tf.") -> what to write instead. Symbols with no equivalent at all say
# so; everything else gets the generic advice.
HINTS: dict[str, str] = {
    "placeholder": (
        "there are no placeholders: make the value an argument of the function you "
        "transform, and pass it to init/apply (docs/migration.md, 'Placeholders and "
        "sessions')"
    ),
    "placeholder_with_default": (
        "make the value an argument of the transformed function with a Python default"
    ),
    "Session": (
        "there is no session: fs.transform(fn).init(rng, ...) builds the variables and "
        "jax.jit(fs.transform(fn).apply)(variables, ...) runs the graph"
    ),
    "InteractiveSession": "there is no session: call apply (see tf.Session)",
    "global_variables_initializer": ("init does this: variables = fs.transform(fn).init(rng, ...)"),
    "initialize_all_variables": "init does this: variables = fs.transform(fn).init(rng, ...)",
    "gradients": (
        "take gradients of the transformed function with jax.grad(lambda params: "
        "loss(apply({'params': params}, ...)))"
    ),
    "py_func": "use jax.pure_callback (it runs Python on host values under jit)",
    "get_default_graph": (
        "each init/apply call is its own graph; fs.default_variables() holds the "
        "default graph's variables outside transform"
    ),
}


def missing_message(path: str) -> str:
    """The ``AttributeError`` text for ``tf.<path>``."""
    head = f"flaxscope.compat.v1 has no tf.{path}"
    hint = HINTS.get(path)
    if hint is not None:
        return f"{head}: {hint}."
    return (
        f"{head}. Write it with jax.numpy / jax.lax on the arrays (flaxscope's values are "
        "plain JAX arrays), or see docs/migration.md for the TF1 -> JAX equivalents."
    )
