/** Text for shapes and counts, shared by every view. */
import type { Shape } from './protocol';

/** (None, 28, 28, 1), as Keras prints shapes. */
export function formatShape(shape: Shape): string {
  const items = shape.map(n => (n === null ? 'None' : String(n)));
  return `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
}

export function formatShapes(shapes: Shape[] | null): string {
  if (shapes === null) {
    return '?';
  }
  return shapes.map(formatShape).join(' ');
}

export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

export function formatParams(params: number | null): string {
  if (params === null) {
    return '? params';
  }
  return `${formatCount(params)} param${params === 1 ? '' : 's'}`;
}

/** A short number for labels: 3 significant digits, exponent for the very small or large. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) {
    return value.toExponential(2);
  }
  return String(Number(value.toPrecision(3)));
}

/** A share (0..1) in percent, as every view shows one: 37%, 4.1%, <0.1%; 0 and 1 exactly are 0% and 100%. */
export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) {
    return String(share);
  }
  const percent = share * 100;
  if (percent > 0 && percent < 0.1) {
    return '<0.1%';
  }
  if (percent > 99.9 && percent < 100) {
    return '>99.9%';
  }
  return `${Number(percent.toFixed(percent < 10 || percent > 90 ? 1 : 0))}%`;
}
