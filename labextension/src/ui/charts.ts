/** Small SVG charts: sparklines. */
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

/** A line of the values, with a dot at the latest; empty below two values (one is no trend). */
export function sparkline(values: readonly number[], width = 90, height = 20): SVGSVGElement {
  const svg = s('svg', { class: 'wb-sparkline', width, height, viewBox: `0 0 ${width} ${height}` });
  if (values.length < 2) {
    return svg;
  }
  const points = sparklinePoints(values, width, height);
  const last = points.split(' ').pop()?.split(',')[1];
  svg.append(
    s('polyline', { points, fill: 'none', 'stroke-width': 1.5 }),
    s('circle', { cx: width, cy: Number(last), r: 2 })
  );
  return svg;
}
