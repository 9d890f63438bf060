import { describe, expect, it } from 'vitest';
import {
  checkGraph,
  checkHistory,
  checkPalette,
  checkStatus,
  envelope,
  parseKernelMessage,
  PROTOCOL_VERSION,
  ProtocolError,
  resolveBuffer,
  widgetRefId
} from '../src/protocol';
import { eventFixture, fixture } from './fixtures';

describe('traits the kernel sends', () => {
  it('accepts the graph editor state as the kernel writes it', () => {
    for (const name of ['editor_state.json', 'editor_state_error.json']) {
      const state = fixture(name);
      expect(checkGraph(state.graph).nodes.length).toBeGreaterThan(0);
      expect(checkPalette(state.palette).map(entry => entry.class)).toContain('Conv2D');
      expect(checkHistory(state.history).can_undo).toBe(true);
    }
  });

  it('lists every engine layer in the palette', () => {
    const classes = checkPalette(fixture('editor_state.json').palette).map(entry => entry.class);
    expect(classes).toEqual(
      expect.arrayContaining([
        'InputLayer',
        'Dense',
        'Conv1D',
        'Conv2D',
        'MaxPooling2D',
        'Flatten',
        'Dropout',
        'BatchNormalization',
        'Add',
        'Concatenate',
        'LSTM',
        'GRU',
        'MultiHeadAttention'
      ])
    );
  });

  it('names the path of a field that is wrong', () => {
    const graph = structuredClone(fixture('editor_state.json').graph);
    graph.nodes[1].status = 'broken';
    expect(() => checkGraph(graph)).toThrow(
      /nodes\[1\]\.status: expected one of "ok", "error", "waiting", got "broken"/
    );
    graph.nodes[1].status = 'ok';
    delete graph.edges;
    expect(() => checkGraph(graph)).toThrow(/edges: missing/);
  });

  it('accepts extra fields (new optional fields within version 1)', () => {
    const status = {
      state: 'running',
      epoch: 1,
      epochs: 3,
      step: 10,
      steps_per_epoch: 20,
      backend: 'numpy',
      learning_rate: 0.01,
      message: null,
      steps_per_second: 50,
      eta: 3
    };
    expect(checkStatus(status).state).toBe('running');
  });
});

describe('parseKernelMessage', () => {
  it('reads replies', () => {
    const [ack, ...rest] = fixture<unknown[]>('editor_replies.json').map(reply => parseKernelMessage(reply));
    expect(ack).toMatchObject({ type: 'ack', request_id: 'r1', result: { node: 'input_layer' } });
    expect(rest[rest.length - 1]).toMatchObject({ type: 'error', code: 'rejected', intent: 'connect' });
  });

  it('reads a curve delta and resolves its buffers', () => {
    const { message, buffers } = eventFixture('curve_delta');
    const delta = parseKernelMessage(message, buffers);
    if (delta.type !== 'curve_delta') throw new Error(delta.type);
    expect(delta.markers.map(m => m.kind)).toEqual(['start', 'backend']);
    expect(Array.from(resolveBuffer(delta.series[1].values, buffers).data)).toEqual([Math.fround(0.3)]);
  });

  it('refuses another protocol version with advice', () => {
    expect(() => parseKernelMessage({ type: 'ack', version: 2, request_id: null, result: {} })).toThrow(
      /version 2.*restart the kernel/
    );
  });

  it('refuses unknown types, missing fields and missing buffers', () => {
    expect(() => parseKernelMessage({ type: 'teleport', version: 1 })).toThrow(/unknown message type "teleport"/);
    expect(() =>
      parseKernelMessage({ type: 'error', version: 1, request_id: null, code: 'rejected', intent: null })
    ).toThrow(/message: missing/);
    const { message, buffers } = eventFixture('curve_delta');
    expect(() => parseKernelMessage(message, buffers.slice(0, 2))).toThrow(/buffer 2 is missing \(2 came\)/);
    expect(() => parseKernelMessage('ack')).toThrow(ProtocolError);
  });

  it('reads grid, points and activation events', () => {
    const ref = (buffer: number, shape: number[]) => ({ buffer, dtype: 'float32', shape });
    const grid = {
      type: 'grid',
      version: 1,
      extent: [-1, 1, -1, 1],
      output: ref(0, [2, 2]),
      neurons: [{ node: 'dense', unit: 0 }],
      neuron_values: null
    };
    expect(parseKernelMessage(grid, [new ArrayBuffer(16)]).type).toBe('grid');
    const points = {
      type: 'points',
      version: 1,
      train: { x: ref(0, [1, 2]), y: ref(1, [1]) },
      test: { x: ref(0, [1, 2]), y: ref(1, [1]) }
    };
    expect(parseKernelMessage(points, [new ArrayBuffer(8), new ArrayBuffer(4)]).type).toBe('points');
    const activation = { type: 'activation', version: 1, node: 'dense', sample: 0, values: ref(0, [4]) };
    expect(parseKernelMessage(activation, [new ArrayBuffer(16)]).type).toBe('activation');
  });
});

describe('intents', () => {
  it('wraps an intent in the envelope', () => {
    expect(envelope({ type: 'undo' }, 'r3')).toEqual({ type: 'undo', version: PROTOCOL_VERSION, request_id: 'r3' });
    expect(envelope({ type: 'select', node: null })).toEqual({ type: 'select', node: null, version: 1 });
  });

  it('reads widget references', () => {
    expect(widgetRefId('IPY_MODEL_abc123')).toBe('abc123');
    expect(() => widgetRefId('abc123')).toThrow(/IPY_MODEL_/);
  });
});
