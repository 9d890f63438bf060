/**
 * Training curves as the kernel streams them (`curve_delta` events): every point so far,
 * plus what arrived since the last redraw, so a view can extend its plot with only the new
 * points. No DOM.
 */
import type { BufferLike } from '../codec';
import type { CurveDelta, Marker } from '../protocol';
import { resolveBuffer } from '../protocol';

export interface Series {
  name: string;
  steps: number[];
  values: number[];
}

export interface CurveChanges {
  /** Redraw everything: a reset, or a series the plot has no trace for yet. */
  full: boolean;
  /** New points per series name (when not `full`). */
  appended: Map<string, { steps: number[]; values: number[] }>;
  markersChanged: boolean;
}

export class CurveStore {
  readonly series = new Map<string, Series>();
  markers: Marker[] = [];
  private changes: CurveChanges = { full: false, appended: new Map(), markersChanged: false };

  apply(delta: CurveDelta, buffers: readonly BufferLike[]): void {
    if (delta.reset) {
      this.series.clear();
      this.markers = [];
      this.changes = { full: true, appended: new Map(), markersChanged: true };
    }
    for (const item of delta.series) {
      const steps = Array.from(resolveBuffer(item.steps, buffers).data);
      const values = Array.from(resolveBuffer(item.values, buffers).data);
      if (steps.length !== values.length) {
        throw new Error(`curve ${item.name}: ${steps.length} steps but ${values.length} values`);
      }
      let series = this.series.get(item.name);
      if (series === undefined) {
        series = { name: item.name, steps: [], values: [] };
        this.series.set(item.name, series);
        this.changes.full = true;
      }
      series.steps.push(...steps);
      series.values.push(...values);
      if (!this.changes.full) {
        const pending = this.changes.appended.get(item.name) ?? { steps: [], values: [] };
        pending.steps.push(...steps);
        pending.values.push(...values);
        this.changes.appended.set(item.name, pending);
      }
    }
    if (delta.markers.length > 0) {
      this.markers = [...this.markers, ...delta.markers];
      this.changes.markersChanged = true;
    }
  }

  /** What changed since the last call; the view redraws from it. */
  takeChanges(): CurveChanges {
    const changes = this.changes;
    this.changes = { full: false, appended: new Map(), markersChanged: false };
    if (changes.full) {
      changes.appended.clear();
    }
    return changes;
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
