"""The README's Python snippet runs as shown."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has a Python example"
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    variables = namespace["variables"]
    assert sorted(variables["params"]) == ["tower/biases", "tower/weights"]
    assert namespace["out"][0].shape == (1, 8)
