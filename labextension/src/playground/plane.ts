/** The playground's plane: data coordinates <-> pixels, and the grid's colours. No DOM. */
import type { NDArray } from '../codec';
import { blendClasses, CLASS_COLORS, RGB, toPixels } from '../ui/colormap';

export type Extent = [number, number, number, number];

/** Pixel position of a data point in a width x height image of `extent` (y grows upwards). */
export function toPixel(extent: Extent, width: number, height: number, x: number, y: number): [number, number] {
  const [xMin, xMax, yMin, yMax] = extent;
  return [((x - xMin) / (xMax - xMin || 1)) * width, ((yMax - y) / (yMax - yMin || 1)) * height];
}

/**
 * The decision map: a [h, w] output is the probability of class 1 (blue -> white -> orange);
 * a [h, w, classes] output blends the class colours by probability. Row 0 is the top.
 */
export function gridPixels(output: NDArray): { pixels: Uint8ClampedArray; width: number; height: number } {
  const [height, width, classes] = output.shape;
  const pixels =
    output.shape.length === 3 && classes > 1
      ? blendClasses(output.data, classes, CLASS_COLORS.map(lighten))
      : toPixels(output.data, { min: 0, max: 1 }, 'diverging');
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
