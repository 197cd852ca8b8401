"""The exporters of a recorded run: a replay page (.html), a GIF, a PNG, and the picture a
static notebook page shows in place of the live widget."""

from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path

from .page import page
from .recorder import Recorder

__all__ = ["save", "snapshot_html"]


def save(recorder: Recorder, title: str, path: str | os.PathLike[str]) -> Path:
    """Write the run to `path` by its extension (see `TrainingView.save`); return the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".html":
        data = {"spec": recorder.spec(), "curves": recorder.curves(), "frames": recorder.frames()}
        path.write_text(page(title, data), encoding="utf-8")
    elif suffix in (".gif", ".png"):
        from .image import save_images  # Pillow: an optional extra

        last = recorder.recording.frames[-1]
        frames = recorder.frames() if suffix == ".gif" else [recorder.frame(last)]
        save_images(path, recorder.spec(), recorder.curves(), frames, title)
    else:
        raise ValueError(f"save() writes .html, .gif or .png, got {path.name!r}")
    return path


def snapshot_html(recorder: Recorder, title: str, text: str) -> str:
    """The run as a static page shows it: the last recorded epoch's picture (with Pillow), else
    `text` (the view's repr)."""
    text = html.escape(text)
    if not recorder.recording.frames:
        return f"<p><code>{text}</code> (live in Jupyter while fit runs)</p>"
    try:
        from .image import draw  # Pillow: an optional extra

        last = recorder.frame(recorder.recording.frames[-1])
        image = draw(recorder.spec(), recorder.curves(), last, title)
    except ImportError:
        return f"<p><code>{text}</code></p>"
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{text}" style="max-width:100%" src="data:image/png;base64,{data}">'
