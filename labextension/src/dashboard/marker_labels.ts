/**
 * Where the labels of a plot's markers go, so that no two overlap: along the top of the plot
 * area, beside their line (right of it, or left near the right edge), each in the first of a few
 * rows where it clears the labels already there. A label with no room in any row is left out
 * (its line stays; the shown labels say their step on hover). No DOM.
 */
import type { Marker } from '../protocol';

export interface LabelSpace {
  /** The plot area's width in pixels. */
  width: number;
  /** Pixels from the plot area's left edge to a step. */
  x(step: number): number;
  /** A label's width in pixels, as drawn. */
  textWidth(text: string): number;
  rows: number;
}

export interface PlacedLabel {
  marker: Marker;
  row: number;
  /** Which side of the label touches the line: 'left' puts the label right of it. */
  anchor: 'left' | 'right';
}

export const LABEL_GAP = 4; // pixels between a label and its line, and between two labels

export function placeLabels(markers: readonly Marker[], space: LabelSpace): PlacedLabel[] {
  const rowEnds: number[] = Array(space.rows).fill(-Infinity);
  const placed: PlacedLabel[] = [];
  for (const marker of [...markers].sort((a, b) => a.step - b.step)) {
    const x = space.x(marker.step);
    const width = space.textWidth(marker.label);
    const anchor = x + LABEL_GAP + width <= space.width ? 'left' : 'right';
    const left = anchor === 'left' ? x + LABEL_GAP : x - LABEL_GAP - width;
    const row = left < 0 ? -1 : rowEnds.findIndex(end => end + LABEL_GAP <= left);
    if (row !== -1) {
      rowEnds[row] = left + width;
      placed.push({ marker, row, anchor });
    }
  }
  return placed;
}
