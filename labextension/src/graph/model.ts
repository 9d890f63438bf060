/**
 * The graph editor's state, with no DOM: the synced draft graph (as the kernel sent it)
 * plus what only the page knows (viewport, a drag or wire in progress, the selected edge,
 * form errors). It derives everything the views draw and turns gestures into intents.
 */
import type {
  ArgumentSpec,
  Config,
  Edge,
  ExportKind,
  Framework,
  GraphState,
  History,
  Intent,
  LayerCategory,
  NodeDiagnostic,
  NodeState,
  PaletteEntry,
  Port,
  Position,
  Ref
} from '../protocol';
import { formatParams, formatShapes } from '../format';
import { Signal } from '../signal';
import type { Problem } from '../widget';
import { formatArgument, parseArgument } from './arguments';
import {
  Box,
  boundsOf,
  edgeKey,
  edgePath,
  edgeShape,
  fitView,
  inputPortPosition,
  listPortWidth,
  nodeBox,
  outputCount,
  outputPortPosition,
  PORT_RADIUS,
  refKey,
  slotPosition,
  Viewport,
  zoomAt
} from './geometry';

export type Send = (intent: Intent) => Promise<Config | null>;

export interface EditorState {
  graph: GraphState;
  palette: PaletteEntry[];
  history: History;
  selection: string | null;
  code: string;
  diagnostics: NodeDiagnostic[];
}

export interface PortView {
  node: string;
  index: number;
  name: string;
  kind: 'single' | 'list';
  optional: boolean;
  position: Position;
  /** Drawn width: a circle's diameter, or a list port's pill. */
  width: number;
  /** How many tensors the port takes, written beside it ("2+" on a list port). */
  label: string | null;
  /** The tooltip: what the port takes and what is connected. */
  title: string;
  connected: boolean;
}

/** The tag on a model output's node; `extra` marks an automatic output beside the main one. */
export interface OutputTag {
  label: string;
  title: string;
  extra: boolean;
}

/** What the editor says when the graph ends in several layers that were not chosen as outputs. */
export interface OutputsNotice {
  text: string;
  /** The output that looks intended (the one furthest from the inputs): "Keep only" it. */
  main: Ref;
}

export interface NodeView {
  id: string;
  className: string;
  box: Box;
  status: NodeState['status'];
  error: string | null;
  shapes: string;
  params: string;
  selected: boolean;
  output: OutputTag | null;
  /** What the inspection found at this node (messages), shown as a badge. */
  diagnostics: string[];
  inputs: PortView[];
  outputs: PortView[];
}

export interface EdgeView {
  key: string;
  source: Ref;
  target: Port;
  path: string;
  arrow: string;
  selected: boolean;
}

export interface CanvasView {
  nodes: NodeView[];
  edges: EdgeView[];
  wire: string | null;
  wiring: boolean;
  viewport: Viewport;
}

export interface FormField {
  spec: ArgumentSpec;
  value: unknown;
  text: string;
  error: string | null;
}

export interface PaletteGroup {
  category: LayerCategory;
  entries: PaletteEntry[];
  /** Folded categories show their name only, so every category fits without a scroll. */
  open: boolean;
}

export type Command = 'undo' | 'redo' | 'delete' | 'cancel';

export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
}

/** The editor command a key press means, if any: Ctrl/Cmd+Z, Ctrl/Cmd+Shift+Z or Ctrl+Y, Delete. */
export function keyCommand(input: KeyInput): Command | null {
  const modifier = input.ctrlKey || input.metaKey;
  const key = input.key.toLowerCase();
  if (modifier && key === 'z') {
    return input.shiftKey ? 'redo' : 'undo';
  }
  if (modifier && key === 'y') {
    return 'redo';
  }
  if (!modifier && (input.key === 'Delete' || input.key === 'Backspace')) {
    return 'delete';
  }
  if (input.key === 'Escape') {
    return 'cancel';
  }
  return null;
}

/**
 * Palette entries by category, in the order the kernel sends them; empty categories left out;
 * `open` ones unfolded (all of them without `open`). With a search, only the layers whose name
 * (or first doc line) has it, every category that has one unfolded.
 */
export function groupPalette(
  palette: readonly PaletteEntry[],
  open: ReadonlySet<LayerCategory> | null = null,
  search = ''
): PaletteGroup[] {
  const wanted = search.trim().toLowerCase();
  const matches = (entry: PaletteEntry) =>
    entry.class.toLowerCase().includes(wanted) || entry.doc.toLowerCase().includes(wanted);
  const categories = [...new Set(palette.map(entry => entry.category))];
  return categories
    .map(category => ({
      category,
      entries: palette.filter(entry => entry.category === category && matches(entry)),
      open: wanted !== '' || open === null || open.has(category)
    }))
    .filter(group => group.entries.length > 0);
}

/** The categories open when an editor opens: what a first model needs. */
const FIRST_CATEGORIES: LayerCategory[] = ['input', 'core'];

/** A list argument (Add's `inputs`) takes at least two tensors (workbench/palette.py: LIST_MINIMUM). */
const LIST_PORT_LABEL = '2+';

/** "a", "a and b", "a, b and c". */
function listed(names: string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** How many layers each of `ids` reads from, directly or not: its distance from the inputs, roughly. */
function ancestorCounts(graph: GraphState, ids: string[]): Map<string, number> {
  const parents = new Map<string, string[]>();
  for (const edge of graph.edges) {
    parents.set(edge.target.node, [...(parents.get(edge.target.node) ?? []), edge.source.node]);
  }
  const counts = new Map<string, number>();
  for (const id of ids) {
    const seen = new Set<string>();
    const stack = [...(parents.get(id) ?? [])];
    while (stack.length > 0) {
      const parent = stack.pop() as string;
      if (!seen.has(parent)) {
        seen.add(parent);
        stack.push(...(parents.get(parent) ?? []));
      }
    }
    counts.set(id, seen.size);
  }
  return counts;
}

/**
 * The notice for a graph whose automatic outputs are several layers (each layer nothing
 * consumes, its inputs connected, is one): a layer left hanging would otherwise silently
 * become a second output.
 * Null when the outputs were chosen, or there is one.
 */
export function outputsNotice(graph: GraphState): OutputsNotice | null {
  if (!graph.outputs_auto || graph.outputs.length < 2) {
    return null;
  }
  const names = graph.outputs.map(ref => ref.node);
  const depth = ancestorCounts(graph, names);
  const main = graph.outputs.reduce((best, ref) =>
    (depth.get(ref.node) ?? 0) > (depth.get(best.node) ?? 0) ? ref : best
  );
  const others = graph.outputs.filter(ref => ref !== main).map(ref => ref.node);
  return {
    text:
      `${names.length} outputs: ${listed(names)}. Connect ${listed(others)} onward, ` +
      `delete ${others.length === 1 ? 'it' : 'them'}, or choose the outputs.`,
    main
  };
}

/** The output tag of each output node, by node id. */
function outputTags(graph: GraphState): Map<string, OutputTag> {
  const notice = outputsNotice(graph);
  const count = graph.outputs.length;
  const tags = new Map<string, OutputTag>();
  graph.outputs.forEach((ref, index) => {
    const extra = notice !== null && ref !== notice.main;
    const how = graph.outputs_auto ? 'automatic: nothing consumes this layer' : 'chosen';
    tags.set(ref.node, {
      label: count > 1 ? `output ${index + 1}` : 'output',
      title: `${count > 1 ? `Model output ${index + 1} of ${count}` : 'The model output'} (${how})`,
      extra
    });
  });
  return tags;
}

/** Problems that no edit or export can make obsolete: the page and kernel disagree, or are apart. */
const LASTING_PROBLEMS = new Set(['version_mismatch', 'protocol', 'disconnected']);

export const EMPTY_GRAPH: GraphState = {
  name: 'model',
  nodes: [],
  edges: [],
  inputs: [],
  outputs: [],
  outputs_auto: true,
  errors: [],
  valid: false,
  total_params: null
};

type Gesture =
  | { kind: 'drag'; node: string; grab: Position; moved: boolean }
  | { kind: 'wire'; source: Ref; from: Position; to: Position }
  | { kind: 'pan'; start: Position; origin: Viewport; moved: boolean };

/** A pointer travelling less than this (screen pixels) is a click, not a drag. */
const CLICK_SLOP = 3;

export class GraphEditorModel {
  readonly changed = new Signal<void>();

  state: EditorState = {
    graph: EMPTY_GRAPH,
    palette: [],
    history: { can_undo: false, can_redo: false, undo_label: null, redo_label: null },
    selection: null,
    code: '',
    diagnostics: []
  };
  viewport: Viewport = { x: 0, y: 0, scale: 1 };
  selectedEdge: string | null = null;
  /** What the banner shows: the last refused intent, until it is obsolete or dismissed. */
  problem: Problem | null = null;
  private openCategories = new Set<LayerCategory>(FIRST_CATEGORIES);
  private paletteSearch = '';

  private gesture: Gesture | null = null;
  private overrides = new Map<string, Position>();
  private fieldErrors = new Map<string, string>();
  private fitted = false;
  private fitAfterLayout = false;
  private canvasSize = { width: 0, height: 0 };

  constructor(private readonly send: Send) {}

  // ---------------------------------------------------------------- state from the kernel

  setState(update: Partial<EditorState>): void {
    if (update.graph !== undefined) {
      this.clearObsoleteProblem();
      this.overrides.clear();
      const edges = new Set(update.graph.edges.map(e => edgeKey(e.source, e.target)));
      if (this.selectedEdge !== null && !edges.has(this.selectedEdge)) {
        this.selectedEdge = null;
      }
    }
    if (update.selection !== undefined && update.selection !== this.state.selection) {
      this.fieldErrors.clear();
    }
    this.state = { ...this.state, ...update };
    if (update.graph !== undefined && this.fitAfterLayout) {
      this.fitAfterLayout = false;
      this.fit(this.canvasSize.width, this.canvasSize.height);
    }
    this.changed.emit();
  }

  /** Shows a problem (a refused intent, or one at the edge) in the banner. */
  showProblem(problem: Problem): void {
    this.problem = problem;
    this.changed.emit();
  }

  dismissProblem(): void {
    this.problem = null;
    this.changed.emit();
  }

  /** A refused edit or export says nothing about a graph that changed since, or a later export that worked. */
  private clearObsoleteProblem(): void {
    if (this.problem !== null && !LASTING_PROBLEMS.has(this.problem.code)) {
      this.problem = null;
    }
  }

  /** Centres the graph in a canvas of this size, once (later the user's pan and zoom stay). */
  fitOnce(width: number, height: number): void {
    this.canvasSize = { width, height };
    if (this.fitted || width <= 0 || height <= 0) {
      return;
    }
    this.fitted = true;
    this.fit(width, height);
  }

  /** Shows as much of the graph as fits at a readable scale (the Fit button): all of it, centred, or its start. */
  fit(width: number, height: number): void {
    const bounds = boundsOf(this.state.graph.nodes.map(n => nodeBox(n)));
    this.viewport = fitView(bounds, width, height);
    this.changed.emit();
  }

  // ------------------------------------------------------------------------ derived views

  node(id: string): NodeState | undefined {
    return this.state.graph.nodes.find(n => n.id === id);
  }

  selectedNode(): NodeState | null {
    return this.state.selection === null ? null : (this.node(this.state.selection) ?? null);
  }

  paletteEntry(className: string): PaletteEntry | undefined {
    return this.state.palette.find(entry => entry.class === className);
  }

  paletteGroups(): PaletteGroup[] {
    return groupPalette(this.state.palette, this.openCategories, this.paletteSearch);
  }

  /** Shows only the palette's layers whose name or description has `text` ('' shows all). */
  searchPalette(text: string): void {
    this.paletteSearch = text;
    this.changed.emit();
  }

  /** Folds a palette category, or unfolds it. */
  toggleCategory(category: LayerCategory): void {
    if (!this.openCategories.delete(category)) {
      this.openCategories.add(category);
    }
    this.changed.emit();
  }

  outputsNotice(): OutputsNotice | null {
    return outputsNotice(this.state.graph);
  }

  /** Makes the outputs exactly `ref` (the notice's "Keep only"). */
  keepOnlyOutput(ref: Ref): void {
    void this.send({ type: 'set_outputs', outputs: [ref] });
  }

  private positionOf(node: NodeState): Position {
    return this.overrides.get(node.id) ?? node.position;
  }

  private boxOf(node: NodeState): Box {
    return nodeBox(node, this.positionOf(node));
  }

  canvas(): CanvasView {
    const { graph, selection } = this.state;
    const connected = new Set(graph.edges.map(e => `${e.target.node}:${e.target.arg}`));
    const used = new Set(graph.edges.map(e => refKey(e.source)));
    const outputs = outputTags(graph);
    const findings = new Map<string, string[]>();
    for (const diagnostic of this.state.diagnostics) {
      findings.set(diagnostic.node, [...(findings.get(diagnostic.node) ?? []), diagnostic.message]);
    }
    const nodes = graph.nodes.map(node => {
      const box = this.boxOf(node);
      const count = outputCount(node);
      return {
        id: node.id,
        className: node.class,
        box,
        status: node.status,
        error: node.error,
        shapes: formatShapes(node.output_shapes),
        params: formatParams(node.params),
        selected: node.id === selection,
        output: outputs.get(node.id) ?? null,
        diagnostics: findings.get(node.id) ?? [],
        inputs: node.args.map((_, index) => inputPort(node, index, box, connected.has(`${node.id}:${index}`))),
        outputs: Array.from({ length: count }, (_, index) => ({
          node: node.id,
          index,
          name: `output ${index}`,
          kind: 'single' as const,
          optional: false,
          position: outputPortPosition(box, index, count),
          width: 2 * PORT_RADIUS,
          label: null,
          title: `output ${index}`,
          connected: used.has(`${node.id}:${index}`)
        }))
      };
    });
    const byId = new Map(nodes.map(n => [n.id, n]));
    const edges: EdgeView[] = [];
    for (const edge of graph.edges) {
      const from = byId.get(edge.source.node)?.outputs[edge.source.output]?.position;
      const port = byId.get(edge.target.node)?.inputs[edge.target.arg];
      if (from !== undefined && port !== undefined) {
        const key = edgeKey(edge.source, edge.target);
        edges.push({
          key,
          source: edge.source,
          target: edge.target,
          ...edgeShape(from, this.entryPoint(edge, port)),
          selected: key === this.selectedEdge
        });
      }
    }
    const wire = this.gesture?.kind === 'wire' ? edgePath(this.gesture.from, this.gesture.to) : null;
    return { nodes, edges, wire, wiring: wire !== null, viewport: this.viewport };
  }

  /** Where an edge enters its input port: a list port gives each of its edges a slot of its own. */
  private entryPoint(edge: Edge, port: PortView): Position {
    if (port.kind === 'single') {
      return port.position;
    }
    const sources = this.node(port.node)?.args[port.index].sources ?? [];
    const slot = sources.findIndex(ref => refKey(ref) === refKey(edge.source));
    return slotPosition(port.position, port.width, slot, sources.length);
  }

  /** The selected node's arguments as form fields, with Keras defaults for unset ones. */
  form(): FormField[] {
    const node = this.selectedNode();
    const entry = node === null ? undefined : this.paletteEntry(node.class);
    if (node === null || entry === undefined) {
      return [];
    }
    return entry.arguments.map(spec => {
      const value = spec.name in node.config ? node.config[spec.name] : spec.default;
      return { spec, value, text: formatArgument(value), error: this.fieldErrors.get(spec.name) ?? null };
    });
  }

  /** The status bar: whether the graph is a model, its size, and the layers that are not
   * part of it yet (a node waiting for an input or in error is left out of a valid model). */
  summary(): { text: string; errors: string[]; valid: boolean; leftOut: number } {
    const { graph } = this.state;
    const count = graph.nodes.length;
    const layers = `${count} layer${count === 1 ? '' : 's'}`;
    const params = graph.total_params === null ? '' : ` · ${formatParams(graph.total_params)}`;
    const leftOut = graph.nodes.filter(node => node.status !== 'ok').length;
    return { text: `${layers}${params}`, errors: graph.errors, valid: graph.valid, leftOut };
  }

  // ------------------------------------------------------------------------------ intents

  addLayer(className: string, position?: Position): Promise<Config | null> {
    const intent: Intent =
      position === undefined
        ? { type: 'add_layer', class_name: className }
        : { type: 'add_layer', class_name: className, position: roundPosition(position) };
    return this.send(intent);
  }

  /** Selects at once (a key pressed right after the click acts on this node) and tells the kernel. */
  select(node: string | null): void {
    this.selectedEdge = null;
    if (node !== this.state.selection) {
      this.fieldErrors.clear();
      this.state = { ...this.state, selection: node };
      void this.send({ type: 'select', node });
    }
    this.changed.emit();
  }

  selectEdge(key: string | null): void {
    this.selectedEdge = key;
    this.changed.emit();
  }

  undo(): void {
    if (this.state.history.can_undo) {
      void this.send({ type: 'undo' });
    }
  }

  redo(): void {
    if (this.state.history.can_redo) {
      void this.send({ type: 'redo' });
    }
  }

  /** Lays the graph out and, when the new positions arrive, fits it in view. */
  autoLayout(direction: 'down' | 'right' = 'down'): void {
    this.fitAfterLayout = true;
    void this.send({ type: 'auto_layout', direction }).then(result => {
      this.fitAfterLayout = this.fitAfterLayout && result !== null;
    });
  }

  deleteSelection(): void {
    const edge = this.selectedEdgeValue();
    if (edge !== null) {
      this.selectedEdge = null;
      void this.send({ type: 'disconnect', source: edge.source, target: edge.target });
    } else if (this.state.selection !== null) {
      void this.send({ type: 'delete', nodes: [this.state.selection] });
    }
  }

  /** Runs a keyboard command; false when the key means nothing here. */
  command(command: Command | null): boolean {
    switch (command) {
      case 'undo':
        this.undo();
        return true;
      case 'redo':
        this.redo();
        return true;
      case 'delete':
        this.deleteSelection();
        return true;
      case 'cancel':
        this.gesture = null;
        this.selectEdge(null);
        return true;
      default:
        return false;
    }
  }

  /** Applies a form field; returns the parse error (nothing is sent then), or null. */
  setArgument(name: string, input: string | boolean): string | null {
    const node = this.selectedNode();
    const spec = this.form().find(field => field.spec.name === name)?.spec;
    if (node === null || spec === undefined) {
      return null;
    }
    const parsed = parseArgument(spec, input);
    if (!parsed.ok) {
      this.fieldErrors.set(name, parsed.error);
      this.changed.emit();
      return parsed.error;
    }
    this.fieldErrors.delete(name);
    this.changed.emit();
    void this.send({ type: 'update_config', node: node.id, config: { [name]: parsed.value } });
    return null;
  }

  /** Makes a node one of the model's outputs (appended) or no longer one. */
  setOutput(node: string, output: boolean): void {
    const { outputs } = this.state.graph;
    const kept = outputs.filter(ref => ref.node !== node);
    const next = output ? [...kept, { node, output: 0 }] : kept;
    void this.send({ type: 'set_outputs', outputs: next });
  }

  /** Goes back to automatic outputs: every node nothing else consumes. */
  automaticOutputs(): void {
    void this.send({ type: 'set_outputs', outputs: [] });
  }

  /** Replaces the graph by a graph spec read from a file (its text); false if it is not JSON. */
  loadSpecText(text: string): boolean {
    let spec: unknown;
    try {
      spec = JSON.parse(text);
    } catch {
      return false;
    }
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
      return false;
    }
    this.fitAfterLayout = true;
    void this.send({ type: 'load_spec', spec: spec as Config });
    return true;
  }

  /** Asks the kernel for the model as a file; it arrives as a `download` event. */
  exportModel(kind: ExportKind, framework?: Framework): Promise<Config | null> {
    const intent: Intent = framework === undefined ? { type: 'export', kind } : { type: 'export', kind, framework };
    return this.send(intent).then(result => {
      if (result !== null) {
        this.clearObsoleteProblem();
        this.changed.emit();
      }
      return result;
    });
  }

  rename(name: string): void {
    const node = this.selectedNode();
    const trimmed = name.trim();
    if (node !== null && trimmed !== '' && trimmed !== node.id) {
      void this.send({ type: 'update_config', node: node.id, config: { name: trimmed } });
    }
  }

  private selectedEdgeValue(): Edge | null {
    return this.state.graph.edges.find(e => edgeKey(e.source, e.target) === this.selectedEdge) ?? null;
  }

  // ----------------------------------------------------------------------------- gestures
  // Points are canvas coordinates except where named `screen`.

  pressNode(id: string, point: Position): void {
    const node = this.node(id);
    if (node === undefined) {
      return;
    }
    const at = this.positionOf(node);
    this.gesture = { kind: 'drag', node: id, grab: { x: point.x - at.x, y: point.y - at.y }, moved: false };
  }

  pressOutput(source: Ref, point: Position): void {
    const from = this.canvas().nodes.find(n => n.id === source.node)?.outputs[source.output]?.position;
    if (from !== undefined) {
      this.gesture = { kind: 'wire', source, from, to: point };
      this.changed.emit();
    }
  }

  pressBackground(screen: Position): void {
    this.gesture = { kind: 'pan', start: screen, origin: this.viewport, moved: false };
  }

  move(point: Position, screen: Position): void {
    const gesture = this.gesture;
    if (gesture === null) {
      return;
    }
    if (gesture.kind === 'drag') {
      const node = this.node(gesture.node);
      if (node === undefined) {
        return;
      }
      const target = { x: point.x - gesture.grab.x, y: point.y - gesture.grab.y };
      const current = this.positionOf(node);
      const distance = Math.hypot(target.x - current.x, target.y - current.y) * this.viewport.scale;
      if (gesture.moved || distance >= CLICK_SLOP) {
        gesture.moved = true;
        this.overrides.set(gesture.node, target);
      }
    } else if (gesture.kind === 'wire') {
      gesture.to = point;
    } else {
      const dx = screen.x - gesture.start.x;
      const dy = screen.y - gesture.start.y;
      gesture.moved = gesture.moved || Math.hypot(dx, dy) >= CLICK_SLOP;
      this.viewport = { ...gesture.origin, x: gesture.origin.x + dx, y: gesture.origin.y + dy };
    }
    this.changed.emit();
  }

  /** Ends a gesture; `port` is the input port under the pointer, if any. */
  release(port: Port | null): void {
    const gesture = this.gesture;
    this.gesture = null;
    if (gesture === null) {
      return;
    }
    if (gesture.kind === 'drag') {
      const position = this.overrides.get(gesture.node);
      if (gesture.moved && position !== undefined) {
        void this.send({ type: 'move', positions: { [gesture.node]: roundPosition(position) } }).then(result => {
          if (result === null) {
            this.overrides.delete(gesture.node);
            this.changed.emit();
          }
        });
      } else {
        this.select(gesture.node);
      }
    } else if (gesture.kind === 'wire') {
      if (port !== null && port.node !== gesture.source.node) {
        void this.send({ type: 'connect', source: gesture.source, target: port });
      }
    } else if (!gesture.moved) {
      this.select(null);
    }
    this.changed.emit();
  }

  wheel(screen: Position, deltaY: number): void {
    this.viewport = zoomAt(this.viewport, screen, Math.exp(-deltaY * 0.0015));
    this.changed.emit();
  }

  zoomBy(factor: number, screen: Position): void {
    this.viewport = zoomAt(this.viewport, screen, factor);
    this.changed.emit();
  }
}

/** An input port as drawn: a circle, or a pill taking several edges for a list argument. */
function inputPort(node: NodeState, index: number, box: Box, connected: boolean): PortView {
  const arg = node.args[index];
  const list = arg.kind === 'list';
  const taken = list
    ? `connect two or more tensors here (${arg.sources.length} connected)`
    : `connect one tensor here${arg.optional ? ' (optional)' : ''}`;
  return {
    node: node.id,
    index,
    name: arg.name,
    kind: arg.kind,
    optional: arg.optional,
    position: inputPortPosition(box, index, node.args.length),
    width: list ? listPortWidth(arg.sources.length) : 2 * PORT_RADIUS,
    label: list ? LIST_PORT_LABEL : null,
    title: `${arg.name}: ${taken}`,
    connected
  };
}

function roundPosition(position: Position): Position {
  return { x: Math.round(position.x), y: Math.round(position.y) };
}
