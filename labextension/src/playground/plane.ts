/** The playground's plane: data coordinates <-> pixels, and the grid's colours. No DOM. */
import type { NDArray } from '../codec';
import { blendClasses, CLASS_COLORS, interpolate, Range, RGB } from '../ui/colormap';

export type Extent = [number, number, number, number];

/** Pixel position of a data point in a width x height image of `extent` (y grows upwards). */
export function toPixel(extent: Extent, width: number, height: number, x: number, y: number): [number, number] {
  const [xMin, xMax, yMin, yMax] = extent;
  return [((x - xMin) / (xMax - xMin || 1)) * width, ((yMax - y) / (yMax - yMin || 1)) * height];
}

/**
 * The decision map, in colours washed towards white so the points on top keep theirs: a
 * [h, w] output over `range` (the probability of class 1, or a regression's value) runs blue ->
 * white -> orange; a [h, w, classes] output blends the class colours by probability. Row 0 is
 * the top. `discretize` paints each cell in the colour of its side of the range's middle.
 */
export function gridPixels(
  output: NDArray,
  range: Range = { min: 0, max: 1 },
  discretize = false
): { pixels: Uint8ClampedArray; width: number; height: number } {
  const [height, width, classes] = output.shape;
  const washed = CLASS_COLORS.map(lighten);
  if (output.shape.length === 3 && classes > 1) {
    return { pixels: blendClasses(output.data, classes, washed), width, height };
  }
  const stops: RGB[] = [washed[0], [255, 255, 255], washed[1]];
  const pixels = new Uint8ClampedArray(output.data.length * 4);
  const span = range.max - range.min || 1;
  for (let i = 0; i < output.data.length; i++) {
    const t = (output.data[i] - range.min) / span;
    pixels.set([...interpolate(stops, discretize ? (t >= 0.5 ? 1 : 0) : t), 255], i * 4);
  }
  return { pixels, width, height };
}

/** Class colours washed towards white, so the points on top stay visible. */
function lighten([r, g, b]: RGB): RGB {
  return [r + (255 - r) * 0.45, g + (255 - g) * 0.45, b + (255 - b) * 0.45];
}

/** A point's class colour; labels are class indices (as floats). */
export function classColor(label: number): RGB {
  const index = Math.max(0, Math.round(label));
  return CLASS_COLORS[index % CLASS_COLORS.length];
}
