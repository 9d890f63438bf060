/** Small SVG charts: sparklines and histograms. */
import { s } from './dom';

/** Polyline points for values scaled into a width x height box. */
export function sparklinePoints(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) {
    return '';
  }
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - ((v - min) / span) * (height - 2)).toFixed(1)}`)
    .join(' ');
}

export function sparkline(values: readonly number[], width = 90, height = 20): SVGSVGElement {
  const points = sparklinePoints(values, width, height);
  return s(
    'svg',
    { class: 'wb-sparkline', width, height, viewBox: `0 0 ${width} ${height}` },
    values.length > 1 ? s('polyline', { points, fill: 'none', 'stroke-width': 1.5 }) : null,
    values.length > 0
      ? s('circle', {
          cx: values.length > 1 ? width : width / 2,
          cy: Number(points.split(' ').pop()?.split(',')[1]),
          r: 2
        })
      : null
  );
}

export function histogramChart(counts: readonly number[], width = 320, height = 90): SVGSVGElement {
  const max = Math.max(1, ...counts);
  const bar = width / Math.max(1, counts.length);
  return s(
    'svg',
    { class: 'wb-histogram', width, height, viewBox: `0 0 ${width} ${height}`, 'data-testid': 'histogram' },
    ...counts.map((count, i) => {
      const h = (count / max) * (height - 2);
      return s(
        'rect',
        { x: i * bar + 0.5, y: height - h, width: Math.max(1, bar - 1), height: h },
        s('title', {}, String(count))
      );
    })
  );
}
