/** The inspector: pick a layer and a sample; see its stats over time, histogram, heat map and diagnostics. */
import type { BufferLike } from '../codec';
import { formatNumber, formatParams, formatShape, formatShapes } from '../format';
import type { InspectorNode, Intent, KernelEvent, Report, Stats } from '../protocol';
import { resolveBuffer } from '../protocol';
import { Banner } from '../ui/banner';
import { histogramChart, sparkline } from '../ui/charts';
import { rangeOf, symmetric, toPixels } from '../ui/colormap';
import { h, listen } from '../ui/dom';
import { paintPixels } from '../ui/heatmap';
import { FrameScheduler } from '../ui/scheduler';
import type { Cleanup, Problem } from '../widget';
import { activationLayout, badges, histogram, STAT_EXPLANATIONS, StatsHistory, tileValues } from './analysis';

export interface InspectorState {
  nodes: InspectorNode[];
  selected_node: string | null;
  selected_sample: number;
  samples: number;
  report: Report | null;
}

interface Activation {
  node: string;
  sample: number;
  values: Float32Array;
  shape: number[];
}

const STATS: (keyof Stats)[] = ['mean', 'std', 'min', 'max', 'fraction_zero'];

export class InspectorView {
  readonly element: HTMLDivElement;
  readonly banner = new Banner();
  private state: InspectorState = { nodes: [], selected_node: null, selected_sample: 0, samples: 0, report: null };
  private activation: Activation | null = null;
  private history = new StatsHistory();
  private warnings = new Map<string, number>();
  private list = h('div', { class: 'wb-inspector-nodes', 'data-testid': 'inspector-nodes' });
  private sample = h('input', { type: 'number', min: 0, value: 0, class: 'wb-number', 'data-field': 'sample' });
  private sampleCount = h('span', { class: 'wb-hint' });
  private details = h('div', { class: 'wb-inspector-details', 'data-testid': 'inspector-details' });
  private scheduler = new FrameScheduler();
  private cleanups: Cleanup[];

  constructor(private send: (intent: Intent) => unknown) {
    const toolbar = h(
      'div',
      { class: 'wb-toolbar' },
      h('button', { class: 'wb-button', 'data-action': 'previous', type: 'button', title: 'Previous sample' }, '◀'),
      h('label', { class: 'wb-label' }, 'sample', this.sample),
      this.sampleCount,
      h('button', { class: 'wb-button', 'data-action': 'next', type: 'button', title: 'Next sample' }, '▶'),
      h('span', { class: 'wb-spacer' }),
      h(
        'button',
        { class: 'wb-button', 'data-action': 'refresh', type: 'button', title: 'Recompute with the current weights' },
        '⟳ Refresh'
      )
    );
    this.element = h(
      'div',
      { class: 'wb-inspector wb-root' },
      toolbar,
      this.banner.element,
      h('div', { class: 'wb-inspector-body' }, this.list, this.details)
    );
    this.cleanups = [
      listen(toolbar, 'click', event => this.onToolbar(event)),
      listen(this.sample, 'change', () => this.selectSample(Number(this.sample.value))),
      listen(this.list, 'click', event => {
        const item = (event.target as Element).closest('[data-node]');
        if (item !== null) {
          this.send({ type: 'select_node', node: item.getAttribute('data-node') });
        }
      })
    ];
  }

  private onToolbar(event: MouseEvent): void {
    const action = (event.target as Element).closest('[data-action]')?.getAttribute('data-action');
    if (action === 'previous' || action === 'next') {
      this.selectSample(this.state.selected_sample + (action === 'next' ? 1 : -1));
    } else if (action === 'refresh') {
      this.send({ type: 'refresh' });
    }
  }

  private selectSample(index: number): void {
    const last = this.state.samples - 1;
    if (Number.isInteger(index) && last >= 0) {
      this.send({ type: 'select_sample', index: Math.min(last, Math.max(0, index)) });
    }
  }

  update(values: Partial<InspectorState>): void {
    this.state = { ...this.state, ...values };
    const report = values.report;
    if (report) {
      this.history.record(report);
      this.warnings.set(report.node, report.diagnostics.filter(d => d.severity === 'warning').length);
    }
    this.scheduler.schedule('render', () => this.render());
  }

  onEvent(event: KernelEvent, buffers: readonly BufferLike[]): void {
    if (event.type !== 'activation') {
      return;
    }
    const array = resolveBuffer(event.values, buffers);
    this.activation = {
      node: event.node,
      sample: event.sample,
      values: Float32Array.from(array.data),
      shape: array.shape
    };
    this.scheduler.schedule('render', () => this.render());
  }

  showProblem(problem: Problem): void {
    this.banner.show(problem);
  }

  private render(): void {
    const { nodes, selected_node, selected_sample, samples } = this.state;
    this.sample.value = String(selected_sample);
    this.sample.max = String(Math.max(0, samples - 1));
    this.sample.disabled = samples === 0;
    this.sampleCount.textContent = samples === 0 ? 'no data' : `of ${samples}`;
    this.list.replaceChildren(
      ...nodes.map(node => {
        const warnings = this.warnings.get(node.id) ?? 0;
        return h(
          'div',
          {
            class: `wb-inspector-node${node.id === selected_node ? ' wb-selected' : ''}`,
            'data-node': node.id,
            role: 'button'
          },
          h(
            'div',
            { class: 'wb-node-title' },
            h('span', { class: 'wb-node-name' }, node.id),
            h('span', { class: 'wb-node-class' }, node.class)
          ),
          h(
            'div',
            { class: 'wb-badges' },
            h('span', { class: 'wb-badge' }, formatShapes(node.output_shapes)),
            h('span', { class: 'wb-badge' }, formatParams(node.params)),
            warnings > 0 ? h('span', { class: 'wb-badge wb-warning' }, `⚠ ${warnings}`) : null
          )
        );
      })
    );
    this.details.replaceChildren(...this.renderDetails());
  }

  private renderDetails(): Node[] {
    const report = this.state.report;
    if (this.state.selected_node === null || report === null) {
      return [
        h(
          'p',
          { class: 'wb-hint' },
          this.state.nodes.length === 0 ? 'No model to inspect yet.' : 'Pick a layer to see what it outputs.'
        )
      ];
    }
    const activation = this.activation?.node === report.node ? this.activation : null;
    return [
      h(
        'div',
        { class: 'wb-report-header' },
        h('strong', {}, report.node),
        h('span', { class: 'wb-hint' }, ` output ${formatShape(report.output_shape)}, sample ${report.sample}`),
        h(
          'span',
          { class: 'wb-badges' },
          ...badges(report).map(b => h('span', { class: `wb-badge wb-${b.kind}` }, b.label))
        )
      ),
      this.renderStats(report),
      h(
        'div',
        { class: 'wb-report-charts' },
        ...(activation
          ? this.renderActivation(activation)
          : [h('p', { class: 'wb-hint' }, 'Waiting for the activation…')])
      ),
      this.renderDiagnostics(report)
    ];
  }

  private renderStats(report: Report): HTMLElement {
    return h(
      'table',
      { class: 'wb-stats', 'data-testid': 'stats' },
      h('tr', {}, h('th', {}, 'stat'), h('th', {}, 'now'), h('th', {}, 'over time')),
      ...STATS.map(stat =>
        h(
          'tr',
          { title: STAT_EXPLANATIONS[stat] },
          h('td', {}, stat.replace('_', ' ')),
          h('td', { class: 'wb-num' }, formatNumber(report.stats[stat])),
          h('td', {}, sparkline(this.history.series(report.node, stat)))
        )
      )
    );
  }

  private renderActivation(activation: Activation): HTMLElement[] {
    const counts = histogram(activation.values).counts;
    const range = rangeOf(activation.values);
    const signed = range.min < 0;
    const scale = signed ? symmetric(range) : range;
    const layout = activationLayout(activation.shape);
    const tiles = Array.from({ length: layout.tiles }, (_, t) => {
      const canvas = h('canvas', { class: 'wb-heatmap-tile', title: layout.tiles > 1 ? `channel ${t}` : '' });
      const values = tileValues(activation.values, activation.shape, layout, t);
      paintPixels(canvas, toPixels(values, scale, signed ? 'diverging' : 'viridis'), layout.cols, layout.rows);
      return canvas;
    });
    return [
      h(
        'figure',
        { class: 'wb-figure' },
        histogramChart(counts),
        h(
          'figcaption',
          {},
          `histogram of ${activation.values.length} values, ${formatNumber(range.min)} … ${formatNumber(range.max)}`
        )
      ),
      h(
        'figure',
        { class: 'wb-figure' },
        h(
          'div',
          { class: `wb-heatmap${layout.tiles > 1 ? ' wb-heatmap-tiles' : ''}`, 'data-testid': 'heatmap' },
          ...tiles
        ),
        h('figcaption', {}, layout.tiles > 1 ? `first ${layout.tiles} channels` : 'activation heat map')
      )
    ];
  }

  private renderDiagnostics(report: Report): HTMLElement {
    if (report.diagnostics.length === 0) {
      return h('p', { class: 'wb-hint' }, 'No diagnostics for this layer.');
    }
    return h(
      'ul',
      { class: 'wb-diagnostics', 'data-testid': 'diagnostics' },
      ...report.diagnostics.map(d =>
        h(
          'li',
          { class: `wb-diagnostic wb-${d.severity}` },
          h('span', { class: `wb-badge wb-${d.severity}` }, d.severity),
          ' ',
          d.message
        )
      )
    );
  }

  dispose(): void {
    this.scheduler.dispose();
    this.cleanups.forEach(cleanup => cleanup());
    this.banner.dispose();
  }
}
