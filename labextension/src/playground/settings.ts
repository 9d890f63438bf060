/**
 * What the playground's controls may ask for, checked before anything is sent (the kernel
 * checks again): each edit gives the `configure` changes, or the message the control shows.
 * No DOM.
 */
import type { PlaygroundSettings } from '../protocol';

export type Edit = { changes: Partial<PlaygroundSettings> } | { refused: string };

export interface Limits {
  max_layers: number;
  max_neurons: number;
}

/** One hidden layer more (4 neurons, as TensorFlow Playground adds) or one fewer. */
export function editLayers(hidden: readonly number[], delta: 1 | -1, limits: Limits): Edit {
  if (delta > 0 && hidden.length >= limits.max_layers) {
    return { refused: `At most ${limits.max_layers} hidden layers.` };
  }
  if (delta < 0 && hidden.length === 0) {
    return { refused: 'There is no hidden layer to remove.' };
  }
  return { changes: { hidden: delta > 0 ? [...hidden, 4] : hidden.slice(0, -1) } };
}

/** One neuron more or fewer in hidden layer `layer` (0-based). */
export function editNeurons(hidden: readonly number[], layer: number, delta: 1 | -1, limits: Limits): Edit {
  const units = hidden[layer] + delta;
  if (units < 1) {
    return { refused: 'A layer needs at least 1 neuron: remove the layer instead.' };
  }
  if (units > limits.max_neurons) {
    return { refused: `At most ${limits.max_neurons} neurons per layer.` };
  }
  return { changes: { hidden: hidden.map((n, i) => (i === layer ? units : n)) } };
}

/** A feature switched on or off; at least one must stay on. */
export function editFeatures(features: readonly string[], all: readonly string[], name: string, on: boolean): Edit {
  const chosen = all.filter(f => (f === name ? on : features.includes(f)));
  return chosen.length === 0 ? { refused: 'Keep at least one input feature.' } : { changes: { features: chosen } };
}

const NUMBERS: Record<string, { low: number; high: number; integer?: boolean; lowOpen?: boolean; label: string }> = {
  learning_rate: { low: 0, high: 10, lowOpen: true, label: 'The learning rate' },
  regularization_rate: { low: 0, high: 10, label: 'The regularization rate' },
  ratio: { low: 10, high: 90, integer: true, label: 'The share of training data (%)' },
  noise: { low: 0, high: 1, label: 'The noise' },
  batch_size: { low: 1, high: 5000, integer: true, label: 'The batch size' },
  samples: { low: 10, high: 5000, integer: true, label: 'The number of points' },
  seed: { low: 0, high: 2 ** 31 - 1, integer: true, label: 'The seed' }
};

/** A number typed into a control: the change, or why it cannot be. */
export function editNumber(field: string, text: string): Edit {
  const rule = NUMBERS[field];
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    return { refused: `${rule.label} must be a number.` };
  }
  if (rule.integer && !Number.isInteger(value)) {
    return { refused: `${rule.label} must be a whole number.` };
  }
  if (value > rule.high || value < rule.low || (rule.lowOpen && value === rule.low)) {
    const low = rule.lowOpen ? `above ${rule.low}` : `at least ${rule.low}`;
    return { refused: `${rule.label} must be ${low} and at most ${rule.high}.` };
  }
  return { changes: { [field]: value } };
}

/** How a feature is written for people: x1², x1·x2, sin(x1). */
export function featureLabel(name: string): string {
  return name.replace('^2', '²').replace('*', '·');
}

/** How a hidden unit is named for people (layer names are the kernel's `layer_<n>`). */
export function neuronLabel(layerIndex: number, unit: number): string {
  return `layer ${layerIndex + 1}, neuron ${unit + 1}`;
}

export interface LossChart {
  train: string; // polyline points
  test: string;
  xTicks: { value: number; at: number }[];
  yTicks: { value: number; at: number }[];
}

/**
 * The loss chart's geometry in a width x height plot area: x is epochs (steps / steps per
 * epoch), y the loss from 0 to the highest value shown.
 */
export function lossChart(
  train: { steps: ArrayLike<number>; values: ArrayLike<number> },
  test: { steps: ArrayLike<number>; values: ArrayLike<number> },
  stepsPerEpoch: number,
  width: number,
  height: number,
  ticks: (low: number, high: number, count: number) => number[]
): LossChart {
  const epochs = (steps: ArrayLike<number>) => Array.from(steps, s => s / Math.max(1, stepsPerEpoch));
  const all = [...Array.from(train.values), ...Array.from(test.values)].filter(Number.isFinite);
  const xs = [...epochs(train.steps), ...epochs(test.steps)];
  const xMax = Math.max(1, ...xs);
  const yMax = all.length === 0 ? 1 : Math.max(1e-6, ...all);
  const px = (epoch: number) => (epoch / xMax) * width;
  const py = (loss: number) => height - (Math.min(loss, yMax) / yMax) * height;
  const line = (set: { steps: ArrayLike<number>; values: ArrayLike<number> }) =>
    epochs(set.steps)
      .map((epoch, i) => [epoch, set.values[i]])
      .filter(([, v]) => Number.isFinite(v))
      .map(([epoch, v]) => `${px(epoch).toFixed(1)},${py(v).toFixed(1)}`)
      .join(' ');
  return {
    train: line(train),
    test: line(test),
    xTicks: ticks(0, xMax, 4).map(value => ({ value, at: px(value) })),
    yTicks: ticks(0, yMax, 3).map(value => ({ value, at: py(value) }))
  };
}
