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
  it('draws everything for a new series, then only the new points', () => {
    const store = new CurveStore();
    const first = delta({
      loss: [
        [1, 2],
        [0.9, 0.8]
      ]
    });
    store.apply(first.event, first.buffers);
    expect(store.takeChanges()).toMatchObject({ full: true });
    const second = delta({ loss: [[3], [0.5]] });
    store.apply(second.event, second.buffers);
    const changes = store.takeChanges();
    expect(changes.full).toBe(false);
    expect(changes.appended.get('loss')).toEqual({ steps: [3], values: [0.5] });
    expect(store.series.get('loss')!.steps).toEqual([1, 2, 3]);
    expect(store.takeChanges()).toMatchObject({ full: false, markersChanged: false });
    expect(store.takeChanges().appended.size).toBe(0);
  });

  it('merges several deltas between two frames', () => {
    const store = new CurveStore();
    const first = delta({ loss: [[1], [1]] });
    store.apply(first.event, first.buffers);
    store.takeChanges();
    for (const step of [2, 3, 4]) {
      const next = delta({ loss: [[step], [1 / step]] });
      store.apply(next.event, next.buffers);
    }
    expect(store.takeChanges().appended.get('loss')!.steps).toEqual([2, 3, 4]);
  });

  it('starts over on reset', () => {
    const store = new CurveStore();
    const first = delta({
      loss: [
        [1, 2],
        [1, 1]
      ],
      val_loss: [[2], [1]]
    });
    store.apply(first.event, first.buffers);
    const reset = delta({ loss: [[1], [0.7]] }, true);
    store.apply(reset.event, reset.buffers);
    expect([...store.series.keys()]).toEqual(['loss']);
    expect(store.series.get('loss')!.values).toEqual([Math.fround(0.7)]);
    expect(store.takeChanges().full).toBe(true);
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
