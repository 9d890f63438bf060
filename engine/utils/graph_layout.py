"""Layered drawing of a DAG with boxes of any size (Sugiyama-style), for plot_model.

Ranks by longest path; an edge that spans several ranks passes through a waypoint in each rank
it crosses, so no edge runs through a box; barycentre sweeps order each rank to keep edges
short and uncrossed; then each box moves towards its neighbours without overlapping the
boxes beside it. Coordinates are "across" (along a rank) and "along" (from rank to rank):
top-to-bottom, across is x and along is y.
"""

from __future__ import annotations

from dataclasses import dataclass

SWEEPS = 8


@dataclass
class Leg:
    """One stretch of an edge's route, across one gap between ranks: from `start` (a box's
    far side, or where a waypoint's rank ends) to `end` (the next box's near side, or where
    a waypoint's rank starts), (across, along) points; `gap` is the (start, end) of the gap
    along the axis, and `lane` a line of the gap, along the axis, where this leg alone may
    run across."""

    start: tuple
    end: tuple
    gap: tuple
    lane: float


@dataclass
class Layout:
    """Where everything goes. `centres`: node -> (across, along) of its box's centre;
    `legs`: (source, target) -> its route's Legs, one per gap it crosses; `extent`: the
    (across, along) size of the whole."""

    centres: dict
    legs: dict
    extent: tuple


def ranks(nodes: list, edges: list) -> dict:
    """node -> rank: 0 for a node without inputs, else one more than its deepest input."""
    parents = {node: [] for node in nodes}
    for source, target in edges:
        parents[target].append(source)
    rank: dict = {}
    for node in _topological(nodes, parents):
        rank[node] = 1 + max((rank[p] for p in parents[node]), default=-1)
    return rank


def _topological(nodes, parents) -> list:
    """Every node after its parents, without recursion (a chain may be long)."""
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


def layout(nodes: list, edges: list, sizes: dict, gap_across: float, gap_along: float,
           lane_gap: float, port_gap: float) -> Layout:
    """Place `nodes` (ids in a stable order) joined by `edges` ((source, target) pairs, a DAG).

    `sizes`: node -> (across, along) extent of its box. Boxes of a rank are `gap_across`
    apart; ranks are `gap_along` apart, more where the edges crossing over need lanes
    `lane_gap` apart; the edges of one box leave and arrive `port_gap` apart (0: all from
    its centre). The edges that leave one box share a lane, as do those that reach one box,
    so that they merge into a tree instead of running side by side."""
    rank = ranks(nodes, edges)
    rows = [[] for _ in range(max(rank.values(), default=-1) + 1)]
    for node in nodes:
        rows[rank[node]].append(node)
    extents = dict(sizes)
    routes = {}
    for source, target in edges:
        route = [source]
        for r in range(rank[source] + 1, rank[target]):
            waypoint = ("waypoint", source, target, r)
            rows[r].append(waypoint)
            extents[waypoint] = (0.0, 0.0)
            route.append(waypoint)
        routes[(source, target)] = [*route, target]
    parents, children = _neighbours(routes)
    _order(rows, parents, children)
    across = _place_across(rows, parents, children, extents, gap_across)
    steps = [(a, b) for route in routes.values() for a, b in zip(route, route[1:])]
    leaving = _ports(steps, across, extents, port_gap, outgoing=True)
    arriving = _ports(steps, across, extents, port_gap, outgoing=False)
    groups = _lane_groups(steps)
    crossing = [{} for _ in rows]  # rank -> {lane group: its steps}, those that cross over
    for step in steps:
        if abs(leaving[step] - arriving[step]) > 1e-6:
            crossing[_rank_of(step[0], rank)].setdefault(groups[step], []).append(step)
    bands, gaps, position = [], [], 0.0
    for r, row in enumerate(rows):
        depth = max((extents[node][1] for node in row), default=0.0)
        bands.append((position, position + depth))
        gap = max(gap_along, (len(crossing[r]) + 1) * lane_gap)
        gaps.append((position + depth, position + depth + gap))
        position += depth + gap
    centres = {node: (across[node], sum(bands[r]) / 2) for r, row in enumerate(rows)
               for node in row}
    lanes = {}
    for r, gap_groups in enumerate(crossing):
        def span(group_steps):
            ends = [port[step] for step in group_steps for port in (leaving, arriving)]
            return min(ends), max(ends)

        start, end = gaps[r]
        ordered = sorted(gap_groups.values(), key=span)
        for i, group_steps in enumerate(ordered):
            lane = start + (end - start) * (i + 1) / (len(ordered) + 1)
            lanes.update(dict.fromkeys(group_steps, lane))

    def leg(a, b):
        start = (leaving[(a, b)], centres[a][1] + extents[a][1] / 2)
        end = (arriving[(a, b)], centres[b][1] - extents[b][1] / 2)
        gap = gaps[_rank_of(a, rank)]
        return Leg(start, end, gap, lanes.get((a, b), sum(gap) / 2))

    legs = {edge: [leg(a, b) for a, b in zip(route, route[1:])]
            for edge, route in routes.items()}
    width = max((across[n] + extents[n][0] / 2 for n in across), default=0.0)
    return Layout(centres=centres, legs=legs, extent=(width, bands[-1][1] if bands else 0.0))


def _lane_groups(steps) -> dict:
    """step -> its lane's key: the node it leaves, if that node has other steps; else the node
    it reaches, if that has other steps; else the step alone."""
    leaving, reaching = {}, {}
    for a, b in steps:
        leaving[a] = leaving.get(a, 0) + 1
        reaching[b] = reaching.get(b, 0) + 1
    return {(a, b): ("from", a) if leaving[a] > 1 else ("to", b) if reaching[b] > 1 else (a, b)
            for a, b in steps}


def _rank_of(node, rank) -> int:
    return node[-1] if node not in rank else rank[node]


def _ports(steps, across, extents, port_gap, outgoing) -> dict:
    """step -> where it leaves its first node (outgoing) or reaches its second, across: a
    node's steps side by side about its centre, in the order of the nodes at their other
    ends, so that they do not cross."""
    by_node = {}
    for step in steps:
        by_node.setdefault(step[0] if outgoing else step[1], []).append(step)
    ports = {}
    for node, node_steps in by_node.items():
        node_steps.sort(key=lambda step: across[step[1] if outgoing else step[0]])
        spacing = min(port_gap, extents[node][0] / (len(node_steps) + 1))
        for i, step in enumerate(node_steps):
            ports[step] = across[node] + (i - (len(node_steps) - 1) / 2) * spacing
    return ports


def _neighbours(routes) -> tuple:
    """(node -> the nodes one rank before it, node -> the nodes one rank after it)."""
    parents, children = {}, {}
    for route in routes.values():
        for source, target in zip(route, route[1:]):
            parents.setdefault(target, []).append(source)
            children.setdefault(source, []).append(target)
    return parents, children


def _order(rows, parents, children) -> None:
    """Sort each rank by the mean slot of its neighbours, sweeping down then up."""
    slot = {node: i for row in rows for i, node in enumerate(row)}
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        neighbours = parents if downward else children
        for row in rows[1:] if downward else rows[-2::-1]:
            def barycentre(node, neighbours=neighbours):
                linked = [slot[n] for n in neighbours.get(node, ())]
                return sum(linked) / len(linked) if linked else slot[node]

            row.sort(key=barycentre)
            slot.update({node: i for i, node in enumerate(row)})


def _place_across(rows, parents, children, extents, gap) -> dict:
    """node -> centre across: packed first, then drawn towards the mean of its neighbours,
    keeping each rank's order and `gap` between neighbouring boxes."""
    across = {}
    for row in rows:
        across.update(zip(row, _packed(row, extents, gap)))
    for sweep in range(SWEEPS):
        neighbours = parents if sweep % 2 == 0 else children
        for row in rows:
            wanted = []
            for node in row:
                linked = [across[n] for n in neighbours.get(node, ())]
                wanted.append(sum(linked) / len(linked) if linked else across[node])
            across.update(zip(row, _nearest_without_overlap(row, wanted, extents, gap)))
    leftmost = min((across[n] - extents[n][0] / 2 for row in rows for n in row), default=0.0)
    return {node: value - leftmost for node, value in across.items()}


def _packed(row, extents, gap) -> list:
    centres, position = [], 0.0
    for node in row:
        width = extents[node][0]
        centres.append(position + width / 2)
        position += width + gap
    return [centre - position / 2 for centre in centres]


def _nearest_without_overlap(row, wanted, extents, gap) -> list:
    """Centres near `wanted`, in row order, at least `gap` apart edge to edge: the mean of the
    placement pushed rightwards and the one pushed leftwards, which both keep the spacing."""
    spacing = [(extents[a][0] + extents[b][0]) / 2 + gap for a, b in zip(row, row[1:])]
    right = list(wanted)
    for i in range(1, len(row)):
        right[i] = max(right[i], right[i - 1] + spacing[i - 1])
    left = list(wanted)
    for i in range(len(row) - 2, -1, -1):
        left[i] = min(left[i], left[i + 1] - spacing[i])
    return [(a + b) / 2 for a, b in zip(right, left)]
