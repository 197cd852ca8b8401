"""Run a benchmark module in a fresh interpreter (the same one as this process) and read the one
JSON line it prints: for measurements that a long-lived process would distort."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_child(module: str, *args: str, timeout: float = 600) -> dict:
    """`python -m module *args` from the repository root; its last stdout line, parsed.

    A failure comes back as `{"error": <the child's last stderr line>}`.
    """
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path)
    command = [sys.executable, "-m", module, *args]
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout
    )
    if done.returncode:
        lines = done.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])
