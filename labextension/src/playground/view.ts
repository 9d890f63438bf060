/**
 * The playground, TensorFlow-Playground style: data and features on the left, the network in
 * the middle (a heat map per hidden neuron, +/- to change layers and neurons), the output over
 * the plane and the loss chart on the right; play/pause, step, reset and the settings on top.
 * The view only renders the kernel's `settings` and sends `configure` intents.
 */
import type { BufferLike } from '../codec';
import { formatNumber } from '../format';
import type {
  BufferRef,
  DataSummary,
  DatasetState,
  GridEvent,
  Intent,
  KernelEvent,
  PlaygroundSettingsState,
  PointsEvent,
  TrainingConfig,
  TrainingStatus
} from '../protocol';
import { resolveBuffer } from '../protocol';
import { CurveStore } from '../training/curves';
import { Banner } from '../ui/banner';
import { cssColor, rangeOf, RGB, symmetric, toPixels } from '../ui/colormap';
import { h, listen, s } from '../ui/dom';
import { paintPixels } from '../ui/heatmap';
import { FrameScheduler } from '../ui/scheduler';
import { niceTicks, tickLabel } from '../ui/ticks';
import type { Cleanup, Problem } from '../widget';
import { classColor, Extent, gridPixels, toPixel } from './plane';
import {
  Edit,
  editFeatures,
  editLayers,
  editNeurons,
  editNumber,
  featureLabel,
  lossChart,
  neuronLabel
} from './settings';

export interface PlaygroundState {
  status: TrainingStatus;
  backends: string[];
  data: DataSummary | null;
  config: TrainingConfig;
  dataset: DatasetState;
  settings: PlaygroundSettingsState;
  epoch: number;
  resolution: number;
  extent: number[];
}

const PLANE_SIZE = 300;
const CHART = { width: 300, height: 110, left: 40, bottom: 26 };
/** A paused playground has ended its run (so every setting may change): say "paused". */
const STATE_NAMES: Record<string, string> = { stopped: 'paused', stopping: 'pausing' };
const PLAY_EPOCHS = 100_000;
const DATASET_LABELS: Record<string, string> = { multi_gaussian: 'multi-gaussian' };

interface Points {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

export class PlaygroundView {
  readonly element: HTMLDivElement;
  readonly banner = new Banner();
  private store = new CurveStore();
  // play/pause, step, reset and the epoch: redrawn with the status; the settings beside them
  // only when they change (so a field being typed in is not replaced while training runs)
  private transportParts = [
    button('play', '▶', 'Play: train until paused'),
    button('step', 'Step', 'Train one epoch'),
    h('span', { class: 'wb-pg-epoch', 'data-testid': 'epoch' }, 'Epoch 0'),
    h('span', { class: 'wb-hint', 'data-testid': 'playground-status' })
  ] as const;
  private transport = h(
    'span',
    { class: 'wb-pg-plusminus' },
    button('reset', '↺', 'Reset: fresh weights, the same settings'),
    ...this.transportParts
  );
  private settingsBar = h('span', { class: 'wb-toolbar wb-pg-toolbar' });
  private toolbar = h('div', { class: 'wb-toolbar wb-pg-toolbar' }, this.transport, this.settingsBar);
  private dataColumn = h('div', { class: 'wb-pg-column wb-pg-data', 'data-testid': 'playground-data' });
  private network = h('div', { class: 'wb-pg-network', 'data-testid': 'neurons' });
  private heat = h('canvas', { class: 'wb-plane-heat' });
  private overlay = h('canvas', { class: 'wb-plane-points', width: PLANE_SIZE, height: PLANE_SIZE });
  private lossText = h('div', { class: 'wb-pg-loss-text', 'data-testid': 'playground-loss-text' });
  private chart = h('div', { class: 'wb-pg-chart', 'data-testid': 'playground-loss' });
  private message = h('div', { class: 'wb-pg-message', role: 'status', 'data-testid': 'playground-message' });
  private state: Partial<PlaygroundState> = {};
  private points: { train: Points; test: Points } | null = null;
  private grid: {
    event: GridEvent;
    output: Float32Array;
    shape: number[];
    units: Maps | null;
    inputs: Maps | null;
  } | null = null;
  private networkKey = '';
  private extent: Extent = [-1, 1, -1, 1];
  // how the output is shown: the view's own, not the kernel's
  private showTest = h('input', { type: 'checkbox', checked: true, 'data-view': 'show-test' });
  private discretize = h('input', { type: 'checkbox', 'data-view': 'discretize' });
  private scheduler = new FrameScheduler();
  private cleanups: Cleanup[];

  constructor(private send: (intent: Intent) => unknown) {
    const plane = h('div', { class: 'wb-plane', 'data-testid': 'plane' }, this.heat, this.overlay);
    this.element = h(
      'div',
      { class: 'wb-playground wb-root' },
      this.toolbar,
      this.message,
      this.banner.element,
      h(
        'div',
        { class: 'wb-playground-body' },
        this.dataColumn,
        h('div', { class: 'wb-pg-column' }, h('h4', {}, 'Network'), this.network),
        h(
          'div',
          { class: 'wb-pg-column' },
          h('h4', {}, 'Output'),
          this.lossText,
          plane,
          h(
            'div',
            { class: 'wb-pg-plusminus' },
            h('label', { class: 'wb-label' }, this.showTest, 'Show test data'),
            h('label', { class: 'wb-label' }, this.discretize, 'Discretize output')
          ),
          this.chart
        )
      )
    );
    this.cleanups = [
      listen(this.element, 'click', event => this.onClick(event)),
      listen(this.element, 'change', event => this.onChange(event))
    ];
  }

  // ------------------------------------------------------------------------- intents
  private onClick(event: Event): void {
    const button = (event.target as Element).closest<HTMLElement>('[data-action]');
    if (button === null || !this.element.contains(button)) {
      return;
    }
    const values = this.state.settings?.values;
    const limits = this.state.settings?.choices;
    const action = button.dataset.action;
    this.showRefusal(null);
    if (action === 'play') {
      this.send({ type: 'start', epochs: PLAY_EPOCHS, batch_size: values?.batch_size ?? 10 });
    } else if (action === 'pause') {
      this.send({ type: 'pause' });
    } else if (action === 'step') {
      this.send({ type: 'start', epochs: 1, batch_size: values?.batch_size ?? 10 });
    } else if (action === 'reset') {
      this.send({ type: 'reset_weights' });
    } else if (action === 'regenerate' && values !== undefined) {
      this.apply({ changes: { seed: (values.seed + 1) % 2 ** 31 } });
    } else if (values !== undefined && limits !== undefined) {
      const delta = button.dataset.delta === '+' ? 1 : -1;
      if (action === 'layers') {
        this.apply(editLayers(values.hidden, delta, limits));
      } else if (action === 'neurons') {
        this.apply(editNeurons(values.hidden, Number(button.dataset.layer), delta, limits));
      }
    }
  }

  private onChange(event: Event): void {
    const control = event.target as HTMLInputElement | HTMLSelectElement;
    if (control === this.showTest) {
      this.drawPoints();
      return;
    }
    if (control === this.discretize) {
      this.drawOutput();
      return;
    }
    const field = control.dataset.field;
    const values = this.state.settings?.values;
    if (field === undefined || values === undefined) {
      return;
    }
    if (field === 'backend') {
      this.send({ type: 'set_backend', backend: control.value });
    } else if (field === 'feature') {
      const all = this.state.settings!.choices.features;
      this.apply(editFeatures(values.features, all, control.value, (control as HTMLInputElement).checked));
    } else if (control instanceof HTMLSelectElement) {
      this.apply({ changes: { [field]: control.value } });
    } else {
      this.apply(editNumber(field, control.value));
    }
  }

  /** Sends a change, or shows why it cannot be and puts the controls back as they were. */
  private apply(edit: Edit): void {
    if ('refused' in edit) {
      this.showRefusal(edit.refused);
      if (this.state.settings !== undefined) {
        this.showSettings(this.state.settings);
      }
      return;
    }
    this.showRefusal(null);
    this.send({ type: 'configure', changes: edit.changes });
  }

  private showRefusal(text: string | null): void {
    this.message.textContent = text ?? '';
    this.message.classList.toggle('wb-pg-refused', text !== null);
  }

  // -------------------------------------------------------------------------- state
  update(values: Partial<PlaygroundState>): void {
    this.state = { ...this.state, ...values };
    if (values.settings !== undefined || values.dataset !== undefined || values.backends !== undefined) {
      const settings = this.state.settings;
      if (settings !== undefined) {
        this.showSettings(settings);
      }
    }
    if (values.status !== undefined || values.epoch !== undefined) {
      this.scheduler.schedule('toolbar', () => this.showToolbar());
    }
  }

  private showSettings(settings: PlaygroundSettingsState): void {
    this.showSettingsBar(settings);
    this.showToolbar();
    this.showData(settings);
    this.drawNetwork();
  }

  private showToolbar(): void {
    const settings = this.state.settings;
    const status = this.state.status;
    if (settings === undefined) {
      return;
    }
    const running = status?.state === 'running' || status?.state === 'stopping';
    const speed =
      running && status?.steps_per_second !== null && (status?.steps_per_second ?? 0) > 0
        ? ` · ${formatNumber(status!.steps_per_second!)} steps/s`
        : '';
    // changed in place, never replaced: a click must land on the button it pressed
    const [play, step, epoch, state] = this.transportParts;
    const [action, text, title] = running ? ['pause', '❚❚', 'Pause'] : ['play', '▶', 'Play: train until paused'];
    if (play.dataset.action !== action) {
      Object.assign(play, { textContent: text, title });
      play.dataset.action = action;
      play.setAttribute('aria-label', title);
    }
    step.disabled = running;
    epoch.textContent = `Epoch ${this.state.epoch ?? 0}`;
    state.textContent = `${STATE_NAMES[status?.state ?? ''] ?? status?.state ?? ''}${speed}`;
    const backend = this.settingsBar.querySelector<HTMLSelectElement>('[data-field=backend]');
    if (backend !== null && status !== undefined && backend.value !== status.backend) {
      backend.value = status.backend;
    }
  }

  private showSettingsBar(settings: PlaygroundSettingsState): void {
    const { values, choices, custom_model: custom } = settings;
    this.settingsBar.replaceChildren(
      labelled('Learning rate', numberInput('learning_rate', values.learning_rate, 'any')),
      labelled('Activation', select('activation', choices.activation, values.activation, custom)),
      labelled('Regularization', select('regularization', choices.regularization, values.regularization, custom)),
      labelled('Regularization rate', numberInput('regularization_rate', values.regularization_rate, 'any', custom)),
      labelled('Problem type', select('problem', choices.problem, values.problem, custom)),
      labelled('Backend', select('backend', this.state.backends ?? [], this.state.status?.backend ?? ''))
    );
  }

  private showData(settings: PlaygroundSettingsState): void {
    const { values } = settings;
    const datasets = this.state.dataset?.choices ?? [values.dataset];
    this.dataColumn.replaceChildren(
      h('h4', {}, 'Data'),
      labelled('Dataset', select('dataset', datasets, values.dataset, false, DATASET_LABELS)),
      labelled('Training data (%)', numberInput('ratio', values.ratio, 10)),
      labelled('Noise (0–1)', numberInput('noise', values.noise, 0.05)),
      labelled('Batch size', numberInput('batch_size', values.batch_size, 1)),
      labelled('Points', numberInput('samples', values.samples, 10)),
      button('regenerate', 'Regenerate', 'New points: the next seed'),
      h('h4', {}, 'Share'),
      h('input', {
        class: 'wb-pg-fragment',
        readonly: true,
        value: settings.fragment,
        title: 'The whole configuration: wb.Playground(config="…") restores it',
        'data-testid': 'fragment'
      })
    );
  }

  // ---------------------------------------------------------------------- the network
  private drawNetwork(): void {
    const settings = this.state.settings;
    if (settings === undefined) {
      return;
    }
    const { values, choices, custom_model: custom } = settings;
    const layers = new Map<string, { unit: number; index: number }[]>();
    this.grid?.event.neurons.forEach((neuron, index) => {
      layers.set(neuron.node, [...(layers.get(neuron.node) ?? []), { unit: neuron.unit, index }]);
    });
    // The same network: repaint its tiles in place (buttons replaced 10 times a second lose clicks)
    const inputs = this.grid?.event.inputs ?? [];
    const key = JSON.stringify([
      custom,
      values.hidden,
      values.features,
      inputs,
      [...layers.values()].map(u => u.length)
    ]);
    if (key === this.networkKey) {
      this.network.querySelectorAll<HTMLCanvasElement>('canvas[data-input]').forEach((canvas, index) => {
        paintMap(canvas, this.grid?.inputs ?? null, index);
      });
      this.network.querySelectorAll<HTMLCanvasElement>('canvas[data-neuron]').forEach((canvas, index) => {
        paintMap(canvas, this.grid?.units ?? null, index);
      });
      return;
    }
    this.networkKey = key;
    const inputColumn = h(
      'div',
      { class: 'wb-pg-layer', 'data-testid': 'inputs' },
      h('div', { class: 'wb-pg-caption' }, 'Inputs'),
      ...inputs.map((name, index) => this.inputTile(name, index, values.features.includes(name) || custom, custom))
    );
    const columns = [...layers.entries()].map(([, units], layerIndex) =>
      h(
        'div',
        { class: 'wb-pg-layer', 'data-testid': `layer-${layerIndex + 1}` },
        custom
          ? null
          : h(
              'div',
              { class: 'wb-pg-plusminus' },
              small('neurons', '+', 'One neuron more', layerIndex),
              small('neurons', '−', 'One neuron fewer', layerIndex)
            ),
        h('div', { class: 'wb-pg-caption' }, `${units.length} neuron${units.length === 1 ? '' : 's'}`),
        ...units.map(({ unit, index }) => this.neuronTile(index, neuronLabel(layerIndex, unit)))
      )
    );
    const header = custom
      ? h('p', { class: 'wb-hint' }, 'Your own model: its layers are fixed.')
      : h(
          'div',
          { class: 'wb-pg-plusminus' },
          small('layers', '+', 'One hidden layer more'),
          small('layers', '−', 'One hidden layer fewer'),
          h('span', { class: 'wb-pg-caption' }, `${values.hidden.length} hidden layers (at most ${choices.max_layers})`)
        );
    this.network.replaceChildren(header, h('div', { class: 'wb-pg-layers' }, inputColumn, ...columns));
  }

  /** An input feature's map, with the checkbox that feeds it to the network (or not). */
  private inputTile(name: string, index: number, on: boolean, fixed: boolean): HTMLElement {
    const canvas = h('canvas', { class: 'wb-neuron-tile', 'data-input': name });
    paintMap(canvas, this.grid?.inputs ?? null, index);
    const toggle = h('input', { type: 'checkbox', 'data-field': 'feature', value: name, checked: on, disabled: fixed });
    return h(
      'figure',
      { class: `wb-neuron wb-pg-input${on ? '' : ' wb-pg-off'}`, title: featureLabel(name) },
      canvas,
      h('figcaption', {}, h('label', {}, toggle, featureLabel(name)))
    );
  }

  private neuronTile(index: number, label: string): HTMLElement {
    const canvas = h('canvas', { class: 'wb-neuron-tile', 'data-neuron': index });
    paintMap(canvas, this.grid?.units ?? null, index);
    return h(
      'figure',
      { class: 'wb-neuron', title: label, 'data-testid': 'neuron' },
      canvas,
      h('figcaption', {}, label)
    );
  }

  // ------------------------------------------------------------------------ events
  onEvent(event: KernelEvent, buffers: readonly BufferLike[]): void {
    if (event.type === 'points') {
      this.points = this.readPoints(event, buffers);
      this.scheduler.schedule('points', () => this.drawPoints());
    } else if (event.type === 'grid') {
      this.onGrid(event, buffers);
    } else if (event.type === 'curve_delta') {
      this.store.apply(event, buffers);
      this.scheduler.schedule('loss', () => this.drawLoss());
    }
  }

  private readPoints(event: PointsEvent, buffers: readonly BufferLike[]) {
    const read = (set: PointsEvent['train']) => ({
      x: resolveBuffer(set.x, buffers).data,
      y: resolveBuffer(set.y, buffers).data
    });
    return { train: read(event.train), test: read(event.test) };
  }

  private onGrid(event: GridEvent, buffers: readonly BufferLike[]): void {
    const output = resolveBuffer(event.output, buffers);
    const neuronValues = event.neuron_values === null ? null : resolveBuffer(event.neuron_values, buffers);
    // Copy now: the buffers belong to the message, the drawing happens on the next frame.
    this.grid = {
      event,
      output: Float32Array.from(output.data),
      shape: output.shape,
      units: neuronValues === null ? null : { data: Float32Array.from(neuronValues.data), shape: neuronValues.shape },
      inputs: readMaps(event.input_values, buffers)
    };
    this.scheduler.schedule('grid', () => {
      if (event.extent.length === 4) {
        const changed = event.extent.some((v, i) => v !== this.extent[i]);
        this.extent = event.extent as Extent;
        if (changed) {
          this.drawPoints();
        }
      }
      this.drawOutput();
      this.drawNetwork();
    });
  }

  private drawOutput(): void {
    if (this.grid === null) {
      return;
    }
    const output = { data: this.grid.output, shape: this.grid.shape, dtype: 'float32' as const };
    const { pixels, width, height } = gridPixels(output, this.outputRange(), this.discretize.checked);
    paintPixels(this.heat, pixels, width, height);
  }

  private regression(): boolean {
    return this.state.dataset?.task === 'regression';
  }

  private outputRange() {
    return this.regression() ? { min: -1, max: 1 } : { min: 0, max: 1 };
  }

  /**
   * Points filled with their class colour (or value) and outlined, as TensorFlow Playground
   * draws them: white for training (thin grey for a regression, whose 0 is white), black for test.
   */
  private drawPoints(): void {
    const context = this.overlay.getContext('2d');
    if (context === null) {
      return;
    }
    context.clearRect(0, 0, PLANE_SIZE, PLANE_SIZE);
    if (this.points === null) {
      return;
    }
    const range = this.outputRange();
    const colour = (label: number): string =>
      this.regression()
        ? cssColor(Array.from(toPixels([label], range, 'diverging').slice(0, 3)) as RGB)
        : cssColor(classColor(label));
    const draw = (set: Points, test: boolean) => {
      for (let i = 0; i < set.y.length; i++) {
        const [px, py] = toPixel(this.extent, PLANE_SIZE, PLANE_SIZE, set.x[2 * i], set.x[2 * i + 1]);
        context.beginPath();
        context.arc(px, py, 3.5, 0, 2 * Math.PI);
        context.fillStyle = colour(set.y[i]);
        context.strokeStyle = test ? '#000' : this.regression() ? '#777' : '#fff';
        context.lineWidth = test ? 1.4 : 1;
        context.fill();
        context.stroke();
      }
    };
    draw(this.points.train, false);
    if (this.showTest.checked) {
      draw(this.points.test, true);
    }
  }

  private drawLoss(): void {
    const empty = { steps: [], values: [] };
    const train = this.store.series.get('loss') ?? empty;
    const test = this.store.series.get('val_loss') ?? empty;
    const perEpoch = this.state.status?.steps_per_epoch ?? 1;
    const text = (value: number | null) => (value === null ? '–' : formatNumber(value));
    this.lossText.textContent = `Test loss ${text(this.store.latest('val_loss'))} · Training loss ${text(
      this.store.latest('loss')
    )}`;
    const { width, height, left, bottom } = CHART;
    const geometry = lossChart(train, test, perEpoch, width - left - 6, height - bottom - 6, niceTicks);
    const plot = s('g', { transform: `translate(${left},6)` });
    for (const tick of geometry.xTicks) {
      plot.append(
        s('line', { x1: tick.at, x2: tick.at, y1: height - bottom - 6, y2: height - bottom - 2, class: 'wb-pg-axis' }),
        s('text', { x: tick.at, y: height - bottom + 8, 'text-anchor': 'middle' }, tickLabel(tick.value))
      );
    }
    for (const tick of geometry.yTicks) {
      plot.append(s('text', { x: -4, y: tick.at + 3, 'text-anchor': 'end' }, tickLabel(tick.value)));
    }
    plot.append(
      s('polyline', {
        class: 'wb-pg-axis',
        points: `0,0 0,${height - bottom - 6} ${width - left - 6},${height - bottom - 6}`
      }),
      s('polyline', { class: 'wb-pg-train', points: geometry.train }),
      s('polyline', { class: 'wb-pg-test', points: geometry.test })
    );
    const latestTest = geometry.test.split(' ').pop();
    if (latestTest) {
      const [cx, cy] = latestTest.split(',').map(Number);
      plot.append(s('circle', { class: 'wb-pg-test-dot', cx, cy, r: 2.5 })); // one epoch is one point
    }
    const svg = s(
      'svg',
      { width, height, viewBox: `0 0 ${width} ${height}`, class: 'wb-pg-loss-chart' },
      plot,
      s('text', { x: left + (width - left) / 2, y: height - 2, 'text-anchor': 'middle' }, 'epochs'),
      s(
        'text',
        {
          x: 8,
          y: 4 + (height - bottom) / 2,
          transform: `rotate(-90 8 ${4 + (height - bottom) / 2})`,
          'text-anchor': 'middle'
        },
        'loss'
      )
    );
    const legend = h(
      'div',
      { class: 'wb-pg-legend' },
      h('span', { class: 'wb-pg-key-train' }, '— training'),
      h('span', { class: 'wb-pg-key-test' }, '— test')
    );
    this.chart.replaceChildren(svg, legend);
  }

  showNotLive(): void {
    this.element
      .querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLSelectElement>('button, input, select')
      .forEach(control => (control.disabled = true));
    this.message.textContent = 'The kernel has stopped.';
  }

  showProblem(problem: Problem): void {
    this.banner.show(problem);
  }

  dispose(): void {
    this.scheduler.dispose();
    this.banner.dispose();
    this.cleanups.forEach(cleanup => cleanup());
  }
}

type Maps = { data: Float32Array; shape: number[] };

function readMaps(ref: BufferRef | undefined, buffers: readonly BufferLike[]): Maps | null {
  if (ref === undefined) {
    return null;
  }
  const maps = resolveBuffer(ref, buffers);
  return { data: Float32Array.from(maps.data), shape: maps.shape };
}

/** Map `index` of [n, h, w] `maps` into `canvas`, on its own scale around 0 (a ReLU's small early outputs show too). */
function paintMap(canvas: HTMLCanvasElement, maps: Maps | null, index: number): void {
  if (maps === null || index >= maps.shape[0]) {
    return;
  }
  const [, height, width] = maps.shape;
  const cell = height * width;
  const range = symmetric(rangeOf(maps.data.subarray(index * cell, (index + 1) * cell)));
  paintPixels(canvas, toPixels(maps.data, range, 'diverging', index * cell, cell), width, height);
}

function button(action: string, text: string, title: string, disabled = false): HTMLButtonElement {
  return h(
    'button',
    { class: 'wb-button', type: 'button', 'data-action': action, title, 'aria-label': title, disabled },
    text
  );
}

function small(action: string, delta: string, title: string, layer?: number): HTMLButtonElement {
  return h(
    'button',
    {
      class: 'wb-button wb-pg-small',
      type: 'button',
      'data-action': action,
      'data-delta': delta === '+' ? '+' : '-',
      'data-layer': layer,
      title
    },
    delta
  );
}

function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  return h('label', { class: 'wb-label' }, text, control);
}

function numberInput(field: string, value: number, step: number | 'any', disabled = false): HTMLInputElement {
  return h('input', { type: 'number', class: 'wb-number', 'data-field': field, value, step, disabled });
}

function select(
  field: string,
  choices: readonly string[],
  value: string,
  disabled = false,
  labels: Record<string, string> = {}
): HTMLSelectElement {
  const element = h(
    'select',
    { 'data-field': field, disabled },
    ...choices.map(choice => h('option', { value: choice }, labels[choice] ?? choice))
  );
  element.value = value;
  return element;
}
