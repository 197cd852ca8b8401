"""The smallest tour: build an expression, back-propagate, print every value and gradient."""

from autograd_core import Value, topological_order

x = Value(2.0, label="x")
w = Value(-3.0, label="w")
b = Value(6.8813735870195432, label="b")
n = x * w + b
n.label = "n"
o = n.tanh()
o.label = "o"
o.backward()

print(f"{'node':<6}{'op':<7}{'data':>12}{'grad':>12}")
for node in topological_order(o):
    print(f"{node.label or '':<6}{node.op:<7}{node.data:>12.6f}{node.grad:>12.6f}")
