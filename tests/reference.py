"""The destinations' own code, run through node: twitter-text, @atproto/api, doiuse-email."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

NODE_DIR = Path(__file__).parent / "node"


def run_node(script: str, payload: Any) -> Any:
    """Run ``tests/node/<script>`` with ``payload`` as JSON on stdin and return its JSON answer.

    Skipped where node or ``npm ci --prefix tests/node`` is missing, except in CI
    (``CI`` set), where a missing reference is a failure rather than a silent pass.
    """
    missing = None
    if shutil.which("node") is None:
        missing = "node is not installed"
    elif not (NODE_DIR / "node_modules").is_dir():
        missing = "run `npm ci --prefix tests/node` first"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"reference code unavailable in CI: {missing}")
        pytest.skip(missing)
    done = subprocess.run(
        ["node", str(NODE_DIR / script)], input=json.dumps(payload), capture_output=True,
        text=True, timeout=120, check=False, cwd=NODE_DIR,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
