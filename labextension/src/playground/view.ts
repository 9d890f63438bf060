/**
 * The playground, TensorFlow-Playground style: 2-D data, the model's decision map over the
 * plane, a thumbnail per hidden unit, and the training controls.
 */
import type { BufferLike } from '../codec';
import { formatNumber } from '../format';
import type {
  DataSummary,
  DatasetState,
  GridEvent,
  Intent,
  KernelEvent,
  PointsEvent,
  TrainingConfig,
  TrainingStatus
} from '../protocol';
import { resolveBuffer } from '../protocol';
import { TrainingControls } from '../training/controls';
import { CurveStore } from '../training/curves';
import { Banner } from '../ui/banner';
import { sparkline } from '../ui/charts';
import { cssColor, rangeOf, symmetric, toPixels } from '../ui/colormap';
import { h, listen } from '../ui/dom';
import { paintPixels } from '../ui/heatmap';
import { FrameScheduler } from '../ui/scheduler';
import type { Cleanup, Problem } from '../widget';
import { classColor, Extent, gridPixels, toPixel } from './plane';

export interface PlaygroundState {
  status: TrainingStatus;
  backends: string[];
  data: DataSummary | null;
  config: TrainingConfig;
  dataset: DatasetState;
  resolution: number;
  extent: number[];
}

const PLANE_SIZE = 320;
const RESOLUTIONS = [16, 32, 48, 64, 96, 128];

interface Points {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

export class PlaygroundView {
  readonly element: HTMLDivElement;
  readonly banner = new Banner();
  private store = new CurveStore();
  private controls: TrainingControls;
  private dataset = h('select', { 'data-field': 'dataset' });
  private noise = h('input', { type: 'range', min: 0, max: 1, step: 0.05, value: 0.1, 'data-field': 'noise' });
  private samples = h('input', {
    type: 'number',
    min: 10,
    max: 5000,
    value: 400,
    class: 'wb-number',
    'data-field': 'samples'
  });
  private seed = h('input', { type: 'number', value: 0, class: 'wb-number', 'data-field': 'seed' });
  private resolution = h(
    'select',
    { 'data-field': 'resolution' },
    ...RESOLUTIONS.map(r => h('option', { value: r }, `${r}×${r}`))
  );
  private heat = h('canvas', { class: 'wb-plane-heat' });
  private overlay = h('canvas', { class: 'wb-plane-points', width: PLANE_SIZE, height: PLANE_SIZE });
  private neurons = h('div', { class: 'wb-neurons', 'data-testid': 'neurons' });
  private lossLine = h('div', { class: 'wb-loss-line', 'data-testid': 'playground-loss' });
  private state: Partial<PlaygroundState> = {};
  private points: { train: Points; test: Points } | null = null;
  private extent: Extent = [-1, 1, -1, 1];
  private scheduler = new FrameScheduler();
  private cleanups: Cleanup[];

  constructor(private send: (intent: Intent) => unknown) {
    this.controls = new TrainingControls(send);
    const dataControls = h(
      'div',
      { class: 'wb-toolbar' },
      h('label', { class: 'wb-label' }, 'data', this.dataset),
      h('label', { class: 'wb-label' }, 'noise', this.noise),
      h('label', { class: 'wb-label' }, 'samples', this.samples),
      h('label', { class: 'wb-label' }, 'seed', this.seed),
      h('label', { class: 'wb-label' }, 'grid', this.resolution),
      h(
        'button',
        { class: 'wb-button', 'data-action': 'reset', type: 'button', title: 'Fresh weights; curves cleared' },
        '↺ Reset weights'
      )
    );
    const plane = h('div', { class: 'wb-plane', 'data-testid': 'plane' }, this.heat, this.overlay);
    this.element = h(
      'div',
      { class: 'wb-playground wb-root' },
      this.controls.element,
      dataControls,
      this.banner.element,
      h(
        'div',
        { class: 'wb-playground-body' },
        h('div', {}, plane, this.lossLine),
        h('div', { class: 'wb-neurons-box' }, h('h4', {}, 'Hidden units'), this.neurons)
      )
    );
    this.cleanups = [
      listen(dataControls, 'change', event => this.onDataChange(event)),
      listen(dataControls, 'click', event => {
        if ((event.target as Element).closest('[data-action="reset"]')) {
          this.send({ type: 'reset_weights' });
        }
      })
    ];
  }

  private onDataChange(event: Event): void {
    const field = (event.target as HTMLElement).dataset.field;
    if (field === 'resolution') {
      this.send({ type: 'set_resolution', resolution: Number(this.resolution.value) });
      return;
    }
    const noise = Number(this.noise.value);
    const samples = Math.round(Number(this.samples.value));
    const seed = Math.round(Number(this.seed.value));
    this.send({
      type: 'set_dataset',
      name: this.dataset.value,
      ...(Number.isFinite(noise) ? { noise: Math.min(1, Math.max(0, noise)) } : {}),
      ...(Number.isFinite(samples) ? { samples: Math.min(5000, Math.max(10, samples)) } : {}),
      ...(Number.isFinite(seed) ? { seed } : {})
    });
  }

  update(values: Partial<PlaygroundState>): void {
    this.state = { ...this.state, ...values };
    if (values.backends !== undefined) {
      this.controls.setBackends(values.backends);
    }
    if (values.config !== undefined) {
      this.controls.setConfig(values.config);
    }
    if (values.dataset !== undefined) {
      this.showDataset(values.dataset);
    }
    if (values.resolution !== undefined) {
      this.resolution.value = String(values.resolution);
      if (this.resolution.value !== String(values.resolution)) {
        this.resolution.append(h('option', { value: values.resolution }, `${values.resolution}×${values.resolution}`));
        this.resolution.value = String(values.resolution);
      }
    }
    if (values.status !== undefined) {
      this.scheduler.schedule('status', () => this.controls.setStatus(this.state.status!, this.store.runStart()));
    }
  }

  private showDataset(dataset: DatasetState): void {
    if (
      Array.from(this.dataset.options)
        .map(o => o.value)
        .join() !== dataset.choices.join()
    ) {
      this.dataset.replaceChildren(...dataset.choices.map(name => h('option', { value: name }, name)));
    }
    this.dataset.value = dataset.name;
    this.noise.value = String(dataset.noise);
    this.samples.value = String(dataset.samples);
    this.seed.value = String(dataset.seed);
  }

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
    const grid = { ...output, data: output.data.slice() };
    const units = neuronValues === null ? null : { ...neuronValues, data: neuronValues.data.slice() };
    this.scheduler.schedule('grid', () => {
      if (event.extent.length === 4) {
        const changed = event.extent.some((v, i) => v !== this.extent[i]);
        this.extent = event.extent as Extent;
        if (changed) {
          this.drawPoints();
        }
      }
      const { pixels, width, height } = gridPixels(grid);
      paintPixels(this.heat, pixels, width, height);
      this.drawNeurons(event, units);
    });
  }

  private drawNeurons(event: GridEvent, units: { data: ArrayLike<number>; shape: number[] } | null): void {
    if (units === null || units.shape.length !== 3) {
      this.neurons.replaceChildren(h('p', { class: 'wb-hint' }, 'No hidden dense units.'));
      return;
    }
    const [count, height, width] = units.shape;
    const cell = height * width;
    const tiles = event.neurons.slice(0, count).map((neuron, i) => {
      const range = symmetric(rangeOf(Array.prototype.slice.call(units.data, i * cell, (i + 1) * cell)));
      const canvas = h('canvas', { class: 'wb-neuron-tile' });
      paintPixels(canvas, toPixels(units.data, range, 'diverging', i * cell, cell), width, height);
      return h(
        'figure',
        { class: 'wb-neuron', title: `${neuron.node}, unit ${neuron.unit}` },
        canvas,
        h('figcaption', {}, `${neuron.node}:${neuron.unit}`)
      );
    });
    this.neurons.replaceChildren(...tiles);
  }

  private drawPoints(): void {
    const context = this.overlay.getContext('2d');
    if (context === null) {
      return;
    }
    context.clearRect(0, 0, PLANE_SIZE, PLANE_SIZE);
    if (this.points === null) {
      return;
    }
    const draw = (set: Points, test: boolean) => {
      for (let i = 0; i < set.y.length; i++) {
        const [px, py] = toPixel(this.extent, PLANE_SIZE, PLANE_SIZE, set.x[2 * i], set.x[2 * i + 1]);
        context.beginPath();
        context.arc(px, py, 3.2, 0, 2 * Math.PI);
        context.fillStyle = cssColor(classColor(set.y[i]));
        context.strokeStyle = test ? '#000' : '#fff';
        context.lineWidth = 1;
        context.fill();
        context.stroke();
      }
    };
    draw(this.points.train, false);
    draw(this.points.test, true);
  }

  private drawLoss(): void {
    const loss = this.store.series.get('loss')?.values ?? [];
    const parts = [`train loss ${formatText(this.store.latest('loss'))}`];
    if (this.store.series.has('val_loss')) {
      parts.push(`test loss ${formatText(this.store.latest('val_loss'))}`);
    }
    this.lossLine.replaceChildren(
      sparkline(loss.slice(-400), PLANE_SIZE, 40),
      h('div', { class: 'wb-hint' }, parts.join(' · '))
    );
  }

  showNotLive(): void {
    this.controls.showNotLive();
  }

  showProblem(problem: Problem): void {
    this.banner.show(problem);
  }

  dispose(): void {
    this.scheduler.dispose();
    this.controls.dispose();
    this.banner.dispose();
    this.cleanups.forEach(cleanup => cleanup());
  }
}

function formatText(value: number | null): string {
  return value === null ? '–' : formatNumber(value);
}
