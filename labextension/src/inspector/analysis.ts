/** What the inspector derives from the kernel's captures and activations. No DOM. */
import type { BufferLike, NDArray } from '../codec';
import type {
  BufferRef,
  CaptureSource,
  CaptureState,
  InspectionDetailEvent,
  InspectionDiagnostic,
  InspectionHistoryEvent,
  SummaryRef
} from '../protocol';
import { formatNumber } from '../format';
import { ProtocolError, resolveBuffer } from '../protocol';
import type { HeatScale } from '../ui/colormap';

/** Every kept capture: values[record, layer, column], NaN where a layer has no such value. */
export class InspectionHistory {
  constructor(
    readonly steps: ArrayLike<number>,
    readonly loss: ArrayLike<number>,
    readonly layers: readonly string[],
    readonly columns: readonly string[],
    private values: ArrayLike<number>
  ) {}

  static readonly empty = new InspectionHistory([], [], [], [], []);

  static fromEvent(event: InspectionHistoryEvent, buffers: readonly BufferLike[]): InspectionHistory {
    const values = resolveBuffer(event.values, buffers);
    const steps = resolveBuffer(event.steps, buffers);
    const expected = [steps.data.length, event.layers.length, event.columns.length];
    if (values.shape.join() !== expected.join()) {
      throw new ProtocolError(`inspection_history: values are [${values.shape}], expected [${expected}]`);
    }
    return new InspectionHistory(
      steps.data,
      resolveBuffer(event.loss, buffers).data,
      event.layers,
      event.columns,
      values.data
    );
  }

  get length(): number {
    return this.steps.length;
  }

  /** One layer's finite values of one column, oldest first (absent layers give []). */
  series(layer: string, column: string): number[] {
    const l = this.layers.indexOf(layer);
    const c = this.columns.indexOf(column);
    if (l < 0 || c < 0) {
      return [];
    }
    const out: number[] = [];
    for (let r = 0; r < this.length; r++) {
      const value = this.values[(r * this.layers.length + l) * this.columns.length + c];
      if (Number.isFinite(value)) {
        out.push(value);
      }
    }
    return out;
  }

  /** A layer's column as a line over the captures: null until there are two points to join. */
  trend(layer: string, column: string): number[] | null {
    const values = this.series(layer, column);
    return values.length >= 2 ? values : null;
  }

  /** The latest capture's value, null when it has none. */
  latest(layer: string, column: string): number | null {
    const l = this.layers.indexOf(layer);
    const c = this.columns.indexOf(column);
    if (l < 0 || c < 0 || this.length === 0) {
      return null;
    }
    const value = this.values[((this.length - 1) * this.layers.length + l) * this.columns.length + c];
    return Number.isNaN(value) ? null : value;
  }
}

/** The per-layer table's columns: what to look at first and what each means; a `share` is shown in percent. */
export const TABLE_COLUMNS: { column: string; label: string; title: string; share?: boolean }[] = [
  {
    column: 'activation.std',
    label: 'activation std',
    title: "How spread out the layer's outputs are. Near 0, it says about the same thing for every input."
  },
  {
    column: 'activation.zero_fraction',
    label: 'zeros',
    title: 'The share of outputs that are exactly 0. After ReLU, a large share means dead units.',
    share: true
  },
  {
    column: 'gradient.mean_abs',
    label: 'gradient mean |x|',
    title: "How strongly the loss pushes this layer's output. Tiny in the first layers: vanishing gradients."
  },
  {
    column: 'weights.update_ratio',
    label: 'update / weight',
    title: 'How much one step changes the weights, relative to their size; about 1e-3 is healthy.'
  }
];

/** What each diagnostic means, in plain words (the message says what was measured). */
export const EXPLANATIONS: Record<string, string> = {
  dead_units:
    'A ReLU unit whose input is negative for every sample outputs 0 and gets no gradient, so it stops learning and rarely recovers.',
  saturated_units:
    'Near its limits tanh or sigmoid is flat: its slope, and with it the gradient passing through, is almost 0.',
  vanishing_gradients:
    "Backpropagation multiplies the gradient by every layer's slope on the way down; many small slopes leave almost nothing for the first layers, which then barely learn.",
  exploding_gradients:
    'Slopes above 1 multiply up on the way down: huge gradients make steps that overshoot, and the loss jumps or becomes NaN.',
  update_ratio:
    'A step should change the weights by about a thousandth of their size: much more is unstable, much less crawls.',
  loss_divergence: 'The loss should go down; far above its best value, the steps are too large.',
  non_finite:
    'A NaN or Inf spreads to everything computed from it, so the first tensor holding one is where to look: a log or division of 0, an overflow, or bad data.'
};

export function explain(id: string): string {
  return EXPLANATIONS[id] ?? '';
}

/** A short label for a diagnostic id: "dead_units" -> "dead units". */
export function diagnosticLabel(id: string): string {
  return id.replace(/_/g, ' ');
}

/** Diagnostics grouped by the node they point at (for badges). */
export function diagnosticsByNode(diagnostics: readonly InspectionDiagnostic[]): Map<string, InspectionDiagnostic[]> {
  const byNode = new Map<string, InspectionDiagnostic[]>();
  for (const diagnostic of diagnostics) {
    if (diagnostic.node !== null) {
      byNode.set(diagnostic.node, [...(byNode.get(diagnostic.node) ?? []), diagnostic]);
    }
  }
  return byNode;
}

/** Findings of the run that the latest capture no longer reports (same id and node). */
export function earlierFindings(
  findings: readonly InspectionDiagnostic[],
  current: readonly InspectionDiagnostic[]
): InspectionDiagnostic[] {
  const now = new Set(current.map(d => `${d.id} ${d.node}`));
  return findings.filter(d => !now.has(`${d.id} ${d.node}`));
}

/**
 * What a capture is, by the model's training steps. A record's `step` is the training step it
 * ran, counted from 1: a batch capture runs the step that would come next without applying it,
 * so its weights are those after `step - 1` steps.
 */
export function describeStep(source: CaptureSource, step: number): string {
  if (source === 'training') {
    return `training step ${step}`;
  }
  const trained = step - 1;
  return trained === 0 ? 'a batch before any training' : `a batch after ${trained} training step${plural(trained)}`;
}

function plural(count: number): string {
  return count === 1 ? '' : 's';
}

/** One line about where the latest capture came from, or why there is none. */
export function describeCapture(capture: CaptureState): string {
  const parts: string[] = [];
  if (capture.training) {
    parts.push(`following training, a capture every ${capture.every} step${plural(capture.every)}`);
  }
  if (capture.source !== null && capture.step !== null) {
    parts.push(`latest: ${describeStep(capture.source, capture.step)}`);
    if (capture.loss !== null) {
      parts.push(`loss ${Number(capture.loss.toPrecision(3))}`);
    }
    parts.push(`${capture.records} record${plural(capture.records)}`);
  }
  return parts.length > 0 ? parts.join(' · ') : 'no capture yet';
}

/** What a heat map's colors mean, under it: the range they span, or the one value all cells have. */
export function describeHeatScale({ range, colormap, constant }: HeatScale): string {
  if (constant !== null) {
    return Number.isNaN(constant) ? 'no finite values' : `every value is ${formatNumber(constant)}`;
  }
  return colormap === 'diverging'
    ? `colors: −${formatNumber(range.max)} … 0 … ${formatNumber(range.max)}`
    : `colors: ${formatNumber(range.min)} … ${formatNumber(range.max)}`;
}

export interface Summary {
  stats: Record<string, number | null>;
  histogram: { counts: ArrayLike<number>; low: number | null; high: number | null } | null;
  heatMap: NDArray | null;
}

export interface Detail {
  node: string;
  step: number | null;
  source: InspectionDetailEvent['source'];
  activation: Summary | null;
  gradient: Summary | null;
  weights: { name: string; value: Summary; gradient: Summary; updateRatio: number | null }[];
  deadFraction: number | null;
  saturatedFraction: number | null;
}

/** The detail event with its buffers resolved. */
export function decodeDetail(event: InspectionDetailEvent, buffers: readonly BufferLike[]): Detail {
  const array = (ref: BufferRef) => resolveBuffer(ref, buffers);
  const summary = (ref: SummaryRef): Summary => ({
    stats: ref.stats,
    histogram:
      ref.histogram === null
        ? null
        : { counts: array(ref.histogram.counts).data, low: ref.histogram.low, high: ref.histogram.high },
    heatMap: ref.heat_map === null ? null : array(ref.heat_map)
  });
  return {
    node: event.node,
    step: event.step,
    source: event.source,
    activation: event.activation === null ? null : summary(event.activation),
    gradient: event.gradient === null ? null : summary(event.gradient),
    weights: event.weights.map(w => ({
      name: w.name,
      value: summary(w.value),
      gradient: summary(w.gradient),
      updateRatio: w.update_ratio
    })),
    deadFraction: event.dead_fraction,
    saturatedFraction: event.saturated_fraction
  };
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
