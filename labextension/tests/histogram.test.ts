import { describe, expect, it } from 'vitest';
import { histogramLayout } from '../src/ui/histogram';
import { niceTicks, tickLabel } from '../src/ui/ticks';

describe('axis ticks', () => {
  it('falls on round numbers inside the range', () => {
    expect(niceTicks(0, 10, 3)).toEqual([0, 5, 10]);
    expect(niceTicks(-4.1e-5, 4.8e-5, 3)).toEqual([-2.5e-5, 0, 2.5e-5]);
    expect(niceTicks(0.13, 0.97, 4)).toEqual([0.25, 0.5, 0.75]);
    expect(niceTicks(0, 7, 3)).toEqual([0, 2.5, 5]);
  });

  it('says each in few characters', () => {
    expect([0, 0.25, 2000, -4e-5, 3e6].map(tickLabel)).toEqual(['0', '0.25', '2000', '-4e-5', '3e+6']);
  });

  it('has one tick for a single value and none for a range that is not finite', () => {
    expect(niceTicks(0.5, 0.5, 3)).toEqual([0.5]);
    expect(niceTicks(Number.NaN, 1, 3)).toEqual([]);
    expect(niceTicks(0, Number.POSITIVE_INFINITY, 3)).toEqual([]);
  });
});

describe('a histogram with axes', () => {
  const layout = histogramLayout([0, 4, 10, 6], -1, 1, 240, 100);

  it('puts the bars in the plot, the tallest at the top', () => {
    const { plot, bars } = layout;
    expect(bars.map(b => b.height)).toEqual([0, 0.4 * plot.height, plot.height, 0.6 * plot.height]);
    expect(bars[2].y).toBe(plot.y);
    expect(bars[3].x + bars[3].width).toBeCloseTo(plot.x + plot.width);
  });

  it('labels the values along the bottom and the counts up the side, at their places', () => {
    const { plot, valueTicks, countTicks } = layout;
    expect(valueTicks.map(t => t.label)).toEqual(['-1', '0', '1']);
    expect(valueTicks[0].at).toBe(plot.x);
    expect(valueTicks[1].at).toBe(plot.x + plot.width / 2);
    expect(countTicks.map(t => t.label)).toEqual(['0', '5', '10']);
    expect(countTicks[0].at).toBe(plot.y + plot.height);
    expect(countTicks[2].at).toBe(plot.y);
  });

  it('draws values that are all the same as one bar over their tick', () => {
    const constant = histogramLayout([0, 0, 16], 0, 0, 240, 100);
    expect(constant.bars).toHaveLength(1);
    expect(constant.bars[0]).toMatchObject({ x: constant.plot.x, width: constant.plot.width, count: 16 });
    expect(constant.valueTicks).toEqual([{ at: constant.plot.x + constant.plot.width / 2, label: '0' }]);
  });

  it('counts in whole numbers, and leaves the value axis bare when the range is not finite', () => {
    const sparse = histogramLayout([1, 0], null, null, 240, 100);
    expect(sparse.countTicks.map(t => t.label)).toEqual(['0', '1']);
    expect(sparse.valueTicks).toEqual([]);
  });
});
