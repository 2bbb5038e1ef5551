"""Loading of the shared test vectors (crypto.json, pushes.json, perf-push.json).

They live outside the package, in `<repo>/../shared/vectors` by default; `WEIXINKIT_VECTORS`
points elsewhere. A missing file is a hard error, never a skip.
"""

import functools
import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
VECTORS_DIR = Path(os.environ.get("WEIXINKIT_VECTORS") or REPO.parent / "shared" / "vectors")
FILES = ("crypto.json", "pushes.json", "perf-push.json")


class MissingVectors(RuntimeError):
    pass


@functools.lru_cache(maxsize=None)
def load(name):
    path = VECTORS_DIR / name
    if not path.is_file():
        raise MissingVectors(
            f"weixinkit test vectors not found: {path} does not exist. Set WEIXINKIT_VECTORS "
            f"to the directory holding {', '.join(FILES)}."
        )
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def crypto(kinds=None, outcome=None):
    """crypto.json entries, optionally only these kinds and this expected outcome."""
    return [
        v
        for v in load("crypto.json")
        if (kinds is None or v["kind"] in kinds)
        and (outcome is None or v["expected_outcome"] == outcome)
    ]


def pushes(predicate=lambda v: True):
    return [v for v in load("pushes.json") if predicate(v)]


def ids(vectors):
    return [v["id"] for v in vectors]
