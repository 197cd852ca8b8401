"""Optional parts that pip installs with an extra: `require("PIL.Image", "plot", "a GIF")`.

Every room that needs one asks here, so a missing extra always reads the same: what needed it
and the one pip line that brings it.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType

__all__ = ["matplotlib_font", "require"]


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import `module`, or raise ModuleNotFoundError naming the extra that installs it.

    >>> require("PIL.Image", "plot", "a GIF").__name__
    'PIL.Image'
    """
    try:
        importlib.import_module(module.partition(".")[0])  # the package, even if a part is loaded
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            f"{purpose} needs the {extra!r} extra ({error.name or module} is not installed): "
            f'pip install "autograd-core[{extra}]"',
            name=error.name,
        ) from None


def matplotlib_font(name: str) -> Path | None:
    """A font file that matplotlib ships (`"DejaVuSans.ttf"`), found without importing it;
    None when matplotlib is not installed."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations)), "mpl-data", "fonts", "ttf")
    return folder / name if (folder / name).is_file() else None
