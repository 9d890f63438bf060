/** What the inspector computes from a report and an activation buffer. No DOM. */
import type { Report, Stats } from '../protocol';
import { rangeOf } from '../ui/colormap';

export interface Histogram {
  min: number;
  max: number;
  counts: number[];
}

/** Counts of finite values in `bins` equal-width bins between their min and max. */
export function histogram(values: ArrayLike<number>, bins = 30): Histogram {
  const { min, max } = rangeOf(values);
  const counts = new Array<number>(bins).fill(0);
  const width = (max - min) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      counts[Math.min(bins - 1, Math.max(0, Math.floor((v - min) / width)))] += 1;
    }
  }
  return { min, max, counts };
}

export interface TileLayout {
  /** Channels shown as separate tiles (channels-last outputs of conv layers). */
  tiles: number;
  rows: number;
  cols: number;
}

/**
 * How to lay an activation out as heat map tiles: a vector as a near-square grid, a matrix
 * (time x features) as itself, a feature map (h, w, channels) as one tile per channel.
 */
export function activationLayout(shape: readonly number[], maxTiles = 32): TileLayout {
  const size = shape.reduce((a, b) => a * b, 1);
  if (shape.length <= 1) {
    const cols = Math.max(1, Math.ceil(Math.sqrt(size)));
    return { tiles: 1, rows: Math.max(1, Math.ceil(size / cols)), cols };
  }
  if (shape.length === 2) {
    return { tiles: 1, rows: shape[0], cols: shape[1] };
  }
  const channels = shape[shape.length - 1];
  const cols = shape[shape.length - 2];
  const rows = size / channels / cols;
  return { tiles: Math.min(channels, maxTiles), rows, cols };
}

/** The values of tile `t`, row-major, padded with NaN to rows x cols. */
export function tileValues(
  values: ArrayLike<number>,
  shape: readonly number[],
  layout: TileLayout,
  t: number
): Float32Array {
  const out = new Float32Array(layout.rows * layout.cols).fill(Number.NaN);
  if (shape.length <= 2) {
    for (let i = 0; i < values.length && i < out.length; i++) {
      out[i] = values[i];
    }
    return out;
  }
  const channels = shape[shape.length - 1];
  for (let i = 0; i < out.length; i++) {
    out[i] = values[i * channels + t];
  }
  return out;
}

/** Per-node stats, one entry per report seen: how a layer's outputs move during training. */
export class StatsHistory {
  private byNode = new Map<string, { sample: number; stats: Stats }[]>();

  record(report: Report): void {
    const entries = this.byNode.get(report.node) ?? [];
    const last = entries[entries.length - 1];
    if (
      last === undefined ||
      last.sample !== report.sample ||
      JSON.stringify(last.stats) !== JSON.stringify(report.stats)
    ) {
      entries.push({ sample: report.sample, stats: report.stats });
      this.byNode.set(report.node, entries.slice(-200));
    }
  }

  series(node: string, stat: keyof Stats): number[] {
    return (this.byNode.get(node) ?? []).map(entry => entry.stats[stat]);
  }
}

export const STAT_EXPLANATIONS: Record<keyof Stats, string> = {
  mean: 'The average output. Far from zero in a hidden layer can slow training of the next layer.',
  std: 'How spread out the outputs are. Near zero means the layer says about the same thing for every input.',
  min: 'The smallest output.',
  max: 'The largest output. Huge values often come before a NaN loss.',
  fraction_zero:
    'The share of outputs that are exactly zero. After ReLU, a large share means units that never fire ("dead" units) and stop learning.'
};

export interface Badge {
  label: string;
  kind: 'ok' | 'warning' | 'info';
}

export function badges(report: Report): Badge[] {
  const warnings = report.diagnostics.filter(d => d.severity === 'warning').length;
  const infos = report.diagnostics.length - warnings;
  const result: Badge[] = [];
  if (warnings > 0) {
    result.push({ label: `${warnings} warning${warnings === 1 ? '' : 's'}`, kind: 'warning' });
  }
  if (infos > 0) {
    result.push({ label: `${infos} note${infos === 1 ? '' : 's'}`, kind: 'info' });
  }
  if (warnings === 0) {
    result.push({ label: 'looks healthy', kind: 'ok' });
  }
  return result;
}
