"""The draft graph the editor edits, kept in the kernel: the single source of truth of a model
being built. The editor's view, the sidebar and `to_code()` are all derived from it.

A draft may be incomplete or wrong (a node without inputs, a config a layer rejects): each
node then carries the engine's message, and everything else is still inferred. Every edit is
all or nothing and is one undo step; `to_spec()` / `to_model()` work once the draft is valid.
"""

from __future__ import annotations

import contextlib
import copy
import pickle
from dataclasses import dataclass, field

from engine import model_from_spec
from engine.layers import LAYERS
from engine.models.spec import FORMAT, VERSION
from engine.naming import snake_case
from workbench import codegen, dag, draft_analysis, layout, palette
from workbench.draft_spec import DraftNode, spec_to_nodes
from workbench.errors import DraftError
from workbench.protocol import Ref, json_values, unencodable

UNDO_LIMIT = 200
NAME_LIMIT = 100
NEW_NODE_GAP = 120.0


@dataclass(frozen=True)
class Analysis:
    nodes: dict  # id -> draft_analysis.NodeResult
    outputs: list  # the model's outputs (explicit or automatic)
    used: list  # ids the outputs depend on, in topological order
    errors: list = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors and all(self.nodes[n].status == "ok" for n in self.used)


class GraphDraft:
    def __init__(self, name: str = "model"):
        self.name = name
        self.nodes: dict[str, DraftNode] = {}
        self.explicit_outputs: list[Ref] | None = None  # None: _automatic_outputs()
        self.revision = 0
        self._undo: list = []
        self._redo: list = []
        self._analysis: tuple | None = None

    # ------------------------------------------------------------------- opening models
    @classmethod
    def from_spec(cls, spec: dict) -> GraphDraft:
        draft = cls()
        draft._replace_with_spec(spec)
        return draft

    @classmethod
    def from_model(cls, model) -> GraphDraft:
        """A draft of an existing model's architecture (its weights stay with the model)."""
        return cls.from_spec(model.to_spec())

    # ----------------------------------------------------------------------------- edits
    def add_layer(self, class_name: str, config: dict | None = None, position=None) -> str:
        if class_name not in LAYERS:
            raise DraftError(
                f"{class_name!r} is not an engine layer. Known layers: {', '.join(LAYERS)}."
            )
        config = dict(config or {})
        self._check_arguments(class_name, config)
        _check_text(config, "the config")
        node_id = config.pop("name", None)
        node_id = self._new_id(snake_case(class_name)) if node_id is None else node_id
        self._check_new_id(node_id)
        with self._edit(f"add {class_name} {node_id}"):
            self.nodes[node_id] = DraftNode(
                node_id,
                class_name,
                {**palette.defaults(class_name), **config},
                [[] for _ in palette.ports(class_name)],
                tuple(position) if position is not None else self._next_position(),
            )
        return node_id

    def connect(self, source: Ref, node: str, arg: int) -> None:
        target = self._node(node)
        self._check_source(source)
        ports = palette.ports(target.class_name)
        if arg >= len(ports):
            raise DraftError(_port_message(target, arg))
        if source.node == node or node in self._ancestors(source.node):
            raise DraftError(
                f"Connecting {source.node!r} to {node!r} would make a cycle; a model's graph "
                "must flow one way."
            )
        with self._edit(f"connect {source.node} → {node}"):
            if ports[arg][1] == "list":
                target.sources[arg].append(source)
            else:
                target.sources[arg] = [source]

    def disconnect(self, source: Ref, node: str, arg: int) -> None:
        target = self._node(node)
        if arg >= len(target.sources) or source not in target.sources[arg]:
            raise DraftError(f"There is no edge from {source.node!r} to {node!r} (argument {arg}).")
        with self._edit(f"disconnect {source.node} → {node}"):
            target.sources[arg].remove(source)

    def update_config(self, node: str, changes: dict) -> str:
        """Merge `changes` into a node's config; a `name` renames it. Returns the node's id."""
        target = self._node(node)
        changes = dict(changes)
        self._check_arguments(target.class_name, changes)
        _check_text(changes, "the config")
        new_id = changes.pop("name", node)
        if new_id != node:
            self._check_new_id(new_id)
        label = f"edit {node}" if new_id == node else f"rename {node} → {new_id}"
        with self._edit(label):
            target.config.update(changes)
            if new_id != node:
                self._rename(node, new_id)
        return new_id

    def delete(self, ids: list) -> None:
        for node_id in ids:
            self._node(node_id)
        gone = set(ids)
        with self._edit(f"delete {', '.join(ids)}"):
            for node_id in gone:
                del self.nodes[node_id]
            for node in self.nodes.values():
                node.sources = [[r for r in refs if r.node not in gone] for refs in node.sources]
            if self.explicit_outputs is not None:
                kept = [r for r in self.explicit_outputs if r.node not in gone]
                self.explicit_outputs = kept or None

    def move(self, positions: dict) -> None:
        for node_id in positions:
            self._node(node_id)
        with self._edit(f"move {', '.join(positions)}"):
            for node_id, (x, y) in positions.items():
                self.nodes[node_id].position = (float(x), float(y))

    def auto_layout(self, direction: str = "down") -> None:
        with self._edit("auto layout"):
            self._apply_layout(direction)

    def set_outputs(self, outputs: list) -> None:
        """The model's outputs in order; an empty list means automatic ones: every node nothing
        consumes whose inputs are all connected."""
        for ref in outputs:
            self._check_source(ref)
        if len(set(outputs)) != len(outputs):
            raise DraftError("An output is listed twice; list each output once.")
        with self._edit("set outputs"):
            self.explicit_outputs = list(outputs) or None

    def load_spec(self, spec: dict) -> None:
        with self._edit("load graph"):
            self._replace_with_spec(spec)

    @contextlib.contextmanager
    def one_step(self, label: str):
        """The edits made inside are one undo step, and on any error none of them stays."""
        undo = list(self._undo)
        with self.atomic() as before:
            yield
        several = self._undo != undo and self._undo[:-1] != undo
        if several:
            self._undo = [*undo[-(UNDO_LIMIT - 1) :], (label, before)]

    @contextlib.contextmanager
    def atomic(self):
        """All or nothing: on any error inside, the graph and its undo history are left exactly
        as they were (whatever raised: an edit, an undo, or showing the result). Yields the
        graph as it was."""
        before, undo, redo = self._snapshot(), list(self._undo), list(self._redo)
        try:
            yield before
        except BaseException:
            self._restore(before)
            self._undo, self._redo = undo, redo
            raise

    # ------------------------------------------------------------------------ history
    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> None:
        if not self._undo:
            raise DraftError("There is nothing to undo.")
        label, snapshot = self._undo.pop()
        self._redo.append((label, self._snapshot()))
        self._restore(snapshot)

    def redo(self) -> None:
        if not self._redo:
            raise DraftError("There is nothing to redo.")
        label, snapshot = self._redo.pop()
        self._undo.append((label, self._snapshot()))
        self._restore(snapshot)

    def history(self) -> dict:
        return {
            "can_undo": self.can_undo,
            "can_redo": self.can_redo,
            "undo_label": self._undo[-1][0] if self._undo else None,
            "redo_label": self._redo[-1][0] if self._redo else None,
        }

    # ---------------------------------------------------------------------- analysis
    def analysis(self) -> Analysis:
        if self._analysis is None or self._analysis[0] != self.revision:
            self._analysis = (self.revision, self._analyze())
        return self._analysis[1]

    def _analyze(self) -> Analysis:
        order = self._topological_order()
        results = draft_analysis.analyze_nodes(self.nodes, order)
        outputs = self.explicit_outputs or self._automatic_outputs()
        errors = []
        if not any(n.class_name == "InputLayer" for n in self.nodes.values()):
            errors.append("Add an InputLayer: every model starts from one.")
        if not outputs:
            errors.append(self._no_output_message())
        wanted = self._ancestors_of({r.node for r in outputs}) | {r.node for r in outputs}
        for ref in outputs:
            shapes = results[ref.node].output_shapes
            if shapes is not None and ref.output >= len(shapes):
                errors.append(f"Output {ref.output} of {ref.node!r} does not exist.")
        return Analysis(results, outputs, [n for n in order if n in wanted], errors)

    @property
    def valid(self) -> bool:
        return self.analysis().valid

    def first_error(self) -> str | None:
        analysis = self.analysis()
        if analysis.errors:
            return analysis.errors[0]
        for node_id in analysis.used:
            result = analysis.nodes[node_id]
            if result.status != "ok":
                return f"{node_id}: {result.error}"
        return None

    # ------------------------------------------------------------------- derived views
    def to_spec(self) -> dict:
        """The graph spec of the draft (docs/graph-spec.md); DraftError while it is invalid."""
        analysis = self.analysis()
        if not analysis.valid:
            raise DraftError(f"The graph is not a valid model yet: {self.first_error()}")
        inputs = [n.id for n in self.nodes.values() if n.class_name == "InputLayer"]
        used = inputs + [n for n in analysis.used if n not in inputs]
        return {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "model_class": "Model",
            "layers": [self._layer_entry(self.nodes[n]) for n in used],
            "nodes": [{"id": n, "layer": n, "args": self._spec_args(self.nodes[n])} for n in used],
            "inputs": [{"node": n, "output": 0} for n in inputs],
            "outputs": [{"node": r.node, "output": r.output} for r in analysis.outputs],
            "single_input": len(inputs) == 1,
            "single_output": len(analysis.outputs) == 1,
        }

    def to_model(self):
        """A new engine.Model (fresh weights) built from the draft."""
        return model_from_spec(self.to_spec())

    def to_code(self) -> str:
        """Python that builds the draft with the engine's API."""
        return codegen.spec_to_code(self.to_spec())

    def state(self) -> dict:
        """The `graph` trait (docs/protocol.md): everything a view renders."""
        analysis = self.analysis()
        outputs = analysis.outputs
        return {
            "name": self.name,
            "nodes": [self._node_state(n, analysis.nodes[n.id]) for n in self.nodes.values()],
            "edges": [
                {"source": _ref_json(r), "target": {"node": n.id, "arg": arg}}
                for n in self.nodes.values()
                for arg, refs in enumerate(n.sources)
                for r in refs
            ],
            "inputs": [n.id for n in self.nodes.values() if n.class_name == "InputLayer"],
            "outputs": [_ref_json(r) for r in outputs],
            "outputs_auto": self.explicit_outputs is None,
            "errors": list(analysis.errors),
            "valid": analysis.valid,
            "total_params": self.total_params,
        }

    @property
    def total_params(self) -> int | None:
        """The parameters of the model the draft builds; None while it is not valid."""
        analysis = self.analysis()
        return sum(analysis.nodes[n].params for n in analysis.used) if analysis.valid else None

    # --------------------------------------------------------------------- internals
    @contextlib.contextmanager
    def _edit(self, label: str):
        """One undo step: on any error the draft is restored as it was."""
        before = self._snapshot()
        try:
            yield
            changed = self._snapshot() != before
        except BaseException:
            self._restore(before)
            raise
        if not changed:
            return
        self._undo = [*self._undo[-(UNDO_LIMIT - 1) :], (label, before)]
        self._redo.clear()
        self.revision += 1

    def _snapshot(self) -> tuple:
        """The graph as immutable data: configs pickled, Refs as (node, output) pairs. No later
        edit reaches it, and the undo history's many snapshots cost the garbage collector
        nothing (it does not track tuples of strings, numbers and bytes)."""
        nodes = tuple(
            (
                node.id,
                node.class_name,
                pickle.dumps(node.config),
                tuple(_pairs(refs) for refs in node.sources),
                tuple(node.position),
            )
            for node in self.nodes.values()
        )
        outputs = self.explicit_outputs
        return self.name, nodes, None if outputs is None else _pairs(outputs)

    def _restore(self, snapshot) -> None:
        self.name, nodes, outputs = snapshot
        self.nodes = {
            node_id: DraftNode(
                node_id,
                class_name,
                pickle.loads(config),
                [[Ref(*r) for r in refs] for refs in sources],
                position,
            )
            for node_id, class_name, config, sources, position in nodes
        }
        self.explicit_outputs = None if outputs is None else [Ref(*r) for r in outputs]
        self.revision += 1

    def _node(self, node_id) -> DraftNode:
        if node_id not in self.nodes:
            raise DraftError(f"There is no node {node_id!r} in the graph.")
        return self.nodes[node_id]

    def _check_source(self, ref: Ref) -> None:
        self._node(ref.node)
        shapes = self.analysis().nodes[ref.node].output_shapes
        count = len(shapes) if shapes is not None else 1
        if ref.output >= count:
            raise DraftError(
                f"{ref.node!r} has {count} output(s); output {ref.output} does not exist."
            )

    def _check_arguments(self, class_name, config):
        known = {a["name"] for a in palette.arguments(class_name)} | {"name"}
        unknown = sorted(set(config) - known)
        if unknown:
            raise DraftError(
                f"{class_name} has no argument {', '.join(map(repr, unknown))}; its arguments "
                f"are {', '.join(sorted(known))}."
            )

    def _check_new_id(self, node_id) -> None:
        if not isinstance(node_id, str) or not node_id or len(node_id) > NAME_LIMIT:
            raise DraftError(f"A layer name is 1 to {NAME_LIMIT} characters, got {node_id!r}.")
        if "/" in node_id or "#" in node_id:
            raise DraftError(f"A layer name cannot contain '/' or '#', got {node_id!r}.")
        if node_id in self.nodes:
            raise DraftError(f"There is already a layer named {node_id!r}; names are unique.")

    def _new_id(self, base: str) -> str:
        if base not in self.nodes:
            return base
        return next(
            f"{base}_{i}" for i in range(1, len(self.nodes) + 2) if f"{base}_{i}" not in self.nodes
        )

    def _next_position(self):
        if not self.nodes:
            return (0.0, 0.0)
        x, y = list(self.nodes.values())[-1].position
        return (x, y + NEW_NODE_GAP)

    def _rename(self, old: str, new: str) -> None:
        self.nodes[old].id = new
        self.nodes = {(new if k == old else k): v for k, v in self.nodes.items()}

        def moved(ref):
            return Ref(new, ref.output) if ref.node == old else ref

        for other in self.nodes.values():
            other.sources = [[moved(r) for r in refs] for refs in other.sources]
        if self.explicit_outputs is not None:
            self.explicit_outputs = [moved(r) for r in self.explicit_outputs]

    def _parents(self, node_id) -> set:
        return {r.node for refs in self.nodes[node_id].sources for r in refs}

    def _ancestors(self, node_id) -> set:
        return self._ancestors_of({node_id})

    def _ancestors_of(self, ids: set) -> set:
        seen, stack = set(), list(ids)
        while stack:
            for parent in self._parents(stack.pop()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return seen

    def _topological_order(self) -> list:
        """Every node after the nodes it reads: a depth-first walk in creation order."""
        created = {node_id: i for i, node_id in enumerate(self.nodes)}
        parents = {n: sorted(self._parents(n), key=created.__getitem__) for n in self.nodes}
        return dag.postorder(self.nodes, parents)

    def _ends(self) -> list:
        """The layers nothing consumes (inputs aside): where the graph ends, in creation order."""
        consumed = {r.node for n in self.nodes.values() for refs in n.sources for r in refs}
        return [
            n for n in self.nodes.values() if n.id not in consumed and n.class_name != "InputLayer"
        ]

    def _automatic_outputs(self) -> list:
        """The ends whose inputs are all connected: a layer just dropped on the canvas, or one
        still being wired, is not silently made an output of the model."""
        return [Ref(n.id, 0) for n in self._ends() if _wired(n)]

    def _no_output_message(self) -> str:
        unwired = [n.id for n in self._ends() if not _wired(n)]
        if not unwired:
            return "Nothing is connected after the inputs yet, so the model has no output."
        return (
            f"No layer ends the model yet: connect the inputs of {', '.join(unwired)} (a layer "
            "with an unconnected input is not an output)."
        )

    def _layer_entry(self, node: DraftNode) -> dict:
        return {
            "class": node.class_name,
            "name": node.id,
            "config": {**node.config, "name": node.id},
        }

    def _spec_args(self, node: DraftNode) -> list:
        args = []
        for (_, kind, _), refs in zip(palette.ports(node.class_name), node.sources):
            if not refs:
                break
            args.append([_ref_json(r) for r in refs] if kind == "list" else _ref_json(refs[0]))
        return args

    def _node_state(self, node: DraftNode, result) -> dict:
        return {
            "id": node.id,
            "class": node.class_name,
            "config": copy.deepcopy(node.config),
            "args": [
                {
                    "name": name,
                    "kind": kind,
                    "optional": optional,
                    "sources": [_ref_json(r) for r in refs],
                }
                for (name, kind, optional), refs in zip(
                    palette.ports(node.class_name), node.sources
                )
            ],
            "position": {"x": node.position[0], "y": node.position[1]},
            "output_shapes": None
            if result.output_shapes is None
            else [list(s) for s in result.output_shapes],
            "params": result.params,
            "status": result.status,
            "error": result.error,
        }

    def _replace_with_spec(self, spec: dict) -> None:
        _check_text(spec, "the graph spec")
        self.name, self.nodes, self.explicit_outputs = spec_to_nodes(spec)
        if self.explicit_outputs == self._automatic_outputs():
            self.explicit_outputs = None
        self._apply_layout("down")

    def _apply_layout(self, direction: str) -> None:
        edges = [(r.node, n.id) for n in self.nodes.values() for refs in n.sources for r in refs]
        for node_id, position in layout.layout(list(self.nodes), edges, direction).items():
            self.nodes[node_id].position = position


def _wired(node: DraftNode) -> bool:
    return palette.inputs_connected(node.class_name, node.sources)


def _pairs(refs) -> tuple:
    return tuple((ref.node, ref.output) for ref in refs)


def _check_text(value, where: str) -> None:
    """Refuse text with a lone surrogate anywhere in `value`: no UTF-8 encodes it, so a draft
    holding it could never be shown."""
    for item, path, _ in json_values(value, where):
        problem = isinstance(item, str) and unencodable(item, path)
        if problem:
            raise DraftError(problem)


def _ref_json(ref: Ref) -> dict:
    return {"node": ref.node, "output": ref.output}


def _port_message(node, arg) -> str:
    ports = palette.ports(node.class_name)
    if not ports:
        return f"{node.id!r} is an {node.class_name}: it takes no inputs."
    names = ", ".join(f"{i}: {p[0]}" for i, p in enumerate(ports))
    return f"{node.id!r} ({node.class_name}) has no tensor argument {arg}; it has {names}."
