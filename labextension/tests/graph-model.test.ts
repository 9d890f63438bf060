import { beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  ARROW_LENGTH,
  fitView,
  listPortWidth,
  NODE_HEIGHT,
  NODE_TEXT_PX,
  NODE_WIDTH,
  PORT_RADIUS,
  READABLE_SCALE,
  READABLE_TEXT_PX,
  toScreen
} from '../src/graph/geometry';
import { EditorState, GraphEditorModel, groupPalette, keyCommand } from '../src/graph/model';
import {
  checkDiagnostics,
  checkGraph,
  checkHistory,
  checkPalette,
  GraphState,
  Intent,
  NodeState,
  parseKernelMessage,
  Ref
} from '../src/protocol';
import { eventFixture, fixture } from './fixtures';

function loadState(name: string): EditorState {
  const raw = fixture(name);
  return {
    graph: checkGraph(raw.graph),
    palette: checkPalette(raw.palette),
    history: checkHistory(raw.history),
    selection: raw.selection,
    code: raw.code,
    diagnostics: checkDiagnostics(raw.diagnostics)
  };
}

/** A node whose tensor arguments read from `sources` (one list each). */
function layer(
  id: string,
  className: string,
  x: number,
  y: number,
  args: [string, 'single' | 'list', string[]][]
): NodeState {
  return {
    id,
    class: className,
    config: {},
    args: args.map(([name, kind, sources]) => ({
      name,
      kind,
      optional: false,
      sources: sources.map(node => ({ node, output: 0 }))
    })),
    position: { x, y },
    output_shapes: [[null, 4]],
    params: 0,
    status: 'ok',
    error: null
  };
}

/** A graph of these nodes, its edges read from their arguments. */
function graphOf(nodes: NodeState[], outputs: string[], outputsAuto = true): GraphState {
  const edges = nodes.flatMap(node =>
    node.args.flatMap((arg, index) => arg.sources.map(source => ({ source, target: { node: node.id, arg: index } })))
  );
  const refs: Ref[] = outputs.map(node => ({ node, output: 0 }));
  return {
    name: 'model',
    nodes,
    edges,
    inputs: ['x'],
    outputs: refs,
    outputs_auto: outputsAuto,
    errors: [],
    valid: true,
    total_params: 0
  };
}

/** x -> a -> out, and x -> dense_3 left hanging: two automatic outputs. */
const TWO_ENDS = graphOf(
  [
    layer('x', 'InputLayer', 0, 0, []),
    layer('a', 'Dense', 0, 120, [['inputs', 'single', ['x']]]),
    layer('out', 'Dense', 0, 240, [['inputs', 'single', ['a']]]),
    layer('dense_3', 'Dense', 200, 120, [['inputs', 'single', ['x']]])
  ],
  ['out', 'dense_3']
);

/** a and b added: one list port with two edges. */
const MERGE = graphOf(
  [
    layer('x', 'InputLayer', 0, 0, []),
    layer('a', 'Dense', -100, 120, [['inputs', 'single', ['x']]]),
    layer('b', 'Dense', 100, 120, [['inputs', 'single', ['x']]]),
    layer('add', 'Add', 0, 240, [['inputs', 'list', ['a', 'b']]])
  ],
  ['add']
);

describe('GraphEditorModel', () => {
  let sent: Intent[];
  let reply: Record<string, unknown> | null;
  let model: GraphEditorModel;

  beforeEach(() => {
    sent = [];
    reply = {};
    model = new GraphEditorModel(intent => {
      sent.push(intent);
      return Promise.resolve(reply);
    });
    model.setState(loadState('editor_state.json'));
  });

  describe('view data', () => {
    it('draws each node with its output shape and parameter count', () => {
      const nodes = model.canvas().nodes;
      expect(nodes.map(n => [n.id, n.shapes, n.params])).toEqual([
        ['input_layer', '(None, 28, 28, 1)', '0 params'],
        ['flatten', '(None, 784)', '0 params'],
        ['dense', '(None, 10)', '7,850 params']
      ]);
      expect(nodes.map(n => n.status)).toEqual(['ok', 'ok', 'ok']);
      expect(nodes.map(n => n.output?.label ?? null)).toEqual([null, null, 'output']);
    });

    it('gives input layers no input port and other layers one per tensor argument', () => {
      const [input, flatten] = model.canvas().nodes;
      expect(input.inputs).toEqual([]);
      expect(flatten.inputs.map(p => [p.name, p.connected])).toEqual([['inputs', true]]);
      expect(input.outputs).toHaveLength(1);
      expect(flatten.inputs[0].position.y).toBe(flatten.box.y);
      expect(flatten.outputs[0].position.y).toBe(flatten.box.y + NODE_HEIGHT);
    });

    it('draws an edge from the output port to an arrowhead on the input port, leaving both ports visible', () => {
      const view = model.canvas();
      expect(view.edges.map(e => e.key)).toEqual(['input_layer:0->flatten:0', 'flatten:0->dense:0']);
      const from = view.nodes[0].outputs[0].position;
      const to = view.nodes[1].inputs[0].position;
      const [start, end] = [from.y + PORT_RADIUS, to.y - PORT_RADIUS];
      expect(view.edges[0].path.startsWith(`M ${from.x} ${start} C`)).toBe(true);
      expect(view.edges[0].path.endsWith(`${to.x} ${end - ARROW_LENGTH}`)).toBe(true);
      expect(view.edges[0].arrow).toMatch(new RegExp(`L ${to.x} ${end} Z$`));
    });

    it('shows a node with an error in error status with its message, and a taller box', () => {
      model.setState(loadState('editor_state_error.json'));
      const conv = model.canvas().nodes.find(n => n.id === 'conv2d')!;
      expect(conv.status).toBe('error');
      expect(conv.error).toMatch(/Conv2D.*expects inputs of rank 4.*\(None, 784\)/);
      expect(conv.shapes).toBe('?');
      expect(conv.box.height).toBeGreaterThan(NODE_HEIGHT);
      expect(model.summary()).toMatchObject({ valid: false });
    });

    it('groups the palette by category, inputs first', () => {
      const groups = model.paletteGroups();
      expect(groups[0]).toMatchObject({ category: 'input' });
      expect(groups[0].entries.map(e => e.class)).toEqual(['InputLayer']);
      expect(groups.flatMap(g => g.entries)).toHaveLength(model.state.palette.length);
    });

    it('shows categories in the order the kernel sends them, a new one included', () => {
      const entry = (cls: string, category: string) => ({ class: cls, category, doc: '', args: [], arguments: [] });
      const palette = [entry('Rescaling', 'preprocessing'), entry('Dense', 'core'), entry('Resizing', 'preprocessing')];
      expect(groupPalette(palette).map(g => [g.category, g.open, g.entries.map(e => e.class)])).toEqual([
        ['preprocessing', true, ['Rescaling', 'Resizing']],
        ['core', true, ['Dense']]
      ]);
      expect(groupPalette(palette, new Set(['core'])).map(g => g.open)).toEqual([false, true]);
    });

    it('summarises the graph', () => {
      expect(model.summary()).toEqual({ text: '3 layers · 7,850 params', errors: [], valid: true, leftOut: 0 });
    });

    it('counts the layers a valid model leaves out (waiting for an input or in error)', () => {
      const { graph } = model.state;
      const waiting = {
        ...graph.nodes[1],
        id: 'loose',
        status: 'waiting' as const,
        error: 'Connect a tensor to `inputs`.'
      };
      model.setState({ graph: { ...graph, nodes: [...graph.nodes, waiting] } });
      expect(model.summary()).toMatchObject({ valid: true, leftOut: 1 });
    });
  });

  describe('diagnostics', () => {
    it('puts what the inspection found on its node, as a badge', () => {
      expect(model.canvas().nodes.every(n => n.diagnostics.length === 0)).toBe(true);
      model.setState({ diagnostics: checkDiagnostics(fixture('editor_diagnostics.json')) });
      const nodes = Object.fromEntries(model.canvas().nodes.map(n => [n.id, n.diagnostics]));
      expect(nodes.dense).toEqual(['dense: 87% of ReLU units have output 0 for 200 steps.']);
      expect(nodes.flatten).toEqual([]);
    });

    it('refuses a diagnostic without a message', () => {
      expect(() => checkDiagnostics([{ id: 'dead_units', node: 'dense', step: 1 }])).toThrow(/message/);
    });
  });

  describe('outputs', () => {
    it('adds a node to the outputs after the current ones', () => {
      model.setOutput('flatten', true);
      expect(sent).toEqual([
        {
          type: 'set_outputs',
          outputs: [
            { node: 'dense', output: 0 },
            { node: 'flatten', output: 0 }
          ]
        }
      ]);
    });

    it('removes a node from the outputs, and goes back to automatic ones', () => {
      model.setOutput('dense', false);
      model.automaticOutputs();
      expect(sent).toEqual([
        { type: 'set_outputs', outputs: [] },
        { type: 'set_outputs', outputs: [] }
      ]);
    });
  });

  describe('automatic outputs', () => {
    it('says so when the graph ends in several layers, naming the one to connect onward', () => {
      model.setState({ graph: TWO_ENDS });
      expect(model.outputsNotice()).toEqual({
        text: '2 outputs: out and dense_3. Connect dense_3 onward, delete it, or choose the outputs.',
        main: { node: 'out', output: 0 }
      });
      const tags = Object.fromEntries(model.canvas().nodes.map(n => [n.id, n.output]));
      expect(tags.out).toMatchObject({ label: 'output 1', extra: false });
      expect(tags.dense_3).toMatchObject({ label: 'output 2', extra: true });
      expect(tags.dense_3!.title).toMatch(/automatic/);
      expect(tags.a).toBeNull();
      model.keepOnlyOutput(model.outputsNotice()!.main);
      expect(sent).toEqual([{ type: 'set_outputs', outputs: [{ node: 'out', output: 0 }] }]);
    });

    it('says nothing of outputs that were chosen, or of one output', () => {
      model.setState({ graph: { ...TWO_ENDS, outputs_auto: false } });
      expect(model.outputsNotice()).toBeNull();
      expect(model.canvas().nodes.filter(n => n.output?.extra)).toEqual([]);
      expect(model.canvas().nodes.find(n => n.id === 'dense_3')!.output!.title).toMatch(/chosen/);
      model.setState(loadState('editor_state.json'));
      expect(model.outputsNotice()).toBeNull();
    });
  });

  describe('list ports', () => {
    it('draw as a pill labelled 2+ whose tooltip asks for two or more tensors', () => {
      model.setState({ graph: MERGE });
      const add = model.canvas().nodes.find(n => n.id === 'add')!;
      expect(add.inputs[0]).toMatchObject({ kind: 'list', label: '2+', width: listPortWidth(2) });
      expect(add.inputs[0].title).toBe('inputs: connect two or more tensors here (2 connected)');
      expect(listPortWidth(5)).toBeGreaterThan(listPortWidth(2));
      const dense = model.canvas().nodes.find(n => n.id === 'a')!;
      expect(dense.inputs[0]).toMatchObject({ label: null, width: 2 * PORT_RADIUS });
    });

    it('give each edge its own slot, so both arrows show', () => {
      model.setState({ graph: MERGE });
      const view = model.canvas();
      const port = view.nodes.find(n => n.id === 'add')!.inputs[0];
      const tips = view.edges.filter(e => e.target.node === 'add').map(e => Number(/L (\S+) \S+ Z$/.exec(e.arrow)![1]));
      expect(tips).toHaveLength(2);
      expect(tips[0]).toBeLessThan(tips[1]);
      for (const x of tips) {
        expect(Math.abs(x - port.position.x)).toBeLessThan(port.width / 2);
      }
    });

    it('take a second edge dragged onto them, as the first', () => {
      model.setState({ graph: MERGE });
      model.pressOutput({ node: 'x', output: 0 }, { x: 0, y: 0 });
      model.move({ x: 0, y: 200 }, { x: 0, y: 0 });
      model.release({ node: 'add', arg: 0 });
      expect(sent).toEqual([{ type: 'connect', source: { node: 'x', output: 0 }, target: { node: 'add', arg: 0 } }]);
    });
  });

  describe('the banner', () => {
    const refused = { message: 'Only a valid model can be exported; first fix: dense', code: 'rejected' };

    it('clears a refused export when a later export works', async () => {
      reply = null;
      await model.exportModel('spec');
      model.showProblem(refused);
      expect(model.problem).toEqual(refused);
      reply = { filename: 'model.json', bytes: 10 };
      await model.exportModel('spec');
      expect(model.problem).toBeNull();
    });

    it('clears a refused intent when the graph changes, but not a version mismatch', () => {
      model.showProblem(refused);
      model.setState({ selection: 'dense' });
      expect(model.problem).toEqual(refused);
      model.setState({ graph: MERGE });
      expect(model.problem).toBeNull();
      const mismatch = { message: 'This page speaks widget protocol version 1', code: 'version_mismatch' };
      model.showProblem(mismatch);
      model.setState({ graph: TWO_ENDS });
      expect(model.problem).toEqual(mismatch);
      model.dismissProblem();
      expect(model.problem).toBeNull();
    });
  });

  describe('the palette', () => {
    it('opens with the input and core layers unfolded, and folds a category on request', () => {
      const open = () =>
        model
          .paletteGroups()
          .filter(g => g.open)
          .map(g => g.category);
      expect(open()).toEqual(['input', 'core']);
      model.toggleCategory('merging');
      model.toggleCategory('input');
      expect(open()).toEqual(['core', 'merging']);
    });

    it('searches layer names and descriptions, unfolding every category with a match', () => {
      const shown = () => model.paletteGroups().map(g => [g.category, g.open, g.entries.map(e => e.class)]);
      model.searchPalette(' pool');
      const pooling = model.state.palette.filter(e => e.category === 'pooling').map(e => e.class);
      expect(pooling.length).toBeGreaterThan(2);
      expect(shown()).toEqual([['pooling', true, pooling]]); // every name has "Pool", no doc
      model.searchPalette('LSTM');
      const lstm = model.state.palette
        .filter(e => `${e.class} ${e.doc}`.toLowerCase().includes('lstm'))
        .map(e => e.class);
      expect(lstm).toEqual(expect.arrayContaining(['Masking', 'ConvLSTM2D', 'LSTM', 'LSTMCell']));
      // Masking's description names the LSTM that skips masked steps
      expect(shown()).toEqual([
        ['core', true, ['Masking']],
        ['recurrent', true, lstm.filter(name => name !== 'Masking')]
      ]);
      model.searchPalette('no such layer');
      expect(shown()).toEqual([]);
      model.searchPalette('');
      expect(
        model
          .paletteGroups()
          .filter(g => g.open)
          .map(g => g.category)
      ).toEqual(['input', 'core']);
    });
  });

  describe('files', () => {
    it('loads a graph spec from a file, and refuses what is not a JSON object', () => {
      expect(model.loadSpecText('{"format": "model-workbench.graph"}')).toBe(true);
      expect(model.loadSpecText('not json')).toBe(false);
      expect(model.loadSpecText('[1, 2]')).toBe(false);
      expect(sent).toEqual([{ type: 'load_spec', spec: { format: 'model-workbench.graph' } }]);
    });

    it('asks for code with its framework and for files without one', async () => {
      await model.exportModel('code', 'torch');
      await model.exportModel('onnx');
      expect(sent).toEqual([
        { type: 'export', kind: 'code', framework: 'torch' },
        { type: 'export', kind: 'onnx' }
      ]);
    });

    it("reads the kernel's download event: a file name and its bytes", () => {
      const { message, buffers } = eventFixture('download');
      const event = parseKernelMessage(message, buffers);
      expect(event).toMatchObject({ type: 'download', filename: 'model.json', mime: 'application/json' });
      const ref = (event as { data: { buffer: number } }).data;
      const text = new TextDecoder().decode(buffers[ref.buffer]);
      expect(JSON.parse(text)).toMatchObject({ format: 'model-workbench.graph', version: 1 });
    });
  });

  describe('the argument form', () => {
    it('has no fields without a selection', () => {
      model.setState({ selection: null });
      expect(model.form()).toEqual([]);
    });

    it("shows the selected node's config with Keras defaults", () => {
      model.setState({ selection: 'dense' });
      const fields = Object.fromEntries(model.form().map(f => [f.spec.name, f.text]));
      expect(fields).toMatchObject({
        units: '10',
        activation: 'linear',
        use_bias: 'true',
        kernel_initializer: 'glorot_uniform'
      });
    });

    it('sends a parsed value, and keeps a parse error local', () => {
      model.setState({ selection: 'dense' });
      expect(model.setArgument('units', '64')).toBeNull();
      expect(sent).toEqual([{ type: 'update_config', node: 'dense', config: { units: 64 } }]);
      expect(model.setArgument('units', 'lots')).toMatch(/must be an integer/);
      expect(sent).toHaveLength(1);
      expect(model.form().find(f => f.spec.name === 'units')!.error).toMatch(/must be an integer/);
    });

    it('renames through update_config', () => {
      model.setState({ selection: 'dense' });
      model.rename(' classifier ');
      model.rename('dense');
      expect(sent).toEqual([{ type: 'update_config', node: 'dense', config: { name: 'classifier' } }]);
    });
  });

  describe('gestures', () => {
    const centre = (id: string) => model.node(id)!.position;

    it('connects an output port to an input port', () => {
      model.pressOutput({ node: 'input_layer', output: 0 }, centre('input_layer'));
      model.move({ x: 300, y: 300 }, { x: 0, y: 0 });
      expect(model.canvas().wire).toMatch(/^M /);
      model.release({ node: 'dense', arg: 0 });
      expect(sent).toEqual([
        { type: 'connect', source: { node: 'input_layer', output: 0 }, target: { node: 'dense', arg: 0 } }
      ]);
      expect(model.canvas().wire).toBeNull();
    });

    it('drops a wire on nothing, or on its own node, without sending', () => {
      model.pressOutput({ node: 'flatten', output: 0 }, centre('flatten'));
      model.release(null);
      model.pressOutput({ node: 'flatten', output: 0 }, centre('flatten'));
      model.release({ node: 'flatten', arg: 0 });
      expect(sent).toEqual([]);
    });

    it('moves a dragged node with one move intent, on drop', () => {
      const start = centre('dense');
      model.pressNode('dense', start);
      model.move({ x: start.x + 40.4, y: start.y + 10 }, { x: 0, y: 0 });
      model.move({ x: start.x + 80.4, y: start.y + 20.6 }, { x: 0, y: 0 });
      expect(model.canvas().nodes[2].box.x).toBeCloseTo(start.x + 80.4 - NODE_WIDTH / 2);
      expect(sent).toEqual([]);
      model.release(null);
      expect(sent).toEqual([{ type: 'move', positions: { dense: { x: start.x + 80, y: start.y + 21 } } }]);
    });

    it('selects a node clicked without moving', () => {
      model.pressNode('flatten', centre('flatten'));
      model.release(null);
      expect(sent).toEqual([{ type: 'select', node: 'flatten' }]);
    });

    it('pans with a background drag, and clears the selection on a background click', () => {
      model.setState({ selection: 'dense' });
      const before = model.viewport;
      model.pressBackground({ x: 100, y: 100 });
      model.move({ x: 0, y: 0 }, { x: 130, y: 90 });
      model.release(null);
      expect(model.viewport).toEqual({ ...before, x: before.x + 30, y: before.y - 10 });
      expect(sent).toEqual([]);
      model.pressBackground({ x: 100, y: 100 });
      model.release(null);
      expect(sent).toEqual([{ type: 'select', node: null }]);
    });

    it('zooms around the pointer', () => {
      const screen = { x: 200, y: 150 };
      const anchor = {
        x: (screen.x - model.viewport.x) / model.viewport.scale,
        y: (screen.y - model.viewport.y) / model.viewport.scale
      };
      model.wheel(screen, -200);
      expect(model.viewport.scale).toBeGreaterThan(1);
      const after = toScreen(model.viewport, anchor);
      expect(after.x).toBeCloseTo(screen.x);
      expect(after.y).toBeCloseTo(screen.y);
    });

    it('adds a dropped layer where it was dropped', async () => {
      await model.addLayer('Dropout', { x: 10.2, y: 250.7 });
      expect(sent).toEqual([{ type: 'add_layer', class_name: 'Dropout', position: { x: 10, y: 251 } }]);
    });
  });

  describe('commands', () => {
    it('maps keys to commands', () => {
      const key = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean }> = {}) =>
        keyCommand({ key, ctrlKey: false, metaKey: false, shiftKey: false, ...mods });
      expect(key('z', { ctrlKey: true })).toBe('undo');
      expect(key('Z', { ctrlKey: true, shiftKey: true })).toBe('redo');
      expect(key('z', { metaKey: true, shiftKey: true })).toBe('redo');
      expect(key('y', { ctrlKey: true })).toBe('redo');
      expect(key('Delete')).toBe('delete');
      expect(key('Backspace')).toBe('delete');
      expect(key('Escape')).toBe('cancel');
      expect(key('z')).toBeNull();
    });

    it('undoes only when there is something to undo', () => {
      model.command('undo');
      model.command('redo');
      expect(sent).toEqual([{ type: 'undo' }]);
    });

    it('deletes the selected edge before the selected node', () => {
      model.setState({ selection: 'dense' });
      model.selectEdge('flatten:0->dense:0');
      model.command('delete');
      model.command('delete');
      expect(sent).toEqual([
        { type: 'disconnect', source: { node: 'flatten', output: 0 }, target: { node: 'dense', arg: 0 } },
        { type: 'delete', nodes: ['dense'] }
      ]);
    });

    it('forgets a selected edge the new graph no longer has', () => {
      model.selectEdge('flatten:0->dense:0');
      const state = loadState('editor_state.json');
      model.setState({ graph: { ...state.graph, edges: [] } });
      expect(model.selectedEdge).toBeNull();
    });
  });
});

describe('fitting the graph in view', () => {
  const tall = { x: 0, y: 0, width: 200, height: 3000 };

  it('centres a graph that fits', () => {
    const view = fitView({ x: 0, y: 0, width: 200, height: 100 }, 800, 600);
    expect(view).toEqual({ x: 300, y: 250, scale: 1 });
  });

  it('keeps a deep graph readable and shows its start', () => {
    const view = fitView(tall, 800, 600);
    expect(view.scale).toBe(READABLE_SCALE);
    expect(view.y).toBe(40); // the top (inputs) at the margin
    expect(view.x).toBe(400 - 100 * READABLE_SCALE); // still centred across
  });

  it('never shrinks node text below the readable size, however small the canvas', () => {
    for (const [width, height] of [
      [100, 100],
      [300, 480],
      [1200, 200]
    ]) {
      expect(NODE_TEXT_PX * fitView(tall, width, height).scale).toBeGreaterThanOrEqual(READABLE_TEXT_PX);
    }
  });

  it('knows the smallest text size the stylesheets give a node', () => {
    const css = ['base.css', 'graph_editor.css']
      .map(name => readFileSync(new URL(`../src/styles/${name}`, import.meta.url), 'utf8'))
      .join('\n');
    const sizes = [...css.matchAll(/\.wb-node[\w-]*\s*\{[^}]*font-size:\s*(\d+)px/g)].map(m => Number(m[1]));
    expect(sizes.length).toBeGreaterThan(0);
    expect(Math.min(...sizes)).toBe(NODE_TEXT_PX);
  });
});

describe('a model fitted in a small canvas', () => {
  it('keeps node text readable, as opened and on Fit', () => {
    const model = new GraphEditorModel(() => Promise.resolve({}));
    model.setState(loadState('editor_state.json'));
    model.fitOnce(120, 100);
    expect(NODE_TEXT_PX * model.viewport.scale).toBeGreaterThanOrEqual(READABLE_TEXT_PX);
    model.wheel({ x: 0, y: 0 }, 2000); // zoomed far out by hand
    model.fit(120, 100);
    expect(NODE_TEXT_PX * model.viewport.scale).toBeGreaterThanOrEqual(READABLE_TEXT_PX);
  });
});

describe('selection', () => {
  it('selects at once, before the kernel confirms', () => {
    const sent: Intent[] = [];
    const model = new GraphEditorModel(intent => {
      sent.push(intent);
      return Promise.resolve({});
    });
    model.setState(loadState('editor_state.json'));
    model.setState({ selection: 'input_layer' });
    model.select('dense');
    model.command('delete');
    expect(sent).toEqual([
      { type: 'select', node: 'dense' },
      { type: 'delete', nodes: ['dense'] }
    ]);
  });
});

describe('auto-layout', () => {
  it('fits the laid-out graph in view when the new positions arrive', async () => {
    const model = new GraphEditorModel(() => Promise.resolve({}));
    const state = loadState('editor_state.json');
    model.setState(state);
    model.fitOnce(800, 400);
    model.wheel({ x: 0, y: 0 }, -500);
    const zoomed = model.viewport;
    model.autoLayout();
    await Promise.resolve();
    model.setState({ graph: state.graph });
    expect(model.viewport).not.toEqual(zoomed);
    expect(model.viewport.scale).toBeLessThanOrEqual(1);
  });
});
