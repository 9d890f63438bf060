import { describe, expect, it } from 'vitest';
import {
  editFeatures,
  editLayers,
  editNeurons,
  editNumber,
  featureLabel,
  lossChart,
  neuronLabel
} from '../src/playground/settings';
import { classColor, gridPixels } from '../src/playground/plane';
import { describeStatus } from '../src/training/status';
import { niceTicks } from '../src/ui/ticks';
import type { TrainingStatus } from '../src/protocol';

const LIMITS = { max_layers: 6, max_neurons: 8 };

describe('playground settings', () => {
  it('adds and removes layers and neurons within the limits', () => {
    expect(editLayers([4, 2], 1, LIMITS)).toEqual({ changes: { hidden: [4, 2, 4] } });
    expect(editLayers([4, 2], -1, LIMITS)).toEqual({ changes: { hidden: [4] } });
    expect(editLayers([1, 1, 1, 1, 1, 1], 1, LIMITS)).toEqual({ refused: 'At most 6 hidden layers.' });
    expect(editNeurons([4, 2], 1, 1, LIMITS)).toEqual({ changes: { hidden: [4, 3] } });
    expect('refused' in editNeurons([4, 1], 1, -1, LIMITS)).toBe(true);
    expect('refused' in editNeurons([8], 0, 1, LIMITS)).toBe(true);
  });

  it('refuses impossible numbers with a message and passes good ones', () => {
    expect(editNumber('learning_rate', '-1')).toEqual({ refused: 'The learning rate must be above 0 and at most 10.' });
    expect(editNumber('learning_rate', '0')).toHaveProperty('refused');
    expect(editNumber('ratio', '0')).toHaveProperty('refused');
    expect(editNumber('batch_size', '2.5')).toHaveProperty('refused');
    expect(editNumber('noise', 'abc')).toHaveProperty('refused');
    expect(editNumber('learning_rate', '0.1')).toEqual({ changes: { learning_rate: 0.1 } });
    expect(editNumber('ratio', '70')).toEqual({ changes: { ratio: 70 } });
  });

  it('toggles features in one order and keeps at least one', () => {
    const all = ['x1', 'x2', 'x1^2'];
    expect(editFeatures(['x2'], all, 'x1', true)).toEqual({ changes: { features: ['x1', 'x2'] } });
    expect(editFeatures(['x2'], all, 'x2', false)).toHaveProperty('refused');
    expect(featureLabel('x1^2')).toBe('x1²');
    expect(featureLabel('x1*x2')).toBe('x1·x2');
    expect(neuronLabel(0, 2)).toBe('layer 1, neuron 3');
  });

  it('draws the loss against epochs from zero', () => {
    const chart = lossChart(
      { steps: [5, 10], values: [0.8, 0.4] },
      { steps: [10], values: [0.5] },
      5,
      100,
      50,
      niceTicks
    );
    expect(chart.train).toBe('50.0,0.0 100.0,25.0');
    expect(chart.test).toBe('100.0,18.8');
    expect(chart.xTicks.map(t => t.value)).toContain(2);
    expect(chart.yTicks[0]).toEqual({ value: 0, at: 50 });
  });
});

describe('playground drawing', () => {
  it('washes the background so a point of either class stands out on it', () => {
    const grid = gridPixels({ data: new Float32Array([0, 1]), shape: [1, 2], dtype: 'float32' });
    for (const [cell, label] of [
      [0, 0],
      [1, 1]
    ]) {
      const background = Array.from(grid.pixels.slice(cell * 4, cell * 4 + 3));
      const point = classColor(label);
      const lightness = (rgb: number[]) => rgb[0] + rgb[1] + rgb[2];
      expect(lightness(background) - lightness(point)).toBeGreaterThan(120);
    }
  });

  it('discretizes the output into the two sides of its middle', () => {
    const output = { data: new Float32Array([0.2, 0.45, 0.55]), shape: [1, 3], dtype: 'float32' as const };
    const plain = gridPixels(output).pixels;
    const sides = gridPixels(output, { min: 0, max: 1 }, true).pixels;
    expect(Array.from(sides.slice(0, 4))).toEqual(Array.from(sides.slice(4, 8)));
    expect(Array.from(sides.slice(4, 8))).not.toEqual(Array.from(sides.slice(8, 12)));
    expect(Array.from(plain.slice(0, 4))).not.toEqual(Array.from(plain.slice(4, 8)));
  });

  it('never says 0 steps/s: the rate shows once measured', () => {
    const status: TrainingStatus = {
      state: 'running',
      epoch: 1,
      epochs: 10,
      step: 3,
      steps_per_epoch: 25,
      backend: 'numpy',
      learning_rate: 0.03,
      message: null,
      steps_per_second: 0
    };
    expect(describeStatus(status)).not.toContain('steps/s');
    expect(describeStatus({ ...status, steps_per_second: 120 })).toContain('120 steps/s');
  });
});
