/**
 * The inspector: diagnostics with plain explanations, a per-layer table of statistics over
 * time, and for the selected layer its histograms and heat maps (the captured batch, and its
 * output for one chosen sample).
 */
import type { BufferLike } from '../codec';
import { formatNumber, formatParams, formatPercent, formatShapes } from '../format';
import type {
  CaptureSource,
  CaptureState,
  InspectionDiagnostic,
  InspectorNode,
  Intent,
  KernelEvent
} from '../protocol';
import { resolveBuffer } from '../protocol';
import { Banner } from '../ui/banner';
import { sparkline } from '../ui/charts';
import { type HeatScale, heatScale, toPixels } from '../ui/colormap';
import { h, listen } from '../ui/dom';
import { paintPixels } from '../ui/heatmap';
import { histogramWithAxes } from '../ui/histogram';
import { FrameScheduler } from '../ui/scheduler';
import type { Cleanup, Problem } from '../widget';
import {
  activationLayout,
  decodeDetail,
  describeCapture,
  describeHeatScale,
  describeStep,
  type Detail,
  diagnosticLabel,
  diagnosticsByNode,
  earlierFindings,
  explain,
  InspectionHistory,
  type Summary,
  TABLE_COLUMNS,
  tileValues
} from './analysis';

export interface InspectorState {
  nodes: InspectorNode[];
  selected_node: string | null;
  selected_sample: number;
  samples: number;
  capture: CaptureState;
  diagnostics: InspectionDiagnostic[];
  findings: InspectionDiagnostic[];
}

interface Activation {
  node: string;
  sample: number;
  values: Float32Array;
  shape: number[];
}

const NO_CAPTURE: CaptureState = {
  every: 10,
  training: false,
  source: null,
  step: null,
  loss: null,
  records: 0,
  message: null
};

export class InspectorView {
  readonly element: HTMLDivElement;
  readonly banner = new Banner();
  private state: InspectorState = {
    nodes: [],
    selected_node: null,
    selected_sample: 0,
    samples: 0,
    capture: NO_CAPTURE,
    diagnostics: [],
    findings: []
  };
  private history = InspectionHistory.empty;
  private detail: Detail | null = null;
  private activation: Activation | null = null;
  private captureButton = h(
    'button',
    { class: 'wb-button', 'data-action': 'capture', type: 'button', title: 'Capture a batch with the current weights' },
    '⟳ Capture'
  );
  private every = h('input', { type: 'number', min: 1, value: 10, class: 'wb-number', 'data-field': 'every' });
  private status = h('span', { class: 'wb-hint', 'data-testid': 'capture-status' });
  private sample = h('input', { type: 'number', min: 0, value: 0, class: 'wb-number', 'data-field': 'sample' });
  private sampleCount = h('span', { class: 'wb-hint' });
  private message = h('p', { class: 'wb-inspector-message', 'data-testid': 'capture-message', hidden: true });
  private diagnosticsList = h('div', { class: 'wb-inspector-diagnostics', 'data-testid': 'inspector-diagnostics' });
  private table = h('table', { class: 'wb-inspector-layers', 'data-testid': 'inspector-layers' });
  private details = h('div', { class: 'wb-inspector-details', 'data-testid': 'inspector-details' });
  private scheduler = new FrameScheduler();
  private cleanups: Cleanup[];

  constructor(private send: (intent: Intent) => unknown) {
    const toolbar = h(
      'div',
      { class: 'wb-toolbar' },
      this.captureButton,
      h('label', { class: 'wb-label', title: 'While training, capture every this many steps' }, 'every', this.every),
      h('span', { class: 'wb-hint' }, 'steps'),
      this.status,
      h('span', { class: 'wb-spacer' }),
      h(
        'span',
        { class: 'wb-sample-picker' }, // wraps as one when the toolbar is narrow
        h('button', { class: 'wb-button', 'data-action': 'previous', type: 'button', title: 'Previous sample' }, '◀'),
        h('label', { class: 'wb-label' }, 'sample', this.sample),
        this.sampleCount,
        h('button', { class: 'wb-button', 'data-action': 'next', type: 'button', title: 'Next sample' }, '▶')
      )
    );
    this.element = h(
      'div',
      { class: 'wb-inspector wb-root' },
      toolbar,
      this.banner.element,
      this.message,
      this.diagnosticsList,
      h('div', { class: 'wb-inspector-table' }, this.table), // scrolls sideways when narrow
      this.details
    );
    const selectNode = (event: Event) => {
      const item = (event.target as Element).closest('[data-node]');
      if (item !== null) {
        this.send({ type: 'select_node', node: item.getAttribute('data-node') });
      }
    };
    this.cleanups = [
      listen(toolbar, 'click', event => this.onToolbar(event)),
      listen(this.sample, 'change', () => this.selectSample(Number(this.sample.value))),
      listen(this.every, 'change', () => this.setEvery(Number(this.every.value))),
      listen(this.table, 'click', selectNode),
      listen(this.diagnosticsList, 'click', selectNode)
    ];
  }

  private onToolbar(event: MouseEvent): void {
    const action = (event.target as Element).closest('[data-action]')?.getAttribute('data-action');
    if (action === 'previous' || action === 'next') {
      this.selectSample(this.state.selected_sample + (action === 'next' ? 1 : -1));
    } else if (action === 'capture') {
      this.send({ type: 'refresh' });
    }
  }

  private selectSample(index: number): void {
    const last = this.state.samples - 1;
    if (Number.isInteger(index) && last >= 0) {
      this.send({ type: 'select_sample', index: Math.min(last, Math.max(0, index)) });
    }
  }

  private setEvery(every: number): void {
    if (Number.isInteger(every) && every >= 1) {
      this.send({ type: 'set_every', every });
    } else {
      this.every.value = String(this.state.capture.every);
    }
  }

  update(values: Partial<InspectorState>): void {
    this.state = { ...this.state, ...values };
    this.scheduler.schedule('render', () => this.render());
  }

  /** An event from the kernel; one that does not fit its buffers is shown, not applied. */
  onEvent(event: KernelEvent, buffers: readonly BufferLike[]): void {
    try {
      if (event.type === 'inspection_history') {
        this.history = InspectionHistory.fromEvent(event, buffers);
      } else if (event.type === 'inspection_detail') {
        this.detail = decodeDetail(event, buffers);
      } else if (event.type === 'activation') {
        const array = resolveBuffer(event.values, buffers);
        this.activation = {
          node: event.node,
          sample: event.sample,
          values: Float32Array.from(array.data),
          shape: array.shape
        };
      } else {
        return;
      }
    } catch (error) {
      this.showProblem({
        message: `Unreadable ${event.type} from the kernel: ${(error as Error).message}`,
        code: 'protocol'
      });
      return;
    }
    this.scheduler.schedule('render', () => this.render());
  }

  showProblem(problem: Problem): void {
    this.banner.show(problem);
  }

  private render(): void {
    const { capture, samples, selected_sample } = this.state;
    this.captureButton.disabled = capture.training;
    if (document.activeElement !== this.every) {
      this.every.value = String(capture.every);
    }
    if (document.activeElement !== this.sample) {
      this.sample.value = String(selected_sample);
    }
    this.sample.max = String(Math.max(0, samples - 1));
    this.sample.disabled = samples === 0;
    this.sampleCount.textContent = samples === 0 ? 'no data' : `of ${samples}`;
    this.status.textContent = describeCapture(capture);
    this.message.textContent = capture.message ?? '';
    this.message.hidden = capture.message === null;
    this.diagnosticsList.replaceChildren(...present(this.renderDiagnostics()));
    this.table.replaceChildren(...this.renderTable());
    this.details.replaceChildren(...present(this.renderDetails()));
  }

  private renderDiagnostics(): (Node | null)[] {
    const { diagnostics, findings, capture } = this.state;
    if (capture.source === null) {
      return [];
    }
    const earlier = earlierFindings(findings, diagnostics);
    const latest = capture.source;
    return [
      h('h4', { class: 'wb-section-title' }, 'Diagnostics'),
      diagnostics.length === 0
        ? h('p', { class: 'wb-hint wb-ok' }, 'Nothing looks wrong in the latest capture.')
        : h('ul', { class: 'wb-diagnostics' }, ...diagnostics.map(d => this.renderDiagnostic(d, 'warning', latest))),
      earlier.length === 0
        ? null
        : h(
            'details',
            { class: 'wb-earlier' },
            h(
              'summary',
              {},
              `${earlier.length} earlier finding${earlier.length === 1 ? '' : 's'}, not seen in the latest capture`
            ),
            h('ul', { class: 'wb-diagnostics' }, ...earlier.map(d => this.renderDiagnostic(d, 'info', 'training')))
          )
    ];
  }

  /** A finding, with the capture it was found in (`source`: the kind of that capture). */
  private renderDiagnostic(d: InspectionDiagnostic, kind: 'warning' | 'info', source: CaptureSource): HTMLElement {
    return h(
      'li',
      { class: `wb-diagnostic wb-${kind}`, 'data-diagnostic': d.id, 'data-node': d.node },
      h(
        'div',
        { class: 'wb-diagnostic-head' },
        h('span', { class: `wb-badge wb-${kind}` }, diagnosticLabel(d.id)),
        d.node === null ? null : h('span', { class: 'wb-node-link', role: 'button' }, d.node),
        h('span', { class: 'wb-hint' }, describeStep(source, d.step))
      ),
      h('div', { class: 'wb-diagnostic-message' }, d.message),
      h('div', { class: 'wb-hint wb-diagnostic-why' }, explain(d.id))
    );
  }

  private renderTable(): Node[] {
    const byNode = diagnosticsByNode(this.state.diagnostics);
    const header = h(
      'tr',
      {},
      h('th', {}, 'layer'),
      h('th', {}, 'output'),
      ...TABLE_COLUMNS.map(c => h('th', { title: c.title }, c.label)),
      h('th', {}, '')
    );
    const rows = this.state.nodes.map(node => {
      const found = byNode.get(node.id) ?? [];
      return h(
        'tr',
        {
          class: `wb-inspector-node${node.id === this.state.selected_node ? ' wb-selected' : ''}${found.length ? ' wb-has-diagnostics' : ''}`,
          'data-node': node.id,
          role: 'button'
        },
        h(
          'td',
          {},
          h('span', { class: 'wb-node-name' }, node.id),
          ' ',
          h(
            'span',
            { class: 'wb-node-class' },
            node.activation && node.activation !== 'linear' ? `${node.class} · ${node.activation}` : node.class
          )
        ),
        h('td', { class: 'wb-hint' }, formatShapes(node.output_shapes), h('br', {}), formatParams(node.params)),
        ...TABLE_COLUMNS.map(c => this.renderCell(node.id, c)),
        h(
          'td',
          { class: 'wb-badges' },
          ...found.map(d =>
            h(
              'span',
              { class: 'wb-badge wb-warning', 'data-badge': d.id, title: d.message },
              `⚠ ${diagnosticLabel(d.id)}`
            )
          )
        )
      );
    });
    return [h('thead', {}, header), h('tbody', {}, ...rows)];
  }

  private renderCell(node: string, { column, share }: (typeof TABLE_COLUMNS)[number]): HTMLElement {
    const latest = this.history.latest(node, column);
    if (latest === null) {
      return h('td', { class: 'wb-hint' }, '–');
    }
    const trend = this.history.trend(node, column);
    return h(
      'td',
      { class: 'wb-cell', 'data-column': column },
      h('span', { class: 'wb-num' }, share ? formatPercent(latest) : formatNumber(latest)),
      trend === null
        ? h('span', { class: 'wb-no-trend', title: 'One capture so far: the line over time starts at the second.' })
        : sparkline(trend, 70, 16)
    );
  }

  private renderDetails(): (Node | null)[] {
    const node = this.state.selected_node;
    if (node === null) {
      return [
        h(
          'p',
          { class: 'wb-hint' },
          this.state.nodes.length === 0
            ? 'No model to inspect yet.'
            : 'Pick a layer to see its histograms and heat maps.'
        )
      ];
    }
    const detail = this.detail?.node === node ? this.detail : null;
    const activation = this.activation?.node === node ? this.activation : null;
    const where =
      detail?.step == null || detail.source === null ? 'no capture yet' : describeStep(detail.source, detail.step);
    const figures: (HTMLElement | null)[] = [];
    if (detail !== null) {
      figures.push(
        this.summaryFigure('activation', detail.activation),
        this.summaryFigure('gradient into it', detail.gradient),
        ...detail.weights.flatMap(w => [
          this.summaryFigure(w.name, w.value),
          this.summaryFigure(`${w.name} gradient`, w.gradient)
        ])
      );
    }
    return [
      h('div', { class: 'wb-report-header' }, h('strong', {}, node), h('span', { class: 'wb-hint' }, where)),
      detail === null ? null : this.renderStats(detail),
      h('div', { class: 'wb-report-charts' }, ...figures),
      h(
        'div',
        { class: 'wb-report-charts' },
        detail?.activation?.heatMap
          ? this.heatFigure(
              'activations, captured batch',
              detail.activation.heatMap.data,
              detail.activation.heatMap.shape
            )
          : null,
        detail?.gradient?.heatMap
          ? this.heatFigure('gradients, captured batch', detail.gradient.heatMap.data, detail.gradient.heatMap.shape)
          : null,
        activation ? this.sampleFigure(activation) : null
      ),
      h(
        'div',
        { class: 'wb-report-charts' },
        ...(detail?.weights ?? []).map(w =>
          w.value.heatMap ? this.heatFigure(w.name, w.value.heatMap.data, w.value.heatMap.shape) : null
        )
      )
    ];
  }

  private renderStats(detail: Detail): HTMLElement {
    const row = (label: string, summary: Summary | null) =>
      summary === null
        ? null
        : h(
            'tr',
            {},
            h('td', {}, label),
            ...['mean', 'std', 'min', 'max', 'mean_abs', 'zero_fraction'].map(name => {
              const value = summary.stats[name];
              const text =
                value === null || value === undefined
                  ? 'n/a'
                  : name === 'zero_fraction'
                    ? formatPercent(value)
                    : formatNumber(value);
              return h('td', { class: 'wb-num' }, text);
            })
          );
    const notes = [
      detail.deadFraction === null ? null : `dead units: ${formatPercent(detail.deadFraction)}`,
      detail.saturatedFraction === null ? null : `saturated: ${formatPercent(detail.saturatedFraction)}`
    ].filter(n => n !== null);
    return h(
      'div',
      {},
      h(
        'table',
        { class: 'wb-stats', 'data-testid': 'stats' },
        h('tr', {}, ...['', 'mean', 'std', 'min', 'max', 'mean |x|', 'zeros'].map(t => h('th', {}, t))),
        row('activation', detail.activation),
        row('gradient', detail.gradient)
      ),
      notes.length ? h('p', { class: 'wb-hint' }, notes.join(' · ')) : null
    );
  }

  private summaryFigure(label: string, summary: Summary | null): HTMLElement | null {
    const histogram = summary?.histogram;
    if (!histogram || histogram.counts.length === 0) {
      return null;
    }
    const range =
      histogram.low === null || histogram.high === null
        ? 'not finite'
        : `${formatNumber(histogram.low)} … ${formatNumber(histogram.high)}`;
    return h(
      'figure',
      { class: 'wb-figure', 'data-figure': label },
      histogramWithAxes(Array.from(histogram.counts), histogram.low, histogram.high),
      h('figcaption', {}, `${label}: ${range}`)
    );
  }

  private heatFigure(caption: string, values: ArrayLike<number>, shape: number[]): HTMLElement {
    const rows = shape.length > 1 ? shape[0] : 1;
    const cols = shape.length > 1 ? shape[1] : (shape[0] ?? values.length);
    const scale = heatScale(values);
    return h(
      'figure',
      { class: 'wb-figure' },
      h('div', { class: 'wb-heatmap', 'data-testid': 'heatmap' }, heatCanvas(values, cols, rows, scale)),
      h('figcaption', {}, caption),
      h('div', { class: 'wb-hint wb-heat-scale' }, describeHeatScale(scale))
    );
  }

  private sampleFigure(activation: Activation): HTMLElement {
    const layout = activationLayout(activation.shape);
    const scale = heatScale(activation.values); // one for every tile, so channels compare
    const tiles = Array.from({ length: layout.tiles }, (_, t) =>
      heatCanvas(
        tileValues(activation.values, activation.shape, layout, t),
        layout.cols,
        layout.rows,
        scale,
        layout.tiles > 1 ? `channel ${t}` : ''
      )
    );
    return h(
      'figure',
      { class: 'wb-figure' },
      h(
        'div',
        { class: `wb-heatmap${layout.tiles > 1 ? ' wb-heatmap-tiles' : ''}`, 'data-testid': 'sample-heatmap' },
        ...tiles
      ),
      h(
        'figcaption',
        {},
        `output for sample ${activation.sample}${layout.tiles > 1 ? `, first ${layout.tiles} channels` : ''}`
      ),
      h('div', { class: 'wb-hint wb-heat-scale' }, describeHeatScale(scale))
    );
  }

  dispose(): void {
    this.scheduler.dispose();
    this.cleanups.forEach(cleanup => cleanup());
    this.banner.dispose();
  }
}

function present(nodes: (Node | null)[]): Node[] {
  return nodes.filter((node): node is Node => node !== null);
}

/** A pixelated heat map of rows x cols values, colored on `scale` (colormap.ts's heatScale). */
function heatCanvas(
  values: ArrayLike<number>,
  cols: number,
  rows: number,
  scale: HeatScale,
  title = ''
): HTMLCanvasElement {
  const canvas = h('canvas', { class: 'wb-heatmap-tile', title });
  paintPixels(canvas, toPixels(values, scale.range, scale.colormap, 0, cols * rows), cols, rows);
  return canvas;
}
