"""Walking the draft's graph (a DAG given as node -> parents) with an explicit stack instead of
recursion, so a chain of any length is walked without reaching Python's recursion limit."""

from __future__ import annotations


def postorder(nodes, parents: dict) -> list:
    """Every node once, each after its parents: the order in which a depth-first walk from each
    of `nodes` in turn, and from a node's parents in the order `parents` lists them, leaves it."""
    order, seen = [], set()
    for start in nodes:
        if start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(parents[start]))]
        while stack:
            node, pending = stack[-1]
            parent = next((p for p in pending if p not in seen), None)
            if parent is None:
                stack.pop()
                order.append(node)
            else:
                seen.add(parent)
                stack.append((parent, iter(parents[parent])))
    return order
