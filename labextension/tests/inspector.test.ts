import { describe, expect, it } from 'vitest';
import {
  decodeDetail,
  describeCapture,
  describeStep,
  diagnosticsByNode,
  earlierFindings,
  EXPLANATIONS,
  explain,
  InspectionHistory
} from '../src/inspector/analysis';
import type { CaptureState, InspectionDiagnostic, InspectionHistoryEvent } from '../src/protocol';
import {
  checkCapture,
  checkInspectionDiagnostics,
  checkInspectorNodes,
  parseKernelMessage,
  ProtocolError
} from '../src/protocol';
import { eventFixture, fixture } from './fixtures';

// Kernel fixtures (tests/fixtures/generate.py): a one-batch capture of x -> hidden (4 ReLU
// units, all dead: zero weights, bias -1) -> out, on 16 samples; hidden is selected.

describe('inspector messages from the kernel', () => {
  it('reads the traits the kernel sends', () => {
    const state = fixture('inspector_state.json');
    expect(checkInspectorNodes(state.nodes).map(n => n.id)).toEqual(['x', 'hidden', 'out']);
    expect(checkInspectorNodes(state.nodes)[1].inputs).toEqual(['x']);
    expect(checkCapture(state.capture)).toMatchObject({ source: 'batch', records: 1, every: 10 });
    const diagnostics = checkInspectionDiagnostics(state.diagnostics);
    expect(diagnostics[0]).toMatchObject({ id: 'dead_units', node: 'hidden', step: 1 });
  });

  it('refuses malformed traits', () => {
    const capture = fixture('inspector_state.json').capture;
    expect(() => checkCapture({ ...capture, every: undefined })).toThrow(ProtocolError);
    expect(() => checkCapture({ ...capture, source: 'guess' })).toThrow(/source/);
    expect(() => checkInspectionDiagnostics([{ id: 'dead_units', node: 'x', step: 1 }])).toThrow(/message/);
  });

  it('checks both events and their buffers', () => {
    for (const name of ['inspection_history', 'inspection_detail']) {
      const { message, buffers } = eventFixture(name);
      expect(parseKernelMessage(message, buffers).type).toBe(name);
      expect(() => parseKernelMessage(message, buffers.slice(0, 1))).toThrow(/missing/);
      expect(() => parseKernelMessage({ ...message, layers: undefined, node: undefined }, buffers)).toThrow(
        ProtocolError
      );
    }
  });
});

describe('the inspection history', () => {
  const { message, buffers } = eventFixture('inspection_history');
  const history = InspectionHistory.fromEvent(message as InspectionHistoryEvent, buffers);

  it('gives each layer a series per column, skipping what it lacks', () => {
    expect(history.length).toBe(1);
    expect(history.layers).toEqual(['x', 'hidden', 'out']);
    expect(history.series('hidden', 'activation.zero_fraction')).toEqual([1]);
    expect(history.series('hidden', 'dead_fraction')).toEqual([1]);
    expect(history.series('x', 'gradient.mean_abs')).toEqual([]); // an input has no gradient
    expect(history.latest('x', 'gradient.mean_abs')).toBeNull();
    expect(history.latest('out', 'weights.l2')).toBeGreaterThan(0);
    expect(history.series('nope', 'activation.std')).toEqual([]);
    expect(InspectionHistory.empty.latest('x', 'activation.std')).toBeNull();
  });

  it('orders values record, layer, column and drops non-finite ones from series', () => {
    const values = Float32Array.from([1, 2, 3, 4, Number.NaN, 6, 7, 8]); // [2 records, 2 layers, 2 columns]
    const h = new InspectionHistory([1, 2], [0.5, 0.4], ['a', 'b'], ['p', 'q'], values);
    expect(h.series('a', 'q')).toEqual([2, 6]);
    expect(h.series('b', 'p')).toEqual([3, 7]);
    expect(h.series('a', 'p')).toEqual([1]);
    expect(h.latest('a', 'p')).toBeNull();
    expect(h.latest('b', 'q')).toBe(8);
  });

  it('draws a line over time only once there are two points to join', () => {
    expect(history.trend('hidden', 'activation.zero_fraction')).toBeNull(); // one capture
    const values = Float32Array.from([0.5, Number.NaN, 0.25, 0.125]); // [2 records, 1 layer, 2 columns]
    const two = new InspectionHistory([1, 11], [0.7, 0.6], ['a'], ['p', 'q'], values);
    expect(two.trend('a', 'p')).toEqual([0.5, 0.25]);
    expect(two.trend('a', 'q')).toBeNull(); // one finite value
  });

  it('refuses values whose shape does not match the layers and columns', () => {
    const wrong = { ...message, columns: message.columns.slice(1) } as InspectionHistoryEvent;
    expect(() => InspectionHistory.fromEvent(wrong, buffers)).toThrow(/expected/);
  });
});

describe('the selected layer', () => {
  it('decodes histograms and heat maps from buffers', () => {
    const { message, buffers } = eventFixture('inspection_detail');
    const detail = decodeDetail(parseKernelMessage(message, buffers) as never, buffers);
    expect(detail.node).toBe('hidden');
    expect(detail.source).toBe('batch');
    expect(detail.deadFraction).toBe(1);
    const counts = Array.from(detail.activation?.histogram?.counts ?? []);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(16 * 4);
    expect(detail.activation?.heatMap?.shape).toEqual([16, 4]);
    expect(detail.activation?.stats.zero_fraction).toBe(1);
    expect(detail.weights.map(w => w.name)).toEqual(['hidden/kernel', 'hidden/bias']);
    // A kernel is drawn as its (inputs, units) matrix; a bias, one row.
    expect(detail.weights[0].value.heatMap?.shape).toEqual([2, 4]);
    expect(detail.weights[1].value.heatMap?.shape).toEqual([1, 4]);
  });
});

describe('diagnostics', () => {
  const diagnostic = (id: string, node: string | null, step = 10): InspectionDiagnostic => ({
    id,
    node,
    step,
    message: `${id} at ${node}`
  });

  it('explains every diagnostic engine.inspection makes', () => {
    const ids = [
      'dead_units',
      'saturated_units',
      'vanishing_gradients',
      'exploding_gradients',
      'update_ratio',
      'loss_divergence',
      'non_finite'
    ];
    expect(Object.keys(EXPLANATIONS).sort()).toEqual([...ids].sort());
    expect(explain('dead_units')).toMatch(/no gradient/);
    expect(explain('something_new')).toBe('');
  });

  it('groups them by node for badges', () => {
    const byNode = diagnosticsByNode([
      diagnostic('dead_units', 'dense'),
      diagnostic('update_ratio', 'dense'),
      diagnostic('vanishing_gradients', 'dense_1'),
      diagnostic('loss_divergence', null)
    ]);
    expect(byNode.get('dense')?.map(d => d.id)).toEqual(['dead_units', 'update_ratio']);
    expect([...byNode.keys()]).toEqual(['dense', 'dense_1']);
  });

  it('keeps earlier findings that the latest capture no longer reports', () => {
    const findings = [diagnostic('dead_units', 'dense', 5), diagnostic('update_ratio', 'dense', 5)];
    expect(earlierFindings(findings, [diagnostic('dead_units', 'dense', 50)]).map(d => d.id)).toEqual(['update_ratio']);
  });
});

describe('the capture line', () => {
  const capture = (over: Partial<CaptureState>): CaptureState => ({
    every: 10,
    training: false,
    source: null,
    step: null,
    loss: null,
    records: 0,
    message: null,
    ...over
  });

  it('says where the latest record came from', () => {
    expect(describeCapture(capture({}))).toBe('no capture yet');
    expect(describeCapture(capture({ source: 'batch', step: 1, loss: 0.69314, records: 1 }))).toBe(
      'latest: a batch before any training · loss 0.693 · 1 record'
    );
    expect(
      describeCapture(capture({ training: true, every: 1, source: 'training', step: 40, loss: 0.5, records: 40 }))
    ).toBe('following training, a capture every 1 step · latest: training step 40 · loss 0.5 · 40 records');
  });

  it("counts a batch capture by the training steps its weights had, as the model's iterations do", () => {
    // A batch captured after 500 steps runs step 501 without applying it.
    expect(describeStep('batch', 501)).toBe('a batch after 500 training steps');
    expect(describeStep('batch', 2)).toBe('a batch after 1 training step');
    expect(describeStep('batch', 1)).toBe('a batch before any training');
    expect(describeStep('training', 500)).toBe('training step 500');
    expect(describeCapture(capture({ source: 'batch', step: 501, loss: null, records: 3 }))).toBe(
      'latest: a batch after 500 training steps · 3 records'
    );
  });
});
