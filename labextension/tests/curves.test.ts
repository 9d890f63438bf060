import { describe, expect, it } from 'vitest';
import { parseKernelMessage, type CurveDelta } from '../src/protocol';
import { CurveStore, isLoss } from '../src/training/curves';
import { eventFixture } from './fixtures';

function delta(series: Record<string, [number[], number[]]>, reset = false, markers: CurveDelta['markers'] = []) {
  const buffers: ArrayBuffer[] = [];
  const ref = (data: Float64Array | Float32Array) => {
    buffers.push(data.buffer as ArrayBuffer);
    return {
      buffer: buffers.length - 1,
      dtype: data instanceof Float64Array ? 'float64' : 'float32',
      shape: [data.length]
    };
  };
  const message = {
    type: 'curve_delta',
    version: 1,
    reset,
    series: Object.entries(series).map(([name, [steps, values]]) => ({
      name,
      steps: ref(new Float64Array(steps)),
      values: ref(new Float32Array(values))
    })),
    markers
  };
  return { event: parseKernelMessage(message, buffers) as CurveDelta, buffers };
}

describe('CurveStore', () => {
  it('appends deltas and replaces everything on a reset', () => {
    const store = new CurveStore();
    for (const step of [1, 2, 3]) {
      const next = delta({ loss: [[step], [1 / step]] });
      store.apply(next.event, next.buffers);
    }
    const drawn = store.series.get('loss')!;
    expect(drawn.steps).toEqual([1, 2, 3]);
    const more = delta({ loss: [[4], [0.25]] });
    store.apply(more.event, more.buffers);
    expect(drawn.steps).toEqual([1, 2, 3]); // what a chart drew stays as it drew it
    const reset = delta(
      {
        loss: [
          [1, 3],
          [1, 1 / 3]
        ]
      },
      true,
      [{ step: 2, kind: 'backend', label: 'jax' }]
    );
    store.apply(reset.event, reset.buffers);
    expect(store.series.get('loss')!.steps).toEqual([1, 3]);
    expect(store.markers).toHaveLength(1);
    const empty = delta({}, true);
    store.apply(empty.event, empty.buffers);
    expect([...store.series.keys()]).toEqual([]);
    expect(store.markers).toEqual([]);
  });

  it('takes a long delta (more points than a call may have arguments)', () => {
    const store = new CurveStore();
    const steps = Array.from({ length: 300_000 }, (_, i) => i + 1);
    const long = delta({ loss: [steps, steps.map(step => 1 / step)] });
    store.apply(long.event, long.buffers);
    expect(store.series.get('loss')!.steps).toHaveLength(300_000);
  });

  it('changes nothing for a delta it cannot read', () => {
    const store = new CurveStore();
    const good = delta({ loss: [[1], [1]] });
    store.apply(good.event, good.buffers);
    const bad = delta({ accuracy: [[2], [0.5]], loss: [[2, 3], [0.5]] }, true);
    expect(() => store.apply(bad.event, bad.buffers)).toThrow(/2 steps but 1 values/);
    expect([...store.series.keys()]).toEqual(['loss']);
  });

  it('keeps markers and knows where the current run started', () => {
    const { message, buffers } = eventFixture('curve_delta');
    const store = new CurveStore();
    store.apply(parseKernelMessage(message, buffers) as CurveDelta, buffers);
    expect(store.runStart()).toBe(1);
    expect(store.latest('val_loss')).toBeCloseTo(0.3);
    expect(store.latest('accuracy')).toBeNull();
    const later = delta({}, false, [{ step: 40, kind: 'start', label: 'start' }]);
    store.apply(later.event, later.buffers);
    expect(store.runStart()).toBe(40);
  });
});

it('sorts series onto the loss plot or the metrics plot', () => {
  expect(['loss', 'val_loss', 'accuracy', 'val_accuracy', 'mae'].filter(isLoss)).toEqual(['loss', 'val_loss']);
});
