/**
 * Training curves as the kernel streams them (`curve_delta` events): a reset replaces every
 * series, any other delta appends to them. The kernel thins what it sends
 * (workbench/curves.py), so a series holds a few thousand points however long training
 * runs, and a view may redraw it whole. No DOM.
 */
import type { BufferLike } from '../codec';
import type { CurveDelta, Marker } from '../protocol';
import { resolveBuffer } from '../protocol';

/** One curve as last received; a delta replaces it with new arrays. */
export interface Series {
  readonly name: string;
  readonly steps: readonly number[];
  readonly values: readonly number[];
}

export class CurveStore {
  readonly series = new Map<string, Series>();
  markers: Marker[] = [];

  /** Applies a delta; an unreadable one (steps and values of different lengths) changes nothing. */
  apply(delta: CurveDelta, buffers: readonly BufferLike[]): void {
    const arrived = delta.series.map(item => {
      const steps = resolveBuffer(item.steps, buffers).data;
      const values = resolveBuffer(item.values, buffers).data;
      if (steps.length !== values.length) {
        throw new Error(`curve ${item.name}: ${steps.length} steps but ${values.length} values`);
      }
      return { name: item.name, steps, values };
    });
    if (delta.reset) {
      this.series.clear();
      this.markers = [];
    }
    for (const { name, steps, values } of arrived) {
      const series = this.series.get(name) ?? { name, steps: [], values: [] };
      // New arrays, not the old ones grown: a chart keeps the arrays it drew.
      this.series.set(name, {
        name,
        steps: [...series.steps, ...steps],
        values: [...series.values, ...values]
      });
    }
    this.markers = [...this.markers, ...delta.markers];
  }

  /** The last value of a series, for a label. */
  latest(name: string): number | null {
    const values = this.series.get(name)?.values;
    return values === undefined || values.length === 0 ? null : values[values.length - 1];
  }

  /** The step at which the current run started (the last `start` marker), or 0. */
  runStart(): number {
    const starts = this.markers.filter(marker => marker.kind === 'start');
    return starts.length === 0 ? 0 : starts[starts.length - 1].step;
  }
}

/** Losses on one plot, metrics on another: their scales differ. */
export function isLoss(name: string): boolean {
  return name.endsWith('loss');
}
