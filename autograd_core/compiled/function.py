"""The compiled function: `compile()` and CompiledFunction, which runs the programs on one
example or a batch (grouped by static arguments), adds up gradients and checks against fn."""

from __future__ import annotations

import inspect
import keyword
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import numpy as np

from ..value import Value, gradients
from .arrays import namespace
from .levels import _Levels
from .program import _Program, _same
from .trace import TraceError, _trace
from .vocabulary import VOCABULARY

Reduction = Literal["mean", "sum"]


class Result(NamedTuple):
    """What one compiled forward and backward pass gives.

    >>> from autograd_core import Value, compile
    >>> w = Value(2.0); r = compile(lambda x: w * x, 1.0).run(3.0)
    >>> r.value, r.grads.tolist(), r.input_grads
    (6.0, [3.0], (2.0,))

    `value` is the loss: fn's (first) output for one example, its mean or sum over a batch.
    `grads[i]` is d value / d `params[i]`; `input_grads` holds d value / d argument, shaped like
    each argument (None for a static one); `outputs` is fn's output per example (a tuple when
    fn returns several).
    """

    value: float
    grads: np.ndarray
    input_grads: tuple[Any, ...]
    outputs: Any


@dataclass
class _Group:
    """Part of a batch that one program runs: which rows (None: all of them, or the single
    example) and the arguments as the program takes them (an array per number of fn's)."""

    program: _Program
    rows: np.ndarray | None
    size: int
    inputs: list[Any]


class CompiledFunction:
    """`fn` traced into a program (`compile` makes one); call it like fn, on one example or on a
    batch (each argument with one more leading axis: numpy arrays or nested lists).

    >>> from autograd_core import Value, compile
    >>> w = Value(0.5, label="w"); f = compile(lambda x: (w * x).tanh(), 1.0)
    >>> len(f.params), f.params[0] is w
    (1, True)

    `f(*args)` gives fn's outputs; `f.run(*args)` also the gradients, as a Result;
    `f.backward(*args)` adds the parameters' gradients to their `.grad`, as `loss.backward()`;
    `print(f)` shows the program.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        example_args: tuple[Any, ...],
        reduction: Reduction = "mean",
        check: bool = False,
        static: Sequence[int] = (),
        params: Sequence[Value] = (),
    ) -> None:
        if not callable(fn):
            raise TypeError(f"compile needs a function, got {fn!r}")
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        self.fn, self.reduction, self.check = fn, reduction, check
        n = len(example_args)
        self.static = sorted({i + n if i < 0 else i for i in static})
        if not all(0 <= i < n for i in self.static):
            raise IndexError(f"static positions {tuple(static)} out of range for {n} arguments")
        self.arg_names = _arg_names(fn, n)
        self.title = _title(fn, self.arg_names)
        self._example = [
            a if i in self.static else _array(a, i) for i, a in enumerate(example_args)
        ]
        self.shapes = [None if i in self.static else a.shape for i, a in enumerate(self._example)]
        self._programs: dict[tuple[Any, ...], _Program] = {}
        self.backend: Literal["auto", "levels", "lines"] = "auto"
        # Every parameter a program reads: those in `params` first, in that order, then the
        # others in the order fn first uses them.
        self.params: list[Value] = []
        self._slot: dict[Value, int] = {}
        for p in params:
            if not isinstance(p, Value):
                raise TypeError(f"compile(params=...) takes Values, got {type(p).__name__}")
            if p not in self._slot:
                self._slot[p] = len(self.params)
                self.params.append(p)
        self._program(self._example)

    # --- the programs, one per value of the static arguments --------------------------------

    def _program(self, args: Sequence[Any]) -> _Program:
        """The program for these static argument values, traced on first use."""
        key = tuple(_hashable(args[i]) for i in self.static)
        if key not in self._programs:
            example = list(self._example)
            for i in self.static:
                example[i] = args[i]
            frozen = frozenset(self.static)
            trace = _trace(self.fn, example, frozen)
            program = _Program(trace, self.arg_names, self.shapes, self.title, self._slot)
            for p in program.params:
                if p not in self._slot:
                    self._slot[p] = len(self.params)
                    self.params.append(p)
            program.slots = _span(np.array([self._slot[p] for p in program.params], dtype=np.intp))
            self._programs[key] = program
        return self._programs[key]

    @property
    def source(self) -> str:
        """The program as Python: forward statements, then the chain rule, line by line."""
        return "\n\n".join(p.source for p in self._programs.values())

    def __str__(self) -> str:
        return self.source

    @property
    def nodes(self) -> int:
        """How many nodes the traced graph has (the first program's): the size of fn's work."""
        return len(next(iter(self._programs.values())))

    def __repr__(self) -> str:
        program = next(iter(self._programs.values()))
        n_ops = sum(row.kind == "op" for row in program.rows)
        more = f", {len(self._programs)} programs" if len(self._programs) > 1 else ""
        return (
            f"<compiled {self.title}: {n_ops} ops, {len(self.params)} parameters, "
            f"reduction={self.reduction!r}{more}>"
        )

    # --- calling ------------------------------------------------------------------------------

    def __call__(self, *args: Any) -> Any:
        """fn's outputs: floats for one example, arrays over a batch (a tuple for several)."""
        if (xp := namespace(*args)) is not np:
            return self._on_library(xp, args, None, False, None).outputs
        batch, batched, groups = self._split(args)
        results = []
        for group in groups:
            values = _values(group.program, None)
            levels = self._scheduled(group.program, batch, input_grads=False)
            with np.errstate(all="ignore"):  # the ops raise clear errors themselves
                if levels is not None:
                    out = levels.run(group.inputs, values, None, group.size)[0]
                else:
                    out = group.program.forward(*group.inputs, values.tolist())
                    out = out if len(group.program.outputs) > 1 else (out,)
            results.append(out)
        outputs = _gather(groups, results, batch)
        if self.check:
            self._verify(args, batch, batched, outputs, None)
        return outputs if len(outputs) > 1 else outputs[0]

    def run(self, *args: Any, input_grads: bool = True, params: Any = None) -> Result:
        """The loss and every gradient, from one forward and one backward pass.

        `input_grads=False` skips the gradients with respect to the arguments (a training step
        needs only the parameters'); `Result.input_grads` then holds None for each. `params`,
        an array in `self.params` order, stands in for the parameters' `.data` (a training loop
        that keeps its parameters in one vector: `fit(compile=True)`).
        """
        if params is not None:
            params = np.asarray(params, dtype=float)
            if params.shape != (len(self.params),):
                raise ValueError(
                    f"params must be {len(self.params)} numbers, in the order of .params; "
                    f"got shape {params.shape}"
                )
        if (xp := namespace(*args)) is not np:
            return self._on_library(xp, args, params, input_grads, 1.0)
        batch, batched, groups = self._split(args)
        scale = 1.0 / batch if batch is not None and self.reduction == "mean" else 1.0
        total, grads = 0.0, np.zeros(len(self.params))
        g_args: list[Any] = [None] * len(self.shapes)
        results = []
        for group in groups:
            program = group.program
            values = _values(program, params)
            levels = self._scheduled(program, batch, input_grads)
            with np.errstate(all="ignore"):
                if levels is not None:  # the seed, one number, broadcasts over the batch
                    out, g_inputs, g_params = levels.run(group.inputs, values, scale, group.size)
                    if len(groups) == 1 and _covers(program.slots, len(grads)):  # fresh: keep it
                        grads = g_params
                    else:
                        grads[program.slots] += g_params
                else:
                    floats = values.tolist()  # one example: the engine's numbers, bit for bit
                    seed = scale if batch is None else np.full(group.size, scale)
                    out, g_inputs, g_params = program.forward_backward(*group.inputs, floats, seed)
                    out = out if len(program.outputs) > 1 else (out,)
                    if g_params:
                        g = _stack(g_params)  # (parameters, rows) over a batch, else (parameters,)
                        grads[program.slots] += g.sum(axis=1) if g.ndim == 2 else g
            results.append(out)
            loss = out[0] if _full(out[0], group.size) else np.broadcast_to(out[0], group.size)
            total += float(loss.sum())
            if input_grads:
                self._add_input_grads(g_args, g_inputs, group, batch, batched)
        value = total / batch if batch is not None and self.reduction == "mean" else total
        outputs = _gather(groups, results, batch)
        result = Result(value, grads, tuple(g_args), outputs if len(outputs) > 1 else outputs[0])
        if self.check:
            self._verify(args, batch, batched, outputs, result)
        return result

    def backward(self, *args: Any, input_grads: bool = True) -> Result:
        """`run`, then add each gradient to its parameter's `.grad` (they accumulate, as leaves
        do in `Value.backward`: zero them between steps)."""
        result = self.run(*args, input_grads=input_grads)
        for p, g in zip(self.params, result.grads.tolist()):
            p.grad += g
        return result

    # --- the batch backend --------------------------------------------------------------------

    def _scheduled(self, program: _Program, batch: int | None, input_grads: bool) -> Any:
        """The level-by-level schedule to run a batch with, or None for the straight-line
        program: for one example (whose numbers must be the engine's, bit for bit) unless
        `backend="levels"`, when `backend="lines"`, or, with "auto", when the graph is too
        sequential to gain."""
        if self.backend == "lines" or (batch is None and self.backend != "levels"):
            return None
        levels = _schedule(program, input_grads)
        if self.backend == "auto" and 2 * len(levels.steps) > levels.n_ops:
            return None
        return levels

    def _on_library(
        self, xp: Any, args: tuple[Any, ...], params: Any, input_grads: bool, seed: Any
    ) -> Result:
        """A batch of another Array API library's arrays (torch tensors, on their device): the
        level schedule computes with that library and returns its arrays; the parameters and
        their gradients stay numpy vectors. Static arguments and single examples are numpy's."""
        if self.static:
            raise TypeError(f"{self.title}: static arguments need numpy arrays, not {xp.__name__}")
        if len(args) != len(self.shapes):
            raise TypeError(f"{self.title} takes {len(self.shapes)} arguments, got {len(args)}")
        program = self._program(self._example)
        sizes = {
            a.shape[0] for a, s in zip(args, self.shapes) if hasattr(a, "shape") and a.shape != s
        }
        if len(sizes) != 1 or 0 in sizes:
            raise ValueError(
                f"{self.title}: {xp.__name__} arrays need one batch size (> 0), got {sorted(sizes)}"
            )
        (size,) = sizes
        inputs: list[Any] = []
        for a, shape in zip(args, self.shapes):
            a = a if hasattr(a, "shape") else xp.asarray(a, dtype=xp.float64)
            batched = a.shape != shape
            if batched and a.shape[1:] != shape:
                raise ValueError(
                    f"{self.title}: expected shape (batch, *{shape}), got {tuple(a.shape)}"
                )
            flat = xp.reshape(a, (size, -1)).T if batched else xp.reshape(a, (-1,))
            inputs.append(flat[0] if batched and shape == () else flat if shape else a)
        levels, values = _schedule(program, input_grads), _values(program, params)
        scale = 1.0 / size if self.reduction == "mean" else 1.0
        with np.errstate(all="ignore"):
            seeds = None if seed is None else np.full(size, scale)
            out, g_inputs, g_params = levels.run(inputs, values, seeds, size, xp)
        grads = np.zeros(len(self.params))
        grads[program.slots] += g_params
        g_args: list[Any] = [None] * len(self.shapes)
        for i, shape in enumerate(self.shapes if g_inputs is not None else []):
            elements = [g_inputs[i]] if shape == () else g_inputs[i]
            device = out[0].device
            rows = [
                xp.broadcast_to(xp.asarray(g, dtype=xp.float64, device=device), (size,))
                if not hasattr(g, "shape") or g.shape != (size,)
                else g
                for g in elements
            ]
            g_args[i] = xp.reshape(xp.stack(rows, axis=1), (size, *(shape or ())))
        value = float(xp.sum(out[0])) * scale
        outputs = tuple(out)
        return Result(value, grads, tuple(g_args), outputs if len(outputs) > 1 else outputs[0])

    # --- batches ------------------------------------------------------------------------------

    def _split(self, args: tuple[Any, ...]) -> tuple[int | None, list[bool], list[_Group]]:
        """Check the arguments; find the batch size (None: one example), which arguments carry
        a batch axis, and the groups of rows that share one program."""
        if len(args) != len(self.shapes):
            raise TypeError(f"{self.title} takes {len(self.shapes)} arguments, got {len(args)}")
        arrays = [a if i in self.static else _array(a, i) for i, a in enumerate(args)]
        batch, batched = None, [False] * len(args)
        for i, (a, shape) in enumerate(zip(arrays, self.shapes)):
            if shape is None or a.shape == shape:
                continue
            if a.shape[1:] != shape or a.ndim != len(shape) + 1:
                raise ValueError(
                    f"argument {self.arg_names[i]} of {self.title}: expected shape {shape} "
                    f"(one example) or (batch, *{shape}), got {a.shape}"
                )
            if batch is not None and len(a) != batch:
                raise ValueError(f"arguments have different batch sizes: {batch} and {len(a)}")
            batch, batched[i] = len(a), True
        if batch == 0:
            raise ValueError(f"{self.title}: the batch is empty; give at least one example")
        for i in self.static:
            batched[i] = batch is not None and _per_example(arrays[i], batch)
        groups = []
        for rows, example in self._rows_by_program(arrays, batch, batched):
            size = 1 if batch is None else batch if rows is None else len(rows)
            inputs: list[Any] = []
            for i, a in enumerate(arrays):
                if i in self.static:
                    inputs.append(None)
                elif not batched[i]:  # one example's numbers, as floats
                    inputs.append(a.item() if a.ndim == 0 else a.ravel().tolist())
                else:  # one contiguous array over the rows per number of fn's
                    picked = a if rows is None else a[rows]
                    columns = np.ascontiguousarray(picked.reshape(size, -1).T)
                    inputs.append(columns[0] if a.ndim == 1 else columns)
            groups.append(_Group(self._program(example), rows, size, inputs))
        return batch, batched, groups

    def _rows_by_program(
        self, arrays: list[Any], batch: int | None, batched: list[bool]
    ) -> list[Any]:
        """(rows, an example with those rows' static values) per program; rows None: all."""
        if batch is None or not any(batched[i] for i in self.static):
            return [(None, arrays)]
        rows: dict[tuple[Any, ...], list[int]] = {}
        examples: dict[tuple[Any, ...], list[Any]] = {}
        for b in range(batch):
            example = list(arrays)
            for i in self.static:
                example[i] = _row(arrays[i], b) if batched[i] else arrays[i]
            key = tuple(_hashable(example[i]) for i in self.static)
            rows.setdefault(key, []).append(b)
            examples.setdefault(key, example)
        if len(rows) == 1:
            return [(None, next(iter(examples.values())))]
        return [(np.array(rows[key], dtype=np.intp), examples[key]) for key in rows]

    def _add_input_grads(
        self,
        total: list[Any],
        grads: list[Any],
        group: _Group,
        batch: int | None,
        batched: list[bool],
    ) -> None:
        """Add one group's input gradients into `total`, shaped like the arguments."""
        for i, shape in enumerate(self.shapes):
            if shape is None:
                continue
            elements = [grads[i]] if shape == () else grads[i]
            if batch is None:
                total[i] = _scalar(elements[0]) if shape == () else np.reshape(elements, shape)
                continue
            per_row = np.stack([np.broadcast_to(g, (group.size,)) for g in elements], axis=1)
            if batched[i]:  # one gradient per example
                if total[i] is None:
                    total[i] = np.zeros((batch, *shape))
                rows = slice(None) if group.rows is None else group.rows
                total[i].reshape(batch, -1)[rows] = per_row
            else:  # an argument shared by the batch: its gradient sums over it
                summed = per_row.sum(axis=0).reshape(shape)
                total[i] = summed if total[i] is None else total[i] + summed
                if shape == ():
                    total[i] = float(total[i])

    # --- check mode ---------------------------------------------------------------------------

    def _verify(
        self,
        args: tuple[Any, ...],
        batch: int | None,
        batched: list[bool],
        outputs: tuple[Any, ...],
        result: Result | None,
    ) -> None:
        """Run fn eagerly on every example and compare graphs and numbers with the program."""
        eager_total, eager_grads = 0.0, np.zeros(len(self.params))
        for b in range(1 if batch is None else batch):
            example = [_row(a, b) if batched[i] else a for i, a in enumerate(args)]
            example = [a if i in self.static else _array(a, i) for i, a in enumerate(example)]
            program = self._program(example)
            trace = _trace(self.fn, example, frozenset(self.static))
            where = "" if batch is None else f" on example {b}"
            problem = program.difference(trace)
            if problem and problem[0] == "graph":
                raise TraceError(
                    f"check: fn took a different path{where} than when it was traced: "
                    f"{problem[1]}. A compiled fn must build the same graph for every input: "
                    "replace Python branches on .data (if x.data > 0) by ops such as relu or "
                    "abs, or make the deciding argument static"
                )
            for k, (o, compiled) in enumerate(zip(trace.outputs, outputs)):
                got = compiled if batch is None else compiled[b]
                if not _close(got, o.data):
                    hint = f" ({problem[1]})" if problem else ""
                    raise TraceError(
                        f"check: output {k}{where} is {o.data!r} eagerly but {float(got)!r} "
                        f"compiled{hint}; does fn read .data into a new Value or a constant?"
                    )
            if result is not None:
                eager_total += trace.outputs[0].data
                found = gradients(trace.outputs[0])
                eager_grads += [float(found.get(p, 0.0)) for p in self.params]
        if result is None:
            return
        if batch is not None and self.reduction == "mean":
            eager_total, eager_grads = eager_total / batch, eager_grads / batch
        bad = [
            f"parameter {i} ({self.params[i].label or 'no label'}): eager {e!r}, compiled {c!r}"
            for i, (e, c) in enumerate(zip(eager_grads.tolist(), result.grads.tolist()))
            if not _close(c, e)
        ]
        if bad or not _close(result.value, eager_total):
            raise TraceError(
                f"check: the compiled loss is {result.value!r}, eagerly {eager_total!r}; "
                "gradients that differ:\n  " + "\n  ".join(bad[:10] or ["none"])
            )


def compile(
    fn: Callable[..., Any],
    *example_args: Any,
    reduction: Reduction = "mean",
    check: bool = False,
    static: Sequence[int] = (),
    params: Sequence[Value] = (),
) -> CompiledFunction:
    """Trace `fn(*example_args)` once into a program that replays on new inputs, or a batch.

    >>> from autograd_core import Value
    >>> w = Value(3.0); f = compile(lambda x: (w * x) ** 2, 1.0)
    >>> f(2.0), f([1.0, 2.0]).tolist(), f.run([1.0, 2.0]).grads.tolist()  # mean over the batch
    (36.0, [9.0, 36.0], [15.0])

    Each argument is a number or an array (list) of numbers; fn receives Values in its place.
    Leaf Values made outside fn (model weights) are the parameters: each call reads their
    current `.data`; leaves fn makes are constants. Over a batch the loss (fn's first output)
    is the `reduction` of the per-example losses. `static` argument positions are passed to fn
    as they are, each new value traced into its own program. `check=True` also runs fn eagerly
    on every call and raises TraceError if the two disagree. Arrays of another Array API
    library (torch tensors) run with that library, on its device. `params` puts those
    parameters first in `.params` (and in the gradients), in that order: `model.parameters()`
    makes a layer's weights a slice of a parameter vector, read and updated with no copy.
    """
    return CompiledFunction(fn, example_args, reduction, check, static, params)


# --- small helpers ------------------------------------------------------------------------------


def _array(x: Any, position: int) -> np.ndarray:
    if isinstance(x, Value):
        x = x.data
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"compile: argument {position} must be a number or an array of numbers, got "
            f"{type(x).__name__} (pass it as static=({position},) to hand it to fn as it is)"
        ) from None
    if a.dtype == object:  # pragma: no cover - numpy refuses this already
        raise TypeError(f"compile: argument {position} is not numeric")
    return a


def _hashable(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (list, np.ndarray)):
        return tuple(_hashable(v) for v in x)
    return x


def _per_example(x: Any, batch: int) -> bool:
    """Is a static argument given per example (a list or array with one value per row)?"""
    return isinstance(x, (list, tuple, np.ndarray)) and len(x) == batch


def _row(x: Any, b: int) -> Any:
    row = x[b]
    return row.item() if isinstance(row, np.generic) else row


def _close(a: float, b: float, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    a, b = float(a), float(b)
    return _same(a, b) or abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def _values(program: _Program, params: np.ndarray | None) -> np.ndarray:
    """The numbers of `program.params`: from the vector `params`, else their `.data`."""
    return np.array([p._data for p in program.params]) if params is None else params[program.slots]


def _schedule(program: _Program, input_grads: bool) -> _Levels:
    """`program`'s level schedule (with or without the inputs' gradients), made on first use."""
    if input_grads not in program.levels:
        program.levels[input_grads] = _Levels(program, input_grads)
    levels: _Levels = program.levels[input_grads]
    return levels


def _span(idx: np.ndarray) -> slice | np.ndarray:
    """`idx` as a slice when it counts up by one (a view, no gather), else as it is."""
    if len(idx) and (idx == np.arange(idx[0], idx[0] + len(idx))).all():
        return slice(int(idx[0]), int(idx[0]) + len(idx))
    return idx


def _covers(slots: slice | np.ndarray, n: int) -> bool:
    """Whether `slots` is every one of `n` parameters, in order."""
    return isinstance(slots, slice) and slots == slice(0, n)


def _scalar(x: Any) -> float:
    """One example's number: a float, or the one entry of a batch-of-one array."""
    return float(x.item()) if isinstance(x, np.ndarray) else float(x)


def _gather(
    groups: list[_Group], results: list[tuple[Any, ...]], batch: int | None
) -> tuple[Any, ...]:
    """Each output in batch order: a float for one example, else an array over the batch."""
    if batch is None:
        return tuple(_scalar(o) for o in results[0])
    if len(groups) == 1 and groups[0].rows is None and all(_full(o, batch) for o in results[0]):
        return tuple(results[0])  # already one array per output, in batch order
    outputs = []
    for k in range(len(results[0])):
        full = np.empty(batch)
        for group, out in zip(groups, results):
            full[slice(None) if group.rows is None else group.rows] = out[k]
        outputs.append(full)
    return tuple(outputs)


def _full(out: Any, batch: int) -> bool:
    """Whether `out` is already one number per example (not a constant's float or 0-d array)."""
    return isinstance(out, np.ndarray) and out.shape == (batch,)


def _stack(grads: list[Any]) -> np.ndarray:
    try:
        return np.array(grads, dtype=float)
    except ValueError:  # some are floats, some arrays over the batch
        return np.array(np.broadcast_arrays(*grads))


def _arg_names(fn: Callable[..., Any], n: int) -> list[str]:
    """fn's parameter names where they are safe in printed code, else a0, a1, ..."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    names = []
    for i in range(n):
        name = positional[i] if i < len(positional) else ""
        ok = name.isidentifier() and name.isalnum() and not keyword.iskeyword(name)
        ok = ok and name not in _RESERVED and not (name[0] in "vpgd" and name[1:].isdigit())
        names.append(name if ok and name not in names else f"a{i}")
    return names


_RESERVED = {*VOCABULARY, "params", "seed", "forward", "float", "program"}


def _title(fn: Callable[..., Any], arg_names: list[str]) -> str:
    name = getattr(fn, "__name__", "")
    ok = name.isidentifier() and not keyword.iskeyword(name)
    return name if ok and name not in _RESERVED and name not in arg_names else "program"
