"""`python -m viz EXPR --set x=2 -o graph.svg`: evaluate, back-propagate, print a table, draw.

The expression is parsed with `ast` and checked against a whitelist before anything is
evaluated; evaluation walks the checked tree itself (no eval, no compile), iteratively.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import keyword
import math
import subprocess
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

from autograd_core import OPS, Value, topological_order

from .drawing.layout_program import BACKENDS, RendererNotFound
from .files import FORMATS, render
from .graph.limits import DEFAULT_MAX_NODES
from .graph.names import qualified_names
from .graph.numbers import format_number

__all__ = [
    "FUNCTIONS",
    "MAX_EXPRESSION_LENGTH",
    "RejectedExpression",
    "evaluate",
    "main",
    "parse_expression",
    "variables",
]

MAX_EXPRESSION_LENGTH = 1000
"""Longer expressions are refused (characters)."""

FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    name: getattr(Value, name)
    for name, op in OPS.items()
    if op.arity == 1 and not op.infix and op.n is None and hasattr(Value, name)
}
"""The engine's one-argument functions an expression may call: every one-input row of the op
table that Value has a method for (exp, log, tanh, ...; a new row joins by itself)."""

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY = (ast.USub, ast.UAdd)
_OK_NODES: tuple[type[ast.AST], ...] = (
    (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Call, ast.Load)
    + tuple(_BINARY)
    + _UNARY
)
_WHAT = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambda",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "conditional expressions",
    ast.NamedExpr: "assignment (:=)",
    ast.JoinedStr: "f-strings",
    ast.Starred: "* unpacking",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.Slice: "slices",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}

USAGE = f"""\
Evaluate a scalar expression with autograd_core, run backward(), print every node's value and
gradient, and optionally draw the graph.

grammar (anything else is refused, exit status 2, and nothing is evaluated):
  numbers             2, -3.5, 1e-3
  names               only those given with --set NAME=NUMBER
  operators           + - * / **  and unary -
  functions           {", ".join(FUNCTIONS)}  (one argument each)
  x ** 2              a literal exponent is part of the op (as in Python); x ** y differentiates
                      both sides and needs x > 0
  expressions longer than {MAX_EXPRESSION_LENGTH} characters are refused

output (-o): the extension picks the format:
  .svg .png .jpg      the drawing          .dot .gv  its DOT source
  .pdf                the drawing for papers (vector; pip install "autograd-core[pdf]")
  .html               a page that steps through the backward pass (open it in a browser)

exit status: 0 ok, 1 math or rendering error (e.g. log(-1)), 2 usage or rejected expression.
An expression that starts with '-' goes last, after '--':  python -m viz --set x=3 -- "-x*x"

example:
  python -m viz "tanh(x*w + b)" --set x=2 --set w=-3 --set b=6.8814 -o graph.svg
"""


class RejectedExpression(ValueError):
    """The expression is outside the whitelist; nothing was evaluated."""


def _where(text: str, node: ast.AST | None) -> str:
    if node is None:
        return ""
    snippet = ast.get_source_segment(text, node) or ""
    if len(snippet) > 40:
        snippet = snippet[:37] + "..."
    column = getattr(node, "col_offset", None)
    return f" ({snippet!r} at column {column + 1})" if column is not None else ""


def parse_expression(text: str, names: Sequence[str]) -> ast.Expression:
    """Parse and check `text`; raise RejectedExpression naming the first thing not allowed, or
    every name it uses that is not in `names` and every one of `names` it does not use."""
    text = _checked_text(text)
    try:
        with warnings.catch_warnings():  # "\}" in a string: the user's text, not ours to warn on
            warnings.simplefilter("ignore", (DeprecationWarning, SyntaxWarning))
            tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise RejectedExpression(f"invalid syntax: {error.msg} (column {error.offset})") from None
    except (RecursionError, MemoryError, ValueError) as error:
        raise RejectedExpression(f"the expression cannot be parsed: {error}") from None
    for node in ast.walk(tree):  # breadth first, iterative
        _check_node(node, text)
    _check_function_names(tree, text)
    _check_names(variables(tree), names)
    return tree


def variables(tree: ast.AST) -> list[str]:
    """The names an expression uses (its functions aside), in the order they first appear."""
    uses = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in FUNCTIONS]
    uses.sort(key=lambda n: (n.lineno, n.col_offset))
    return list(dict.fromkeys(n.id for n in uses))


def _checked_text(text: object) -> str:
    """The expression, stripped, once it is a str of allowed length with something in it."""
    if not isinstance(text, str):
        raise TypeError(f"the expression must be a str, got {type(text).__name__}")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise RejectedExpression(
            f"the expression has {len(text)} characters; the limit is {MAX_EXPRESSION_LENGTH}"
        )
    if not text.strip():
        raise RejectedExpression("the expression is empty")
    return text.strip()


def _check_node(node: ast.AST, text: str) -> None:
    """Refuse `node` unless the grammar allows it (names are checked by `_check_names`)."""
    check = _CHECKS.get(type(node))
    if check is not None:
        check(node, text)
    elif not isinstance(node, _OK_NODES):
        what = _WHAT.get(type(node), type(node).__name__)
        raise RejectedExpression(f"not allowed here: {what}{_where(text, node)}")


def _check_call(node: ast.AST, text: str) -> None:
    call = cast(ast.Call, node)
    func = call.func
    if not (isinstance(func, ast.Name) and func.id in FUNCTIONS):
        raise RejectedExpression(
            f"only calls to {', '.join(FUNCTIONS)} are allowed{_where(text, node)}"
        )
    if len(call.args) != 1 or call.keywords:
        raise RejectedExpression(
            f"{func.id}() takes exactly one argument, no keywords{_where(text, node)}"
        )


def _check_constant(node: ast.AST, text: str) -> None:
    value = cast(ast.Constant, node).value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RejectedExpression(f"only real numbers are allowed as constants{_where(text, node)}")
    _number(value, text, node)


def _check_binary(node: ast.AST, text: str) -> None:
    op = cast(ast.BinOp, node).op
    if type(op) not in _BINARY:
        raise RejectedExpression(
            f"operator {type(op).__name__} is not allowed; use + - * / **{_where(text, node)}"
        )


def _check_unary(node: ast.AST, text: str) -> None:
    if not isinstance(cast(ast.UnaryOp, node).op, _UNARY):
        raise RejectedExpression(f"only unary - and + are allowed{_where(text, node)}")


_CHECKS: dict[type[ast.AST], Callable[[ast.AST, str], None]] = {
    ast.Call: _check_call,
    ast.Constant: _check_constant,
    ast.BinOp: _check_binary,
    ast.UnaryOp: _check_unary,
}


def _check_function_names(tree: ast.AST, text: str) -> None:
    """A function's name is only allowed as the function of a call."""
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Name) and child.id in FUNCTIONS:
                if not (isinstance(node, ast.Call) and node.func is child):
                    raise RejectedExpression(
                        f"{child.id} is a function: call it, as {child.id}(x){_where(text, child)}"
                    )


def _check_names(used: Sequence[str], names: Sequence[str]) -> None:
    """Refuse, naming them all, the names used but not set and the names set but not used."""
    missing = [name for name in used if name not in names]
    unused = [name for name in names if name not in used]
    problems = []
    if missing:
        sets = " ".join(f"--set {name}=NUMBER" for name in missing)
        if len(missing) == 1:
            problems.append(f"name {missing[0]!r} is not set; pass {sets}")
        else:
            problems.append(f"names {', '.join(map(repr, missing))} are not set; pass {sets}")
    if unused:
        known = f"its names are {', '.join(used)}" if used else "it uses no names"
        guesses = [guess for name in unused if (guess := _guess(name, missing))]
        hint = f" (did you mean {', '.join(guesses)}?)" if guesses else ""
        problems.append(
            f"--set {', '.join(unused)} went unused{hint}: the expression does not use "
            f"{'it' if len(unused) == 1 else 'them'}; {known}"
        )
    if problems:
        raise RejectedExpression(". ".join(problems))


def _guess(name: str, missing: Sequence[str]) -> str | None:
    """The missing name `name` was probably meant to be (another case, a typo), if any."""
    for other in missing:
        if other.lower() == name.lower():
            return other
    close = difflib.get_close_matches(name, missing, n=1)
    return close[0] if close else None


def _number(value: float, text: str = "", node: ast.AST | None = None) -> float:
    try:
        number = float(value)
    except OverflowError:
        raise RejectedExpression(f"a number is too large for a float{_where(text, node)}") from None
    if not math.isfinite(number):
        raise RejectedExpression(f"numbers must be finite, got {number}{_where(text, node)}")
    return number


def _literal(node: ast.AST) -> float | None:
    """The number a constant (or a signed constant) stands for, else None."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, _UNARY):
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return sign * float(node.value)
    return None


def evaluate(text: str, values: dict[str, float], sources: dict[Value, str] | None = None) -> Value:
    """Build the Value graph of the whitelisted expression `text`, with `values` for its names.

    Names become labelled leaves (the same leaf each time a name is used); numbers become
    constant leaves, except a literal exponent (`x ** 2`), which the op keeps, as in Python.
    `sources`, when given, is filled with each Value's source text.
    """
    tree = parse_expression(text, list(values))
    text = text.strip()
    leaves = {name: Value(_number(v), label=name) for name, v in values.items()}
    results: dict[ast.AST, Value] = {}
    stack: list[tuple[ast.AST, bool]] = [(tree.body, False)]
    while stack:  # post-order, iterative: deep expressions cannot overflow the stack
        node, ready = stack.pop()
        literal = _literal(node)
        if literal is not None:
            results[node] = Value(literal)
        elif isinstance(node, ast.Name):
            results[node] = leaves[node.id]
        elif not ready:
            stack.append((node, True))
            stack.extend((operand, False) for operand in reversed(_operands(node)))
            continue
        else:
            results[node] = _apply(node, results)
        if sources is not None and results[node] not in sources:
            sources[results[node]] = ast.get_source_segment(text, node) or ""
    return results[tree.body]


_ARITHMETIC: dict[type[ast.operator], Callable[[Value, Value], Value]] = {
    ast.Add: Value.__add__,
    ast.Sub: Value.__sub__,
    ast.Mult: Value.__mul__,
    ast.Div: Value.__truediv__,
}


def _operands(node: ast.AST) -> list[ast.AST]:
    """What a checked operator or call node needs evaluated first (a literal exponent is not:
    the op keeps it as a number)."""
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow) and _literal(node.right) is not None:
            return [node.left]
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    return [cast(ast.Call, node).args[0]]


def _apply(node: ast.AST, results: dict[ast.AST, Value]) -> Value:
    """The Value of a checked operator or call node, its operands evaluated in `results`."""
    if isinstance(node, ast.BinOp):
        left = results[node.left]
        if isinstance(node.op, ast.Pow):
            exponent = _literal(node.right)
            return left ** (results[node.right] if exponent is None else exponent)
        return _ARITHMETIC[type(node.op)](left, results[node.right])
    if isinstance(node, ast.UnaryOp):
        operand = results[node.operand]
        return -operand if isinstance(node.op, ast.USub) else operand
    call = cast(ast.Call, node)
    return FUNCTIONS[cast(ast.Name, call.func).id](results[call.args[0]])


def _parse_set(items: Sequence[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for item in items:
        name, sep, number = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise RejectedExpression(f"--set takes NAME=NUMBER, got {item!r}")
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            raise RejectedExpression(f"--set name {name!r} must be a plain identifier")
        if name in FUNCTIONS:
            raise RejectedExpression(f"--set name {name!r} is a function name; pick another")
        if name in values:
            raise RejectedExpression(f"--set {name} is given twice")
        try:
            value = float(number)
        except ValueError:
            raise RejectedExpression(f"--set {name}= needs a number, got {number!r}") from None
        values[name] = _number(value)
    return values


def _table(root: Value, sources: dict[Value, str], precision: int) -> str:
    rows = [("#", "node", "op", "data", "grad", "expression")]
    order = topological_order(root)
    for i, (node, name) in enumerate(zip(order, qualified_names(order))):
        source = sources.get(node, "")
        if len(source) > 48:
            source = source[:45] + "..."
        rows.append(
            (
                str(i),
                name,
                str(node.op or "leaf"),
                format_number(node.data, precision),
                format_number(node.grad, precision),
                source,
            )
        )
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    right = {0, 3, 4}
    return "\n".join(
        "  ".join(
            cell.rjust(widths[c]) if c in right else cell.ljust(widths[c])
            for c, cell in enumerate(row)
        ).rstrip()
        for row in rows
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m viz",
        description=USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("expression", help='the expression, e.g. "tanh(x*w + b)"')
    parser.add_argument(
        "--set",
        dest="values",
        action="append",
        default=[],
        metavar="NAME=NUMBER",
        help="give a name its value (repeat for each name)",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help=f"write the graph ({' '.join(FORMATS)})"
    )
    parser.add_argument(
        "--backend",
        default=None,
        help=f"layout program: {', '.join(BACKENDS)} or a path (default: auto = graphviz-pure, "
        "else a system dot; or $VIZ_BACKEND)",
    )
    parser.add_argument("--rankdir", default="LR", choices=["LR", "TB", "RL", "BT"])
    parser.add_argument(
        "--local-grads", action="store_true", help="label edges with local derivatives"
    )
    parser.add_argument(
        "--max-nodes", type=int, default=DEFAULT_MAX_NODES, help="refuse larger drawings"
    )
    parser.add_argument("--precision", type=int, default=4, help="decimals shown (default 4)")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not print the table")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    try:  # argparse exits on --help (0) and on usage errors (2): return that status instead
        args = parser.parse_args(argv)
        if not 1 <= args.precision <= 12:
            parser.error("--precision must be between 1 and 12")
        if args.max_nodes < 1:
            parser.error("--max-nodes must be at least 1")
        if args.output and not any(args.output.lower().endswith(ext) for ext in FORMATS):
            parser.error(
                f"--output: the extension picks the format; use one of {' '.join(FORMATS)}"
            )
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else 2
    prog = parser.prog
    try:
        values = _parse_set(args.values)
        sources: dict[Value, str] = {}
        root = evaluate(args.expression, values, sources)
        root.backward()
    except RejectedExpression as error:
        return _fail(prog, "rejected", str(error), 2)
    except (ArithmeticError, ValueError, TypeError) as error:
        return _fail(prog, "error", str(error), 1)
    if not args.quiet:
        print(_table(root, sources, args.precision))
    if args.output:
        options = {"rankdir": args.rankdir, "max_nodes": args.max_nodes, "backend": args.backend}
        options["precision"] = args.precision
        if not args.output.lower().endswith(".html"):
            options["show_local_grads"] = args.local_grads
        try:
            path = render(root, args.output, **options)
        except (
            ImportError,
            OSError,
            RuntimeError,
            ValueError,
            subprocess.SubprocessError,
        ) as error:
            return _fail(prog, "error", _render_error(error), 1)
        if not args.quiet:
            print(f"wrote {path}")
    return 0


def _fail(prog: str, kind: str, message: str, status: int) -> int:
    """Print `prog: kind: message` as one line on stderr and return the exit status."""
    print(f"{prog}: {kind}: {' '.join(message.split())}", file=sys.stderr)
    return status


def _render_error(error: Exception) -> str:
    """What went wrong while drawing or writing, in one line, without Python's wording."""
    if isinstance(error, subprocess.CalledProcessError):
        program = Path(str(error.cmd[0])).name if error.cmd else "the layout program"
        how = (
            f"was stopped by signal {-error.returncode}"
            if error.returncode < 0
            else f"failed with exit status {error.returncode}"
        )
        detail = error.stderr.decode(errors="replace") if isinstance(error.stderr, bytes) else ""
        first = next((line.strip() for line in detail.splitlines() if line.strip()), "")
        return f"the layout program {program} {how}" + (f": {first[:200]}" if first else "")
    if isinstance(error, RendererNotFound):
        first = str(error).splitlines()[0]
        return f"{first}; install one: pip install graphviz-pure (or a system Graphviz)"
    if isinstance(error, OSError) and error.strerror and error.filename:
        return f"{error.filename}: {error.strerror}"
    return str(error)
