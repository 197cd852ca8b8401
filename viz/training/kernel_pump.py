"""Handle a widget's messages while the kernel's main thread is busy running a cell.

A Jupyter kernel reads the messages a front end sends (a click in a widget included) only
between cells, but `fit` runs inside one: a paused TrainingView would wait forever for its
"resume" click. `KernelPump.poll()` reads the main shell's queue itself, handles the widget
(comm) messages at once, and sets every other message (a queued cell, a completion request)
aside; `release()` hands those back to the kernel, in order, to run after the current cell.

ipykernel has no public API for this, so everything that knows its internals is one small
adapter, `shell_queue(kernel)`, with a branch per supported major version, each tested in a
real kernel (tests/viz/training/test_kernel_pump.py):
- ipykernel 7: the shell channel thread queues the main shell's messages on an in-process
  socket (`shell_channel_thread.manager`); set-aside messages go back through `shell_main`.
- ipykernel 6: the messages wait on the shell socket itself (`shell_stream.socket`);
  set-aside messages go back through `schedule_dispatch`, ahead of any that arrive later.
The rest (the session, `shell_handlers`, `shell_stream`) is the same in both. Elsewhere (another
kernel, or none) `available` is False and widget controls only work between cells.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["COMM_MESSAGES", "KernelPump", "ShellQueue", "shell_queue"]

COMM_MESSAGES = frozenset({"comm_open", "comm_msg", "comm_close"})


@dataclass(frozen=True)
class ShellQueue:
    """Where the main shell's messages wait while a cell runs, and how to hand one back."""

    version: int  # ipykernel's major version
    socket: Any  # a zmq socket
    hand_back: Callable[[list[Any]], None]


def shell_queue(kernel: Any) -> ShellQueue | None:
    """The main shell's queue of `kernel` (an ipykernel Kernel), or None where unknown."""
    thread = getattr(kernel, "shell_channel_thread", None)
    manager = getattr(thread, "manager", None)
    if manager is not None and hasattr(manager, "get_shell_channel_to_subshell_pair"):
        socket = manager.get_shell_channel_to_subshell_pair(None).to_socket

        def back_7(frames: list[Any]) -> None:
            kernel.io_loop.add_callback(kernel.shell_main, None, frames)

        return ShellQueue(7, socket, back_7)
    stream = getattr(kernel, "shell_stream", None)
    if stream is not None and hasattr(kernel, "schedule_dispatch") and thread is None:

        def back_6(frames: list[Any]) -> None:
            kernel.schedule_dispatch(kernel.dispatch_shell, frames)

        return ShellQueue(6, stream.socket, back_6)
    return None


def _kernel() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return getattr(shell, "kernel", None)


class KernelPump:
    """Reads the running kernel's main shell queue from inside a cell (see the module doc)."""

    def __init__(self, kernel: Any = None) -> None:
        self._kernel = kernel if kernel is not None else _kernel()
        self.queue = shell_queue(self._kernel) if self._kernel is not None else None
        self._deferred: list[Any] = []

    @property
    def available(self) -> bool:
        return self.queue is not None

    def poll(self, timeout: float = 0.0) -> int:
        """Handle the comm messages waiting, waiting up to `timeout` seconds for the first one;
        return how many were handled. Other messages are kept for `release()`."""
        if self.queue is None:
            return 0
        import zmq

        socket = self.queue.socket
        handled = 0
        if not socket.poll(int(timeout * 1000), zmq.POLLIN):
            return 0
        while True:
            try:
                frames = socket.recv_multipart(zmq.NOBLOCK, copy=False)
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
        if self.queue is not None:
            for frames in deferred:
                self.queue.hand_back(frames)
