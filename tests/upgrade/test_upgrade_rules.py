"""Every rewrite rule of flaxscope-upgrade: TF1 snippet in, expected code out.

Each case is converted once (the expected text, comments and formatting included) and
again (nothing may change: the converter is idempotent). Every entry of the rename table
and every import form has a case here (checked by ``test_every_table_entry_has_a_case``).
"""

from __future__ import annotations

import textwrap

import pytest

from flaxscope.upgrade import renames, upgrade_source
from flaxscope.upgrade.namespace import Namespace

NS = Namespace()
RNN_CELL_MODULE = NS.module_name("nn.rnn_cell")


def _d(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")


T = "import tensorflow as tf\n"
F = "import flaxscope.compat.v1 as tf\n"

# (id, TF1 code, converted code)
CASES: list[tuple[str, str, str]] = [
    # --- imports ---
    ("import tensorflow as tf", T, F),
    ("import tensorflow.compat.v1 as tf", "import tensorflow.compat.v1 as tf\n", F),
    ("from tensorflow.compat import v1 as tf", "from tensorflow.compat import v1 as tf\n", F),
    ("import tensorflow", "import tensorflow\nx = tensorflow.zeros_initializer()\n",
     "import flaxscope.compat.v1 as tensorflow\nx = tensorflow.zeros_initializer()\n"),
    ("tf.compat.v1 prefix", "import tensorflow as tf\nv = tf.compat.v1.get_variable('v', [2])\n",
     F + "v = tf.get_variable('v', [2])\n"),
    ("import with comment", "import tensorflow as tf  # the graph library\n",
     "import flaxscope.compat.v1 as tf  # the graph library\n"),
    ("import among others", "import os, tensorflow as tf\n",
     "import os\nimport flaxscope.compat.v1 as tf\n"),
    ("from tensorflow.contrib import rnn",
     "from tensorflow.contrib import rnn\ncell = rnn.BasicLSTMCell(8)\n",
     "from flaxscope.compat.v1.nn import rnn_cell as rnn\ncell = rnn.BasicLSTMCell(8)\n"),
    ("contrib rnn module, static_rnn through tf",
     T + "from tensorflow.contrib import rnn\nout = rnn.static_rnn(cell, xs, dtype=tf.float32)\n",
     F + "from flaxscope.compat.v1.nn import rnn_cell as rnn\n"
     "out = tf.nn.static_rnn(cell, xs, dtype=tf.float32)\n"),
    ("contrib rnn module without tf import",
     "from tensorflow.contrib import rnn\nout = rnn.static_rnn(cell, xs)\n",
     "from flaxscope.compat.v1.nn import rnn_cell as rnn\nimport flaxscope.compat.v1 as tf\n"
     "out = tf.nn.static_rnn(cell, xs)\n"),
    ("import tensorflow.contrib.rnn as rnn",
     "import tensorflow.contrib.rnn as rnn\ncell = rnn.GRUCell(3)\n",
     "from flaxscope.compat.v1.nn import rnn_cell as rnn\ncell = rnn.GRUCell(3)\n"),
    ("from tensorflow.contrib.rnn import names",
     "from tensorflow.contrib.rnn import BasicLSTMCell, LSTMStateTuple\n",
     f"from {RNN_CELL_MODULE} import BasicLSTMCell, LSTMStateTuple\n"),
    ("from contrib.layers import xavier_initializer",
     "from tensorflow.contrib.layers import xavier_initializer\ninit = xavier_initializer()\n",
     "from flaxscope.compat.v1 import glorot_uniform_initializer as xavier_initializer\n"
     "init = xavier_initializer()\n"),
    ("from tensorflow import nn", "from tensorflow import nn\ny = nn.rnn_cell.GRUCell(2)\n",
     "from flaxscope.compat.v1 import nn\ny = nn.rnn_cell.GRUCell(2)\n"),
    ("contrib module flaxscope has: imported from it, uses renamed to TF1 core",
     T + "from tensorflow.contrib import layers\ninit = layers.xavier_initializer()\n",
     F + "from flaxscope.compat.v1.contrib import layers\ninit = tf.glorot_uniform_initializer()\n"),
    ("disable_v2_behavior removed",
     "import tensorflow.compat.v1 as tf\ntf.disable_v2_behavior()\nx = 1\n", F + "x = 1\n"),
    ("disable_eager_execution removed in a block",
     "import tensorflow as tf\nif True:\n    tf.compat.v1.disable_eager_execution()\n",
     F + "if True:\n    pass\n"),
    # --- shape methods ---
    ("get_shape().as_list()", T + "d = x.get_shape().as_list()  # dims\n",
     F + "d = list(x.shape)  # dims\n"),
    ("shape.as_list()", T + "d = x.shape.as_list()\n", F + "d = list(x.shape)\n"),
    ("get_shape()[i].value", T + "n = x.get_shape()[-1].value\n", F + "n = x.shape[-1]\n"),
    ("get_shape()[i]", T + "n = x.get_shape()[-1]\n", F + "n = x.shape[-1]\n"),
    ("get_shape()[1:] stays a TensorShape", T + "s = x.get_shape()[1:].as_list()\n",
     F + "s = tf.TensorShape(x.shape)[1:].as_list()\n"),
    ("shape[i].value", T + "n = inputs.shape[1].value\n", F + "n = inputs.shape[1]\n"),
    ("get_shape() alone", T + "s = x.get_shape()\n", F + "s = tf.TensorShape(x.shape)\n"),
    ("get_shape() method", T + "ok = h.get_shape().is_fully_defined()\n",
     F + "ok = tf.TensorShape(h.shape).is_fully_defined()\n"),
    ("get_shape().ndims", T + "r = x.get_shape().ndims\n", F + "r = x.ndim\n"),
    ("shape.ndims", T + "r = x.shape.ndims\n", F + "r = x.ndim\n"),
    ("len(get_shape())", T + "r = len(x.get_shape())\n", F + "r = len(x.shape)\n"),
    ("dtype.base_dtype", T + "t = x.dtype.base_dtype\n", F + "t = x.dtype\n"),
    ("set_shape", T + "def f(x):\n    x.set_shape([None, 3])  # static shape\n    return x\n",
     F + "def f(x):\n    x = tf.ensure_shape(x, [None, 3])  # static shape\n    return x\n"),
    ("nested shape expressions",
     T + "w = tf.get_variable('w', [x.get_shape()[-1].value, y.get_shape().as_list()[1]])\n",
     F + "w = tf.get_variable('w', [x.shape[-1], list(y.shape)[1]])\n"),
    ("shape of an attribute", T + "n = self.inputs.get_shape()[1].value\n",
     F + "n = self.inputs.shape[1]\n"),
    # --- variables are values ---
    ("variable .name",
     T + "with tf.variable_scope('s'):\n    w = tf.get_variable('w', [2])\nassert w.name == 's/w:0'\n",
     F + "import flaxscope as fs\nwith tf.variable_scope('s'):\n    w = tf.get_variable('w', [2])\n"
     "assert fs.name_of(w) == 's/w:0'\n"),
    ("variable .name with flaxscope imported",
     "import flaxscope as fs\n" + T + "v = tf.Variable(1.0, name='v')\nprint(v.name)\n",
     "import flaxscope as fs\n" + F + "v = tf.Variable(1.0, name='v')\nprint(fs.name_of(v))\n"),
    ("variable methods",
     T + "def f():\n    v = tf.Variable(0.0)\n    a = v.assign_add(1.0)\n    return v.read_value(), a\n",
     F + "def f():\n    v = tf.Variable(0.0)\n    a = tf.assign_add(v, 1.0)\n    return v, a\n"),
    ("variable returned by a function",
     "import flaxscope as fs\n" + T + "def foo():\n    v = tf.get_variable('v', [1])\n    return v\n\n"
     "v1 = foo()\nassert v1.name == 'v:0'\n",
     "import flaxscope as fs\n" + F + "def foo():\n    v = tf.get_variable('v', [1])\n    return v\n\n"
     "v1 = foo()\nassert fs.name_of(v1) == 'v:0'\n"),
    ("other .name untouched",
     T + "with tf.variable_scope('s') as scope:\n    n = scope.name\nv = make()\nm = v.name\n",
     F + "with tf.variable_scope('s') as scope:\n    n = scope.name\nv = make()\nm = v.name\n"),
    ("reassigned name untouched",
     T + "v = tf.Variable(0.0)\nv = something_else()\nm = v.name\n",
     F + "v = tf.Variable(0.0)\nv = something_else()\nm = v.name\n"),
    # --- placeholders ---
    ("placeholder -> argument",
     T + _d('''
        def build(num_units):
            x = tf.placeholder(tf.float32, [None, 3], name="x")  # inputs
            with tf.variable_scope("m"):
                y = tf.placeholder(tf.int32, [None])
                return tf.layers.dense(x, num_units), y
        '''),
     F + _d('''
        def build(num_units, x, y):
            # flaxscope-upgrade: `x` is an argument of build() (was: tf.placeholder(tf.float32, [None, 3], name="x"))
            with tf.variable_scope("m"):
                # flaxscope-upgrade: `y` is an argument of build() (was: tf.placeholder(tf.int32, [None]))
                return tf.layers.dense(x, num_units), y
        ''')),
    ("placeholder with defaults -> keyword-only",
     T + "def build(n=3):\n    x = tf.placeholder(tf.float32)\n    return x * n\n",
     F + "def build(n=3, *, x):\n    # flaxscope-upgrade: `x` is an argument of build() "
     "(was: tf.placeholder(tf.float32))\n    return x * n\n"),
    ("placeholder at module level stays", T + "x = tf.placeholder(tf.float32)\n",
     F + "x = tf.placeholder(tf.float32)\n"),
    ("placeholder in a loop stays",
     T + "def f(n):\n    for i in range(n):\n        x = tf.placeholder(tf.float32)\n",
     F + "def f(n):\n    for i in range(n):\n        x = tf.placeholder(tf.float32)\n"),
    ("placeholder of a session driver stays",
     T + "def main():\n    x = tf.placeholder(tf.float32)\n    with tf.Session() as s:\n"
     "        s.run(x, {x: 1.0})\n",
     F + "def main():\n    x = tf.placeholder(tf.float32)\n    with tf.Session() as s:\n"
     "        s.run(x, {x: 1.0})\n"),
    ("placeholders of nested functions",
     T + "def outer():\n    a = tf.placeholder(tf.float32)\n    def inner():\n"
     "        b = tf.placeholder(tf.int32)\n        return b\n    return a, inner\n",
     F + "def outer(a):\n    # flaxscope-upgrade: `a` is an argument of outer() (was: tf.placeholder(tf.float32))\n"
     "    def inner(b):\n        # flaxscope-upgrade: `b` is an argument of inner() (was: tf.placeholder(tf.int32))\n"
     "        return b\n    return a, inner\n"),
    ("placeholder in an expression stays",
     T + "def f():\n    return g(tf.placeholder(tf.float32))\n",
     F + "def f():\n    return g(tf.placeholder(tf.float32))\n"),
    # --- tf.contrib ---
    *[(f"contrib.rnn.{n}", T + f"c = tf.contrib.rnn.{n}\n", F + f"c = tf.nn.rnn_cell.{n}\n")
      for n in renames._RNN_CELLS],
    ("contrib.rnn.static_rnn", T + "o, s = tf.contrib.rnn.static_rnn(cell, xs, dtype=tf.float32)\n",
     F + "o, s = tf.nn.static_rnn(cell, xs, dtype=tf.float32)\n"),
    ("contrib.rnn.static_bidirectional_rnn",
     T + "o = tf.contrib.rnn.static_bidirectional_rnn(fw, bw, xs)\n",
     F + "o = tf.nn.static_bidirectional_rnn(fw, bw, xs)\n"),
    ("contrib.rnn.LayerNormBasicLSTMCell stays",
     T + "c = tf.contrib.rnn.LayerNormBasicLSTMCell(4)\n",
     F + "c = tf.contrib.rnn.LayerNormBasicLSTMCell(4)\n"),
    ("contrib.layers.xavier_initializer",
     T + "i = tf.contrib.layers.xavier_initializer()\n", F + "i = tf.glorot_uniform_initializer()\n"),
    ("contrib.layers.xavier_initializer(seed)",
     T + "i = tf.contrib.layers.xavier_initializer(seed=1)\n",
     F + "i = tf.glorot_uniform_initializer(seed=1)\n"),
    ("contrib.layers.xavier_initializer(uniform=False)",
     T + "i = tf.contrib.layers.xavier_initializer(uniform=False)\n",
     F + f'i = tf.variance_scaling_initializer(scale={renames.CONTRIB_TRUNCATED_SCALE!r}, '
     'mode="fan_avg", distribution="truncated_normal")\n'),
    ("contrib.layers.xavier_initializer(uniform=flag) stays",
     T + "i = tf.contrib.layers.xavier_initializer(uniform=flag)\n",
     F + "i = tf.contrib.layers.xavier_initializer(uniform=flag)\n"),
    ("contrib.layers.xavier_initializer_conv2d",
     T + "i = tf.contrib.layers.xavier_initializer_conv2d(True, 3)\n",
     F + "i = tf.glorot_uniform_initializer(seed=3)\n"),
    ("contrib.layers.variance_scaling_initializer (defaults)",
     T + "i = tf.contrib.layers.variance_scaling_initializer()\n",
     F + f'i = tf.variance_scaling_initializer(scale={2.0 * renames.CONTRIB_TRUNCATED_SCALE!r}, '
     'mode="fan_in", distribution="truncated_normal")\n'),
    ("contrib.layers.variance_scaling_initializer (uniform)",
     T + "i = tf.contrib.layers.variance_scaling_initializer(1.0, 'FAN_AVG', True, seed=2)\n",
     F + 'i = tf.variance_scaling_initializer(scale=1.0, mode="fan_avg", '
     'distribution="uniform", seed=2)\n'),
    ("contrib.layers.batch_norm stays (flaxscope has it: BatchNorm/ names, its three TF1 paths)",
     T + "y = tf.contrib.layers.batch_norm(x, decay=0.9, is_training=training, scope='bn')\n",
     F + "y = tf.contrib.layers.batch_norm(x, decay=0.9, is_training=training, scope='bn')\n"),
    ("contrib.layers.batch_norm (unmapped argument) stays",
     T + "y = tf.contrib.layers.batch_norm(x, renorm=True)\n",
     F + "y = tf.contrib.layers.batch_norm(x, renorm=True)\n"),
    ("contrib.layers.flatten", T + "y = tf.contrib.layers.flatten(x)\n",
     F + "y = tf.layers.flatten(x)\n"),
    ("contrib.layers.layer_norm stays", T + "y = tf.contrib.layers.layer_norm(x)\n",
     F + "y = tf.contrib.layers.layer_norm(x)\n"),
    ("contrib.layers.fully_connected stays", T + "y = tf.contrib.layers.fully_connected(x, 3)\n",
     F + "y = tf.contrib.layers.fully_connected(x, 3)\n"),
    ("contrib.layers.l2_regularizer",
     T + "with tf.variable_scope('s', regularizer=tf.contrib.layers.l2_regularizer(1e-4)):\n"
     "    pass\n",
     F + "with tf.variable_scope('s', regularizer=lambda _w: 1e-4 * tf.nn.l2_loss(_w)):\n"
     "    pass\n"),
    ("contrib.layers.l2_regularizer(scale=name) stays",
     T + "r = tf.contrib.layers.l2_regularizer(scale=wd)\n",
     F + "r = tf.contrib.layers.l2_regularizer(scale=wd)\n"),
    ("contrib.layers.l1_regularizer", T + "r = tf.contrib.layers.l1_regularizer(scale=0.5)\n",
     F + "r = lambda _w: 0.5 * tf.reduce_sum(tf.abs(_w))\n"),
    ("contrib.legacy_seq2seq.sequence_loss_by_example",
     T + "l = tf.contrib.legacy_seq2seq.sequence_loss_by_example([lg], [tg], [w])\n",
     F + "l = tf.add_n([tf.nn.sparse_softmax_cross_entropy_with_logits(labels=_target, "
     "logits=_logit) * _weight for _logit, _target, _weight in zip([lg], [tg], [w])]) / "
     "(tf.add_n([w]) + 1e-12)\n"),
    ("contrib.legacy_seq2seq.sequence_loss",
     T + "l = tf.contrib.legacy_seq2seq.sequence_loss(lgs, tgs, ws, average_across_timesteps=False)\n",
     F + "l = tf.reduce_sum(tf.add_n([tf.nn.sparse_softmax_cross_entropy_with_logits("
     "labels=_target, logits=_logit) * _weight for _logit, _target, _weight in zip(lgs, tgs, "
     "ws)])) / tf.cast(tf.shape(tgs[0])[0], lgs[0].dtype)\n"),
    ("contrib.legacy_seq2seq.rnn_decoder stays",
     T + "o, s = tf.contrib.legacy_seq2seq.rnn_decoder(xs, s0, cell)\n",
     F + "o, s = tf.contrib.legacy_seq2seq.rnn_decoder(xs, s0, cell)\n"),
    ("contrib.seq2seq.sequence_loss",
     T + "l = tf.contrib.seq2seq.sequence_loss(logits, y, tf.ones_like(y, tf.float32))\n",
     F + "l = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, "
     "logits=logits) * tf.ones_like(y, tf.float32)) / (tf.reduce_sum(tf.ones_like(y, "
     "tf.float32)) + 1e-12)\n"),
    ("contrib.seq2seq.sequence_loss (sum) stays",
     T + "l = tf.contrib.seq2seq.sequence_loss(a, b, w, sum_over_batch=True)\n",
     F + "l = tf.contrib.seq2seq.sequence_loss(a, b, w, sum_over_batch=True)\n"),
    ("contrib.layers.batch_norm passed as a value stays",
     T + "norm = tf.contrib.layers.batch_norm\n", F + "norm = tf.contrib.layers.batch_norm\n"),
    ("nn.seq2seq stays", T + "o = tf.nn.seq2seq.rnn_decoder(a, b, c)\n",
     F + "o = tf.nn.seq2seq.rnn_decoder(a, b, c)\n"),
    ("contrib.framework.arg_scope stays", T + "s = tf.contrib.framework.arg_scope([f])\n",
     F + "s = tf.contrib.framework.arg_scope([f])\n"),
    ("contrib.framework.get_variables_to_restore stays",
     T + "v = tf.contrib.framework.get_variables_to_restore()\n",
     F + "v = tf.contrib.framework.get_variables_to_restore()\n"),
    ("contrib.slim from flaxscope", T + "import tensorflow.contrib.slim as slim\nh = slim.conv2d(x, 3, 3)\n",
     F + "from flaxscope.compat.v1.contrib import slim\nh = slim.conv2d(x, 3, 3)\n"),
    ("tf.contrib.slim and contrib.layers functions flaxscope has stay",
     T + "h = tf.contrib.slim.conv2d(x, 3, 3)\nh = tf.contrib.layers.fully_connected(h, 2)\n",
     F + "h = tf.contrib.slim.conv2d(x, 3, 3)\nh = tf.contrib.layers.fully_connected(h, 2)\n"),
    ("contrib's implementation modules",
     T + "from tensorflow.contrib.framework.python.ops import add_arg_scope\n"
     "from tensorflow.contrib.layers.python.layers import utils\n",
     F + "from flaxscope.compat.v1.contrib.framework import add_arg_scope\n"
     "from flaxscope.compat.v1.contrib.slim import utils\n"),
    ("contrib's implementation modules, spelled through tf",
     T + "a = tf.contrib.framework.python.ops.add_arg_scope\n"
     "b = tf.contrib.layers.python.layers.layers.conv2d\n"
     "c = tf.contrib.layers.python.layers.utils.collect_named_outputs\n"
     "d = tf.contrib.layers.python.layers.initializers.xavier_initializer\n"
     "e = tf.contrib.layers.python.layers.regularizers.l2_regularizer\n",
     F + "a = tf.contrib.framework.add_arg_scope\nb = tf.contrib.layers.conv2d\n"
     "c = tf.contrib.slim.utils.collect_named_outputs\n"
     "d = tf.contrib.slim.initializers.xavier_initializer\n"
     "e = tf.contrib.slim.regularizers.l2_regularizer\n"),
    ("import tf_slim as slim", "import tf_slim as slim\nh = slim.conv2d(x, 3, 3)\n",
     "from flaxscope.compat.v1.contrib import slim\nh = slim.conv2d(x, 3, 3)\n"),
    ("from tf_slim import names", "from tf_slim import arg_scope, conv2d\nh = conv2d(x, 3, 3)\n",
     "from flaxscope.compat.v1.contrib.slim import arg_scope, conv2d\nh = conv2d(x, 3, 3)\n"),
    # --- names from before TF 1.0 ---
    ("concat_v2", T + "y = tf.concat_v2([a, b], 1)\n", F + "y = tf.concat([a, b], 1)\n"),
    ("concat(dim, values) of TF < 1.0", T + "y = tf.concat(1, [a, b])\n",
     F + "y = tf.concat([a, b], 1)\n"),
    ("concat(-1, values) multi-line",
     T + "y = tf.concat(-1,  # axis\n              [a, b])\n",
     F + "y = tf.concat([a, b],  # axis\n              -1)\n"),
    ("concat(concat_dim=...)", T + "y = tf.concat(concat_dim=0, values=[a, b])\n",
     F + "y = tf.concat(axis=0, values=[a, b])\n"),
    ("concat of TF1 unchanged", T + "y = tf.concat([a, b], axis=1)\n",
     F + "y = tf.concat([a, b], axis=1)\n"),
    ("split(dim, num, value) of TF < 1.0", T + "a, b = tf.split(1, 2, x)\n",
     F + "a, b = tf.split(x, 2, 1)\n"),
    ("split(split_dim=..., ...)", T + "a, b = tf.split(split_dim=1, num_split=2, value=x)\n",
     F + "a, b = tf.split(axis=1, num_or_size_splits=2, value=x)\n"),
    ("split of TF1 unchanged", T + "a, b = tf.split(x, 2, 1)\n", F + "a, b = tf.split(x, 2, 1)\n"),
    ("scalar_summary", T + "s = tf.scalar_summary('loss', loss)\n",
     F + "s = tf.summary.scalar('loss', loss)\n"),
    ("histogram_summary", T + "s = tf.histogram_summary(tag='w', values=w)\n",
     F + "s = tf.summary.histogram(name='w', values=w)\n"),
    ("image_summary", T + "s = tf.image_summary('img', x, max_images=3)\n",
     F + "s = tf.summary.image('img', x, max_outputs=3)\n"),
    ("audio_summary", T + "s = tf.audio_summary('a', x, 16000)\n",
     F + "s = tf.summary.audio('a', x, 16000)\n"),
    ("merge_summary", T + "s = tf.merge_summary([a, b])\n", F + "s = tf.summary.merge([a, b])\n"),
    ("merge_all_summaries", T + "s = tf.merge_all_summaries()\n", F + "s = tf.summary.merge_all()\n"),
    ("train.SummaryWriter", T + "w = tf.train.SummaryWriter('/tmp/log', sess.graph)\n",
     F + "w = tf.summary.FileWriter('/tmp/log', sess.graph)\n"),
    ("contrib.deprecated.scalar_summary", T + "s = tf.contrib.deprecated.scalar_summary('l', l)\n",
     F + "s = tf.summary.scalar('l', l)\n"),
    ("contrib.deprecated.histogram_summary",
     T + "s = tf.contrib.deprecated.histogram_summary('w', w)\n",
     F + "s = tf.summary.histogram('w', w)\n"),
    ("mul", T + "y = tf.mul(a, b)\n", F + "y = tf.multiply(a, b)\n"),
    ("sub", T + "y = tf.sub(a, b)\n", F + "y = tf.subtract(a, b)\n"),
    ("neg", T + "y = tf.neg(a)\n", F + "y = tf.negative(a)\n"),
    ("pack", T + "y = tf.pack([a, b], axis=1)\n", F + "y = tf.stack([a, b], axis=1)\n"),
    ("unpack", T + "ys = tf.unpack(x, axis=1)\n", F + "ys = tf.unstack(x, axis=1)\n"),
    ("select", T + "y = tf.select(c, t=a, e=b)\n", F + "y = tf.where(c, x=a, y=b)\n"),
    ("batch_matmul", T + "y = tf.batch_matmul(a, b, adj_y=True)\n",
     F + "y = tf.matmul(a, b, adjoint_b=True)\n"),
    ("batch_matrix_inverse", T + "y = tf.batch_matrix_inverse(a)\n", F + "y = tf.matrix_inverse(a)\n"),
    ("batch_matrix_determinant", T + "y = tf.batch_matrix_determinant(a)\n",
     F + "y = tf.matrix_determinant(a)\n"),
    ("batch_matrix_diag", T + "y = tf.batch_matrix_diag(a)\n", F + "y = tf.matrix_diag(a)\n"),
    ("batch_matrix_diag_part", T + "y = tf.batch_matrix_diag_part(a)\n",
     F + "y = tf.matrix_diag_part(a)\n"),
    ("batch_cholesky", T + "y = tf.batch_cholesky(a)\n", F + "y = tf.cholesky(a)\n"),
    ("listdiff", T + "y = tf.listdiff(a, b)\n", F + "y = tf.setdiff1d(a, b)\n"),
    ("complex_abs", T + "y = tf.complex_abs(a)\n", F + "y = tf.abs(a)\n"),
    ("initialize_all_variables", T + "i = tf.initialize_all_variables()\n",
     F + "i = tf.global_variables_initializer()\n"),
    ("initialize_local_variables", T + "i = tf.initialize_local_variables()\n",
     F + "i = tf.local_variables_initializer()\n"),
    ("initialize_variables", T + "i = tf.initialize_variables(vs)\n",
     F + "i = tf.variables_initializer(vs)\n"),
    ("all_variables", T + "vs = tf.all_variables()\n", F + "vs = tf.global_variables()\n"),
    ("nn.rnn", T + "o, s = tf.nn.rnn(cell, xs, dtype=tf.float32)\n",
     F + "o, s = tf.nn.static_rnn(cell, xs, dtype=tf.float32)\n"),
    ("nn.bidirectional_rnn", T + "o = tf.nn.bidirectional_rnn(fw, bw, xs)\n",
     F + "o = tf.nn.static_bidirectional_rnn(fw, bw, xs)\n"),
    ("softmax xent (logits, labels) of TF < 1.0",
     T + "l = tf.nn.softmax_cross_entropy_with_logits(logits, labels)\n",
     F + "l = tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=labels)\n"),
    ("sparse softmax xent positional",
     T + "l = tf.nn.sparse_softmax_cross_entropy_with_logits(z, y)\n",
     F + "l = tf.nn.sparse_softmax_cross_entropy_with_logits(logits=z, labels=y)\n"),
    ("sigmoid xent targets=",
     T + "l = tf.nn.sigmoid_cross_entropy_with_logits(logits=z, targets=y)\n",
     F + "l = tf.nn.sigmoid_cross_entropy_with_logits(logits=z, labels=y)\n"),
    ("weighted xent targets=",
     T + "l = tf.nn.weighted_cross_entropy_with_logits(targets=y, logits=z, pos_weight=2.0)\n",
     F + "l = tf.nn.weighted_cross_entropy_with_logits(labels=y, logits=z, pos_weight=2.0)\n"),
    ("xent of TF1 unchanged",
     T + "l = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z)\n",
     F + "l = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z)\n"),
    ("comments and layout kept",
     T + _d('''
        # a model
        def f(x):   # odd spacing kept
            y = tf.mul(x,
                       2.0)  # doubled


            return y
        '''),
     F + _d('''
        # a model
        def f(x):   # odd spacing kept
            y = tf.multiply(x,
                       2.0)  # doubled


            return y
        ''')),
]

# contrib entries are converted only when flaxscope has the target (else reported)
_CONTRIB_IF_AVAILABLE = {
    "contrib.framework.get_or_create_global_step": "train.get_or_create_global_step",
    "contrib.framework.get_global_step": "train.get_global_step",
    "contrib.framework.get_trainable_variables": "trainable_variables",
    "contrib.framework.get_local_variables": "local_variables",
    "contrib.framework.get_model_variables": "model_variables",
    "contrib.framework.init_from_checkpoint": "train.init_from_checkpoint",
    "contrib.framework.list_variables": "train.list_variables",
    "contrib.framework.load_variable": "train.load_variable",
    "contrib.framework.nest": "nest",
}
for _old, _new in _CONTRIB_IF_AVAILABLE.items():
    _out = _new if NS.missing(_new) is None else _old
    CASES.append((_old, T + f"y = tf.{_old}\n", F + f"y = tf.{_out}\n"))
CASES = [c for c in CASES if not (c[0].startswith("contrib.deprecated")
                                  and NS.missing("summary.scalar") is not None)] + [
    c for c in CASES if c[0].startswith("contrib.deprecated")
    and NS.missing("summary.scalar") is not None
    for c in [(c[0], c[1], F + c[1][len(T):])]
]


@pytest.mark.parametrize("name,before,after", CASES, ids=[c[0] for c in CASES])
def test_rule(name, before, after):
    out, report = upgrade_source(before, "case.py")
    assert out == after, f"{name}\n--- got ---\n{out}--- report ---\n{report}"
    again, report2 = upgrade_source(out, "case.py")
    assert again == out and not report2.changes, f"{name}: not idempotent: {report2.changes}"


def test_every_table_entry_has_a_case():
    inputs = "\n".join(before for _, before, _ in CASES)
    untested = [
        key for key in renames.TABLE
        if f"tf.{key}" not in inputs
        and f"tensorflow.{key.rpartition('.')[0]} import {key.rpartition('.')[2]}" not in inputs
    ]
    assert not untested, f"table entries without a test case: {untested}"


def test_every_change_is_reported_with_its_line():
    src = T + "\n\nd = x.get_shape().as_list()\ny = tf.mul(a, b)\n"
    _, report = upgrade_source(src, "m.py")
    got = sorted((c.line, c.before, c.after) for c in report.changes)
    assert got == [
        (1, "import tensorflow as tf", "import flaxscope.compat.v1 as tf"),
        (4, "x.get_shape().as_list()", "list(x.shape)"),
        (5, "tf.mul", "tf.multiply"),
    ]


@pytest.mark.parametrize(
    "optimizer, reads_embedding, flagged",
    [
        ("MomentumOptimizer(0.1, 0.9)", True, True),
        ("FtrlOptimizer(0.1)", True, True),
        ("AdamOptimizer(0.1)", True, False),  # TF1's sparse Adam updates every row too
        ("MomentumOptimizer(0.1, 0.9)", False, False),
    ],
)
def test_a_lazy_optimizer_beside_an_embedding_is_reported(optimizer, reads_embedding, flagged):
    lookup = "e = tf.nn.embedding_lookup(table, ids)\n" if reads_embedding else ""
    call = f"train.{optimizer}"
    src = T + lookup + f"opt = tf.{call}\n"
    _, report = upgrade_source(src, "m.py")
    found = [(x.line, x.message) for x in report.findings if x.kind == "sparse-update"]
    if flagged:
        line = 3 if reads_embedding else 2
        assert [n for n, _ in found] == [line], report
        assert "embedding_gradient" in found[0][1] and call.split("(")[0] in found[0][1]
    else:
        assert found == []
