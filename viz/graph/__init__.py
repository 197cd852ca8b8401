"""The graph model every view reads: the order of a Value graph (`graph_order`), its name
scopes and how they collapse (`groups`), one qualified name per node (`qualified_names`),
numbers as shown (`format_number`) and the size limit (`GraphTooLargeError`).

Views (the drawing, the step-through page, the explorer, the CLI) import from here; nothing
here imports a view.
"""

from .limits import DEFAULT_MAX_NODES, GraphTooLargeError
from .names import node_name, qualified_names
from .numbers import format_number
from .order import graph_order
from .scopes import Collapse, groups

__all__ = [
    "DEFAULT_MAX_NODES",
    "Collapse",
    "GraphTooLargeError",
    "format_number",
    "graph_order",
    "groups",
    "node_name",
    "qualified_names",
]
