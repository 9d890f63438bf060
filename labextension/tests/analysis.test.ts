import { describe, expect, it } from 'vitest';
import { ndarray } from '../src/codec';
import { formatNumber, formatParams, formatPercent, formatShape } from '../src/format';
import { activationLayout, describeHeatScale, tileValues } from '../src/inspector/analysis';
import { gridPixels, toPixel } from '../src/playground/plane';
import { controls, describeStatus, runFraction } from '../src/training/status';
import { heatScale, rangeOf, symmetric, toPixels } from '../src/ui/colormap';
import { sparklinePoints } from '../src/ui/charts';
import { FrameScheduler } from '../src/ui/scheduler';
import type { TrainingStatus } from '../src/protocol';

describe('inspector analysis', () => {
  it('lays out vectors as squares, matrices as themselves, feature maps by channel', () => {
    expect(activationLayout([64])).toEqual({ tiles: 1, rows: 8, cols: 8 });
    expect(activationLayout([10])).toEqual({ tiles: 1, rows: 3, cols: 4 });
    expect(activationLayout([5, 7])).toEqual({ tiles: 1, rows: 5, cols: 7 });
    expect(activationLayout([4, 4, 3])).toEqual({ tiles: 3, rows: 4, cols: 4 });
    expect(activationLayout([4, 4, 64]).tiles).toBe(32);
  });

  it('gathers one channel of a channels-last feature map', () => {
    const values = Float32Array.from({ length: 2 * 2 * 3 }, (_, i) => i);
    expect(Array.from(tileValues(values, [2, 2, 3], activationLayout([2, 2, 3]), 1))).toEqual([1, 4, 7, 10]);
    const padded = tileValues([1, 2, 3], [3], activationLayout([3]), 0);
    expect(padded.length).toBe(4);
    expect(Number.isNaN(padded[3])).toBe(true);
  });
});

describe('colormaps and the playground plane', () => {
  it('maps values to pixels over a range', () => {
    const pixels = toPixels([0, 1, Number.NaN], { min: 0, max: 1 }, 'viridis');
    expect(Array.from(pixels.slice(0, 4))).toEqual([68, 1, 84, 255]);
    expect(Array.from(pixels.slice(4, 8))).toEqual([253, 231, 37, 255]);
    expect(Array.from(pixels.slice(8, 12))).toEqual([255, 0, 255, 255]);
  });

  it('colors a heavy-tailed heat map by most of its values, not by its few largest', () => {
    // A conv layer's gradient: small values everywhere, a few large ones (as after max pooling).
    const gradient = Array.from({ length: 64 }, (_, i) => (i % 2 ? 1 : -1) * 1e-5 * (1 + (i % 7)));
    gradient[5] = 1e-3;
    const scale = heatScale(gradient);
    expect(scale.colormap).toBe('diverging');
    expect(scale.range.max).toBeCloseTo(7e-5);
    expect(scale.range.min).toBe(-scale.range.max);
    // Most cells are coloured, not the white of 0: |value| is at least a tenth of the range.
    const coloured = gradient.filter(v => Math.abs(v) >= 0.1 * scale.range.max).length;
    expect(coloured / gradient.length).toBeGreaterThan(0.9);
  });

  it('spans non-negative values on viridis, and says when every value is the same', () => {
    expect(heatScale([0, 0.5, 1, 2])).toMatchObject({ colormap: 'viridis', range: { min: 0, max: 1 }, constant: null });
    expect(heatScale([0, 0, 0])).toMatchObject({ constant: 0 });
    expect(describeHeatScale(heatScale([0, 0, 0]))).toBe('every value is 0');
    expect(describeHeatScale(heatScale([Number.NaN]))).toBe('no finite values');
    expect(describeHeatScale(heatScale([-2, 1, 2]))).toBe('colors: −2 … 0 … 2');
  });

  it('finds ranges, symmetric around zero for signed data', () => {
    expect(rangeOf([2, -1, Number.POSITIVE_INFINITY])).toEqual({ min: -1, max: 2 });
    expect(rangeOf([3, 3])).toEqual({ min: 2.5, max: 3.5 });
    expect(symmetric({ min: -1, max: 2 })).toEqual({ min: -2, max: 2 });
  });

  it('puts y_max at the top of the plane', () => {
    expect(toPixel([-1, 1, -1, 1], 100, 100, -1, 1)).toEqual([0, 0]);
    expect(toPixel([-1, 1, -1, 1], 100, 100, 1, -1)).toEqual([100, 100]);
  });

  it('colours a binary grid by probability and a multi-class grid by blending', () => {
    const binary = gridPixels(ndarray(new Float32Array([0, 0.5, 1, 1]), [2, 2]));
    expect([binary.width, binary.height]).toEqual([2, 2]);
    expect(Array.from(binary.pixels.slice(4, 8))).toEqual([255, 255, 255, 255]);
    const three = gridPixels(ndarray(new Float32Array([1, 0, 0, 0, 1, 0]), [1, 2, 3]));
    expect(three.pixels.length).toBe(8);
    expect(Array.from(three.pixels.slice(0, 3))).not.toEqual(Array.from(three.pixels.slice(4, 7)));
  });
});

describe('training status', () => {
  const status = (over: Partial<TrainingStatus>): TrainingStatus => ({
    state: 'idle',
    epoch: 0,
    epochs: 0,
    step: 0,
    steps_per_epoch: null,
    backend: 'numpy',
    learning_rate: 0.01,
    message: null,
    steps_per_second: null,
    ...over
  });

  it('allows the buttons that make sense in each state', () => {
    expect(controls(status({ state: 'idle' }))).toMatchObject({
      start: true,
      pause: false,
      resume: false,
      stop: false
    });
    expect(controls(status({ state: 'running' }))).toMatchObject({
      start: false,
      pause: true,
      resume: false,
      stop: true
    });
    expect(controls(status({ state: 'paused' }))).toMatchObject({
      start: false,
      pause: false,
      resume: true,
      stop: true
    });
    expect(controls(status({ state: 'stopping' }))).toMatchObject({
      start: false,
      pause: false,
      resume: false,
      stop: false
    });
  });

  it('measures progress from the step the run started at', () => {
    expect(runFraction(status({ epochs: 2, steps_per_epoch: 10, step: 115 }), 100)).toBeCloseTo(0.75);
    expect(runFraction(status({ epochs: 4, epoch: 1 }), 0)).toBe(0.25);
    expect(runFraction(status({}), 0)).toBeNull();
  });

  it('describes the status in one line', () => {
    expect(
      describeStatus(
        status({ state: 'running', epoch: 2, epochs: 5, step: 40, steps_per_second: 123.456, backend: 'jax' })
      )
    ).toBe('running · epoch 2/5 · step 40 · 123 steps/s · on jax');
  });
});

describe('formatting and scheduling', () => {
  it('formats shapes, parameter counts and numbers', () => {
    expect(formatShape([null, 28, 28, 1])).toBe('(None, 28, 28, 1)');
    expect(formatShape([10])).toBe('(10,)');
    expect(formatParams(1234567)).toBe('1,234,567 params');
    expect(formatParams(1)).toBe('1 param');
    expect(formatNumber(0.000123)).toBe('1.23e-4');
    expect(formatNumber(0.12345)).toBe('0.123');
  });

  it('formats every share as a percentage', () => {
    expect([0, 0.37, 0.3712, 0.041, 0.0004, 0.9996, 0.95, 1].map(formatPercent)).toEqual([
      '0%',
      '37%',
      '37%',
      '4.1%',
      '<0.1%',
      '>99.9%',
      '95%',
      '100%'
    ]);
  });

  it('scales a sparkline into its box', () => {
    expect(sparklinePoints([0, 1], 10, 10)).toBe('0.0,9.0 10.0,1.0');
    expect(sparklinePoints([], 10, 10)).toBe('');
  });

  it('runs the latest task per key once per frame', () => {
    const frames: (() => void)[] = [];
    const scheduler = new FrameScheduler(cb => frames.push(cb));
    const ran: string[] = [];
    scheduler.schedule('plot', () => ran.push('plot 1'));
    scheduler.schedule('plot', () => ran.push('plot 2'));
    scheduler.schedule('status', () => ran.push('status'));
    expect(frames).toHaveLength(1);
    frames[0]();
    expect(ran).toEqual(['plot 2', 'status']);
    scheduler.dispose();
    scheduler.schedule('plot', () => ran.push('late'));
    expect(frames).toHaveLength(1);
  });
});
