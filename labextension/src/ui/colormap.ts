/** Values -> RGBA pixels for heat maps (inspector activations, playground decision boundary). No DOM. */

export type RGB = [number, number, number];

/** Viridis at five stops: sequential data (activations that are never negative). */
const VIRIDIS: RGB[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37]
];
/** Blue - white - orange: signed data, and the playground's two classes. */
const DIVERGING: RGB[] = [
  [8, 119, 189],
  [255, 255, 255],
  [245, 147, 34]
];

export type ColormapName = 'viridis' | 'diverging';
const STOPS: Record<ColormapName, RGB[]> = { viridis: VIRIDIS, diverging: DIVERGING };

export function interpolate(stops: RGB[], t: number): RGB {
  const clamped = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const position = clamped * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(position));
  const f = position - i;
  const [a, b] = [stops[i], stops[i + 1]];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

export interface Range {
  min: number;
  max: number;
}

/** The finite min and max of values (0..1 when there are none, or all are equal +-0.5). */
export function rangeOf(values: ArrayLike<number>): Range {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  if (min === Infinity) {
    return { min: 0, max: 1 };
  }
  return min === max ? { min: min - 0.5, max: max + 0.5 } : { min, max };
}

/** A range symmetric around zero, so zero maps to the diverging map's white. */
export function symmetric(range: Range): Range {
  const extent = Math.max(Math.abs(range.min), Math.abs(range.max)) || 1;
  return { min: -extent, max: extent };
}

/** How a heat map colors its values; `constant`: the one value they all have (NaN: none is finite), else null. */
export interface HeatScale {
  range: Range;
  colormap: ColormapName;
  constant: number | null;
}

/** The share of values whose magnitude a heat map's colors span; the few beyond take the end colors. */
const HEAT_SHARE = 0.98;

/**
 * A heat map's scale: signed values on the diverging map, symmetric around 0 (white), others on
 * viridis. It spans the magnitude of HEAT_SHARE of the values, not the extreme: gradients are
 * heavy-tailed, and a range set by their few largest values paints all the rest near white.
 */
export function heatScale(values: ArrayLike<number>): HeatScale {
  const finite = Array.from(values).filter(Number.isFinite);
  if (finite.length === 0 || finite.every(v => v === finite[0])) {
    return { range: rangeOf(finite), colormap: 'viridis', constant: finite.length > 0 ? finite[0] : Number.NaN };
  }
  if (finite.some(v => v < 0)) {
    const magnitudes = finite.map(Math.abs).sort((a, b) => a - b);
    const extent = quantile(magnitudes, HEAT_SHARE) || magnitudes[magnitudes.length - 1];
    return { range: { min: -extent, max: extent }, colormap: 'diverging', constant: null };
  }
  const sorted = finite.sort((a, b) => a - b);
  const high = quantile(sorted, HEAT_SHARE);
  return {
    range: { min: sorted[0], max: high > sorted[0] ? high : sorted[sorted.length - 1] },
    colormap: 'viridis',
    constant: null
  };
}

/** The value below which `share` of the sorted values lie. */
function quantile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(share * (sorted.length - 1)))];
}

/** RGBA pixels for `count` values starting at `offset`, scaled to `range` on the colormap. */
export function toPixels(
  values: ArrayLike<number>,
  range: Range,
  colormap: ColormapName,
  offset = 0,
  count = values.length - offset
): Uint8ClampedArray {
  const pixels = new Uint8ClampedArray(count * 4);
  const stops = STOPS[colormap];
  const span = range.max - range.min || 1;
  for (let i = 0; i < count; i++) {
    const value = values[offset + i];
    const [r, g, b] = Number.isFinite(value) ? interpolate(stops, (value - range.min) / span) : [255, 0, 255];
    pixels.set([r, g, b, 255], i * 4);
  }
  return pixels;
}

/** Blends class colours by probability: `probabilities` is [cells, classes], row-major. */
export function blendClasses(probabilities: ArrayLike<number>, classes: number, palette: RGB[]): Uint8ClampedArray {
  const cells = Math.floor(probabilities.length / classes);
  const pixels = new Uint8ClampedArray(cells * 4);
  for (let cell = 0; cell < cells; cell++) {
    let [r, g, b] = [0, 0, 0];
    for (let k = 0; k < classes; k++) {
      const p = probabilities[cell * classes + k];
      const [cr, cg, cb] = palette[k % palette.length];
      r += p * cr;
      g += p * cg;
      b += p * cb;
    }
    pixels.set([r, g, b, 255], cell * 4);
  }
  return pixels;
}

export const CLASS_COLORS: RGB[] = [
  [8, 119, 189],
  [245, 147, 34],
  [46, 160, 67],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207]
];

export function cssColor([r, g, b]: RGB): string {
  return `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`;
}
