"""``tf.dtypes``: the dtype names and the casts registered under it (see
:mod:`flaxscope.ops.casts`)."""

import numpy as np

from flaxscope.compat.v1._namespace import populate
from flaxscope.dtypes import (  # noqa: F401  (re-exported as tf.dtypes.*)
    DType,
    as_dtype,
    bfloat16,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
    uint64,
)
from flaxscope.dtypes import bool_ as bool  # noqa: F401

# tf.string: numpy's str dtype, so TF1 code can name and compare it (``x.dtype ==
# tf.string``); JAX arrays cannot hold strings, and casts or variables of it say so.
string = np.dtype(np.str_)

populate(globals(), "dtypes")
