"""TensorFlow's recorded answers for the differential programs (``golden/<topic>.json``).

Each file maps a program's name to what ``tf.compat.v1`` logged when it ran (its events,
the trainable and other variables' names, or the crash). The tests compare flaxscope
against these records, so the scope semantics are checked on machines without
TensorFlow; where TensorFlow is installed, ``test_golden_files_agree_with_tf`` runs every
program on it and requires the records to be exactly what it logs now. After a change to
a program (or to TensorFlow), rewrite them with::

    FLAXSCOPE_REFRESH_GOLDEN=1 python -m pytest tests/differential/test_diff_golden.py

Values (constant initial values) are stored as dtype, shape and the raw bytes in hex, so
they come back bit for bit.
"""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any

import ml_dtypes  # noqa: F401  (registers bfloat16 and the float8 types with numpy)
import numpy as np

from tests.differential.harness import TFResult, normalize_tf_message

DIR = pathlib.Path(__file__).parent / "golden"


def refreshing() -> bool:
    """Whether this run rewrites the records (``FLAXSCOPE_REFRESH_GOLDEN=1``)."""
    return os.environ.get("FLAXSCOPE_REFRESH_GOLDEN", "") not in ("", "0")


def _encode(x: Any) -> Any:
    if isinstance(x, np.ndarray) or isinstance(x, np.generic):
        arr = np.asarray(x)
        return {"array": [arr.dtype.name, list(arr.shape), arr.tobytes().hex()]}
    if isinstance(x, (list, tuple)):
        return [_encode(i) for i in x]
    if isinstance(x, dict):
        raise TypeError(f"an event holds a dict, which the records cannot keep: {x!r}")
    return x


def _decode(x: Any) -> Any:
    if isinstance(x, dict):
        dtype, shape, data = x["array"]
        return np.frombuffer(bytes.fromhex(data), dtype=np.dtype(dtype)).reshape(shape).copy()
    if isinstance(x, list):
        return [_decode(i) for i in x]
    return x


def _stable(event: tuple) -> list:
    """An event without what changes between runs and checkouts: an error message loses
    the creation traceback TF appends (file paths, line numbers), which is never compared."""
    if event[0] == "error":
        return [event[0], event[1], normalize_tf_message(event[2]), *event[3:]]
    return list(event)


def encode(result: TFResult) -> dict[str, Any]:
    return {
        "events": [_encode(_stable(e)) for e in result.events],
        "params": result.params,
        "state": result.state,
        "crash": result.crash and result.crash.strip().splitlines()[-1],
    }


def decode(record: dict[str, Any]) -> TFResult:
    events = [tuple(_decode(e)) for e in record["events"]]
    return TFResult(events, record["params"], record["state"], record["crash"])


def path(topic: str) -> pathlib.Path:
    return DIR / f"{topic}.json"


def load(topic: str) -> dict[str, TFResult]:
    """The records of one topic, by program name (empty if the file is missing)."""
    file = path(topic)
    if not file.exists():
        return {}
    return {name: decode(r) for name, r in json.loads(file.read_text("utf-8")).items()}


def save(topic: str, results: dict[str, TFResult]) -> None:
    DIR.mkdir(exist_ok=True)
    records = {name: encode(results[name]) for name in sorted(results)}
    text = json.dumps(records, indent=1, sort_keys=True, ensure_ascii=False)
    path(topic).write_text(text + "\n", encoding="utf-8")


def canonical(result: TFResult) -> Any:
    """A form of a result that compares equal exactly when the results are the same."""
    return json.loads(json.dumps(encode(result), sort_keys=True))


def random_path(seed: int) -> pathlib.Path:
    return DIR / f"random_seed{seed}.json"


def load_random(seed: int) -> dict[int, TFResult]:
    """TF's records of the random programs of ``seed``, by index (empty if none)."""
    file = random_path(seed)
    if not file.exists():
        return {}
    return {int(i): decode(r) for i, r in json.loads(file.read_text("utf-8")).items()}


def save_random(seed: int, results: dict[int, TFResult]) -> None:
    """One program per line, so that a change shows as a readable diff."""
    DIR.mkdir(exist_ok=True)
    lines = [
        f'"{i}": {json.dumps(encode(results[i]), sort_keys=True, ensure_ascii=False)}'
        for i in sorted(results)
    ]
    random_path(seed).write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
