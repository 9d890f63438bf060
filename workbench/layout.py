"""Layered DAG layout (Sugiyama-style): ranks by longest path, order by barycentres.

Every edge points from a lower rank to a higher one, so the graph reads top-down (or left to
right); a few barycentre sweeps order each rank to keep edges short and uncrossed.
"""

from __future__ import annotations

from workbench import dag

RANK_GAP = {"down": 120.0, "right": 240.0}
SLOT_GAP = {"down": 200.0, "right": 100.0}
SWEEPS = 4


def ranks(nodes: list, edges: list) -> dict:
    """node -> rank: 0 for nodes without inputs, else one more than its deepest input."""
    parents = _neighbours(nodes, edges)[0]
    rank = {}
    for node in dag.postorder(nodes, parents):
        rank[node] = 1 + max((rank[p] for p in parents[node]), default=-1)
    return rank


def layout(nodes: list, edges: list, direction: str = "down") -> dict:
    """node -> (x, y) for a DAG given as node ids (in a stable order) and (source, target)."""
    rank = ranks(nodes, edges)
    rows = [[] for _ in range(max(rank.values(), default=-1) + 1)]
    for node in nodes:
        rows[rank[node]].append(node)
    parents, children = _neighbours(nodes, edges)
    slot = _slots(rows)
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        sequence = rows[1:] if downward else rows[-2::-1]
        neighbours = parents if downward else children
        for row in sequence:
            _order_by_barycentre(row, neighbours, slot)
            slot.update(_slots([row]))
    positions = {}
    for r, row in enumerate(rows):
        for i, node in enumerate(row):
            along = r * RANK_GAP[direction]
            across = (i - (len(row) - 1) / 2) * SLOT_GAP[direction]
            positions[node] = (across, along) if direction == "down" else (along, across)
    return positions


def _neighbours(nodes, edges) -> tuple:
    """(node -> its sources, node -> its targets), in the order of `edges`."""
    parents, children = {n: [] for n in nodes}, {n: [] for n in nodes}
    for source, target in edges:
        parents[target].append(source)
        children[source].append(target)
    return parents, children


def _slots(rows):
    return {node: i - (len(row) - 1) / 2 for row in rows for i, node in enumerate(row)}


def _order_by_barycentre(row, neighbours, slot):
    def barycentre(node):
        linked = [slot[n] for n in neighbours[node] if n in slot]
        return sum(linked) / len(linked) if linked else slot[node]

    row.sort(key=barycentre)
