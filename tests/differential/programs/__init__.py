"""Hand-written scope programs, each pinning down one TF1 behaviour, one module per topic.

``PROGRAMS`` lists them topic by topic in this order; ``X64_PROGRAMS`` those that need
64-bit types. How a program is written: :mod:`tests.differential.programs.common`.
"""

from tests.differential.programs import (  # noqa: F401  (each registers its programs)
    collections_api,
    custom_getter,
    edge,
    errors,
    init_dtype,
    name_scope,
    reuse,
    template,
    tutorial,
    variable,
    variable_scope,
    x64,
)
from tests.differential.programs.common import PROGRAMS, X64_PROGRAMS, Case

__all__ = ["PROGRAMS", "X64_PROGRAMS", "Case"]
