"""Running code in a real Jupyter kernel (nbclient + ipykernel) that sees no Graphviz `dot`."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def kernel_available() -> bool:
    if not all(importlib.util.find_spec(m) for m in ("nbclient", "nbformat", "ipykernel")):
        return False
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        return False
    return True


IPYKERNEL6 = os.environ.get("IPYKERNEL6_PATH", "")
"""A folder holding ipykernel 6, for the tests of both majors the project supports: a kernel
started with it first on its PYTHONPATH runs it instead of the venv's ipykernel 7 (the rest of
its dependencies are the venv's). Made by .ci/run:
`pip install --no-deps --target DIR "ipykernel>=6.29,<7" "nest_asyncio>=1.4"`."""


def kernel_env(first: Sequence[str] = ()) -> dict[str, str]:
    """The test process's environment minus any `dot`, the venv's scripts and MPLBACKEND;
    `first`: folders put before everything else on the kernel's PYTHONPATH."""
    scripts = Path(sys.executable).parent.resolve()
    kept = []
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if not entry or shutil.which("dot", path=entry):
            continue
        if Path(entry).resolve() == scripts:
            continue
        kept.append(entry)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["PATH"] = os.pathsep.join(kept)
    # The kernel imports the working tree's packages, as this test process does.
    path = [*first, str(ROOT), env.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, path))
    return env


def _client(notebook, cwd: Path, timeout: int, **options):
    import nbclient

    return nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=timeout,
        startup_timeout=120,
        resources={"metadata": {"path": str(cwd)}},
        **options,
    )


def execute(notebook, cwd: Path, timeout: int = 300, **options):
    """Run every cell of `notebook` in a fresh python3 kernel started in `cwd`; return it.
    `options` go to nbclient's NotebookClient (`store_widget_state=False`, ...)."""
    _client(notebook, cwd, timeout, **options).execute(env=kernel_env())
    return notebook


async def async_execute(notebook, cwd: Path, timeout: int = 300, **options):
    """`execute`, awaitable: several notebooks can run at once, each in its own kernel."""
    await _client(notebook, cwd, timeout, **options).async_execute(env=kernel_env())
    return notebook
