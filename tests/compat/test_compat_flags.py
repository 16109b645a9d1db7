"""``tf.flags`` / ``tf.app.flags`` / ``tf.app.run``: the same TF1 script, run under
TensorFlow and under ``import flaxscope.compat.v1 as tf``, prints the same flag values
and the same leftover arguments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import json
    import {module} as tf

    tf.flags.DEFINE_integer("steps", 3, "training steps")
    tf.app.flags.DEFINE_float(flag_name="lr", default_value=0.1, docstring="learning rate")
    tf.flags.DEFINE_boolean("verbose", False, "talk")
    tf.app.flags.DEFINE_string("mode", "train", "train or eval")
    FLAGS = tf.flags.FLAGS
    {before_run}

    def main(argv):
        print(json.dumps({{"steps": FLAGS.steps, "lr": FLAGS.lr, "verbose": FLAGS.verbose,
                           "mode": FLAGS.mode, "argv": argv[1:]}}))

    if __name__ == "__main__":
        tf.app.run({run_args})
    """
)

CASES = {
    # flags parsed by tf.app.run; unknown arguments reach main
    "app.run": ("", "", ["--steps", "5", "--verbose", "--unknown=1", "extra"]),
    # a flag read before tf.app.run: FLAGS parses sys.argv itself
    "read before run": (
        'print(json.dumps({"early": FLAGS.steps}))',
        "",
        ["--steps=9", "--mode", "eval"],
    ),
    # main and argv given to tf.app.run
    "explicit argv": ("", 'main=main, argv=["prog", "--lr", "0.5", "rest"]', ["--steps", "2"]),
}


def _run(module: str, case: str, tmp_path) -> list[dict]:
    before, run_args, argv = CASES[case]
    path = tmp_path / f"{module.split('.')[0]}_script.py"
    path.write_text(SCRIPT.format(module=module, before_run=before, run_args=run_args))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "JAX_PLATFORMS": "cpu"}
    done = subprocess.run(
        [sys.executable, str(path), *argv], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("case", list(CASES))
def test_a_tf1_flags_script_runs_as_under_tensorflow(case, tmp_path, tf1):
    ours = _run("flaxscope.compat.v1", case, tmp_path)
    theirs = _run("tensorflow.compat.v1", case, tmp_path)
    assert ours == theirs
    assert ours  # the script printed


def test_flags_is_absl_with_tf1s_keywords():
    from absl import flags as absl_flags

    import flaxscope.compat.v1 as tf

    assert tf.app.flags is tf.flags
    assert tf.flags.FlagValues is absl_flags.FlagValues
    tf.flags.DEFINE_string(flag_name="fs_test_name", default_value="x", docstring="a test flag")
    try:
        assert "fs_test_name" in tf.flags.FLAGS
        assert tf.flags.FLAGS["fs_test_name"].help == "a test flag"
        with pytest.raises(absl_flags.DuplicateFlagError):
            tf.flags.DEFINE_string("fs_test_name", "y", "again")
    finally:
        delattr(tf.flags.FLAGS, "fs_test_name")
