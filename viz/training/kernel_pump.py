"""Handle a widget's messages while the kernel's main thread is busy running a cell.

A Jupyter kernel reads the messages a front end sends (a click in a widget included) only
between cells, but `fit` runs inside one: a paused TrainingView would wait forever for its
"resume" click. `KernelPump.poll()` reads the main shell's queue itself, handles the widget
(comm) messages at once, and sets every other message (a queued cell, a completion request)
aside; `release()` hands those back to the kernel, in order, to run after the current cell.

This needs ipykernel 7 (its shell channel thread queues the main shell's messages on one
socket); elsewhere `available` is False and widget controls only work between cells.
"""

from __future__ import annotations

from typing import Any

COMM_MESSAGES = frozenset({"comm_open", "comm_msg", "comm_close"})


def _kernel() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return getattr(shell, "kernel", None)


class KernelPump:
    """Reads the running kernel's main shell queue from inside a cell (see the module doc)."""

    def __init__(self) -> None:
        self._kernel = _kernel()
        self._socket: Any = None
        self._deferred: list[Any] = []
        thread = getattr(self._kernel, "shell_channel_thread", None)
        manager = getattr(thread, "manager", None)
        if manager is not None and hasattr(manager, "get_shell_channel_to_subshell_pair"):
            self._socket = manager.get_shell_channel_to_subshell_pair(None).to_socket

    @property
    def available(self) -> bool:
        return self._socket is not None

    def poll(self, timeout: float = 0.0) -> int:
        """Handle the comm messages waiting, waiting up to `timeout` seconds for the first one;
        return how many were handled. Other messages are kept for `release()`."""
        if self._socket is None:
            return 0
        import zmq

        handled = 0
        if not self._socket.poll(int(timeout * 1000), zmq.POLLIN):
            return 0
        while True:
            try:
                frames = self._socket.recv_multipart(zmq.NOBLOCK, copy=False)
            except zmq.Again:
                return handled
            if self._handle(frames):
                handled += 1
            else:
                self._deferred.append(frames)

    def _handle(self, frames: list[Any]) -> bool:
        kernel = self._kernel
        session = kernel.session
        idents, rest = session.feed_identities(frames, copy=False)
        try:  # the header alone, unchecked: a message set aside must reach the kernel unread,
            # because the session refuses a signature it has seen (replay protection)
            msg_type = session.unpack(rest[1].bytes)["msg_type"]
        except Exception:  # not ours to judge: the kernel will report it when it reads it
            return False
        handler = kernel.shell_handlers.get(msg_type)
        if msg_type not in COMM_MESSAGES or handler is None:
            return False
        try:
            msg = session.deserialize(rest, content=True, copy=False)
        except Exception:  # a bad signature or body: dropped, as the kernel would
            return True
        # Called directly, not through the kernel's dispatch, so the running cell stays the
        # parent of everything the kernel sends (the widget's updates, later printed output).
        handler(kernel.shell_stream, idents, msg)
        return True

    def release(self) -> None:
        """Hand the messages set aside back to the kernel, to run after the current cell."""
        deferred, self._deferred = self._deferred, []
        for frames in deferred:
            self._kernel.io_loop.add_callback(self._kernel.shell_main, None, frames)
