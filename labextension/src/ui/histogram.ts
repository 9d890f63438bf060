/**
 * A histogram as SVG with its two axes: the values its bins cover (low to high) along the
 * bottom and the counts up the left, each with ticks at round numbers, so a reader can tell
 * where the mass is and how much of it there is.
 */
import { formatCount } from '../format';
import { s } from './dom';
import { niceTicks, tickLabel } from './ticks';

/** Room around the bars for the tick labels, in px. */
const MARGIN = { left: 42, right: 10, top: 6, bottom: 18 };
/** Room each value label needs along the bottom, in px: fewer ticks on a narrow chart. */
const VALUE_LABEL_WIDTH = 70;

export interface Tick {
  at: number; // px along its axis, in the chart's coordinates
  label: string;
}

export interface HistogramLayout {
  plot: { x: number; y: number; width: number; height: number };
  bars: { x: number; y: number; width: number; height: number; count: number }[];
  valueTicks: Tick[];
  countTicks: Tick[];
}

/** Where the bars and ticks of a histogram of `counts` over [low, high] go in a width x height chart. */
export function histogramLayout(
  counts: readonly number[],
  low: number | null,
  high: number | null,
  width: number,
  height: number
): HistogramLayout {
  const plot = {
    x: MARGIN.left,
    y: MARGIN.top,
    width: width - MARGIN.left - MARGIN.right,
    height: height - MARGIN.top - MARGIN.bottom
  };
  const bottom = plot.y + plot.height;
  // Every value the same: one bar, over the one tick.
  const bins = low !== null && high !== null && high <= low ? [counts.reduce((a, b) => a + b, 0)] : counts;
  const most = Math.max(1, ...bins);
  const barWidth = plot.width / Math.max(1, bins.length);
  const bars = bins.map((count, i) => {
    const tall = (count / most) * plot.height;
    return { x: plot.x + i * barWidth, y: bottom - tall, width: barWidth, height: tall, count };
  });
  const countTicks = niceTicks(0, most, 3)
    .filter(Number.isInteger)
    .map(count => ({ at: bottom - (count / most) * plot.height, label: formatCount(count) }));
  const valueTicks =
    low === null || high === null
      ? []
      : niceTicks(low, high, Math.max(1, Math.floor(plot.width / VALUE_LABEL_WIDTH))).map(value => ({
          at: plot.x + (high > low ? (value - low) / (high - low) : 0.5) * plot.width,
          label: tickLabel(value)
        }));
  return { plot, bars, valueTicks, countTicks };
}

export function histogramWithAxes(
  counts: readonly number[],
  low: number | null,
  high: number | null,
  width = 240,
  height = 100
): SVGSVGElement {
  const { plot, bars, valueTicks, countTicks } = histogramLayout(counts, low, high, width, height);
  const bottom = plot.y + plot.height;
  // A label at either end of the value axis would be cut in half: it grows inwards instead.
  const anchor = (at: number) => (at - plot.x < 16 ? 'start' : plot.x + plot.width - at < 16 ? 'end' : 'middle');
  return s(
    'svg',
    { class: 'wb-histogram', width, height, viewBox: `0 0 ${width} ${height}`, 'data-testid': 'histogram' },
    ...bars.map(bar =>
      s(
        'rect',
        { x: bar.x + 0.5, y: bar.y, width: Math.max(1, bar.width - 1), height: bar.height },
        s('title', {}, String(bar.count))
      )
    ),
    s(
      'g',
      { class: 'wb-axis', 'data-axis': 'value' },
      s('line', { x1: plot.x, x2: plot.x + plot.width, y1: bottom + 0.5, y2: bottom + 0.5 }),
      ...valueTicks.map(tick =>
        s(
          'g',
          { class: 'wb-tick' },
          s('line', { x1: tick.at, x2: tick.at, y1: bottom, y2: bottom + 4 }),
          s('text', { x: tick.at, y: height - 2, 'text-anchor': anchor(tick.at) }, tick.label)
        )
      )
    ),
    s(
      'g',
      { class: 'wb-axis', 'data-axis': 'count' },
      s('line', { x1: plot.x - 0.5, x2: plot.x - 0.5, y1: plot.y, y2: bottom }),
      ...countTicks.map(tick =>
        s(
          'g',
          { class: 'wb-tick' },
          s('line', { x1: plot.x - 4, x2: plot.x, y1: tick.at, y2: tick.at }),
          s('text', { x: plot.x - 6, y: tick.at, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, tick.label)
        )
      )
    )
  );
}
