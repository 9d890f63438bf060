/**
 * Loss and metric curves drawn with plotly.js. A redraw sends plotly only the points that
 * arrived since the last frame (Plotly.extendTraces); a reset or a new series redraws all.
 */
import Plotly from 'plotly.js-basic-dist-min';
import type { Marker } from '../protocol';
import { CurveStore, isLoss } from '../training/curves';
import { h } from '../ui/dom';

const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['select2d', 'lasso2d'] };
const MARKER_COLORS: Record<Marker['kind'], string> = {
  backend: '#8e24aa',
  learning_rate: '#ef6c00',
  start: '#90a4ae',
  stop: '#90a4ae'
};

class Plot {
  readonly element: HTMLDivElement;
  names: string[] = [];
  private drawn = false;

  constructor(
    readonly title: string,
    testId: string
  ) {
    this.element = h('div', { class: 'wb-plot', 'data-testid': testId });
  }

  private layout(markers: Marker[]) {
    const style = getComputedStyle(this.element);
    const color = style.getPropertyValue('--wb-fg').trim() || '#1f2328';
    return {
      title: { text: this.title, font: { size: 13 } },
      height: 260,
      margin: { l: 48, r: 12, t: 32, b: 36 },
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)',
      font: { color, size: 11 },
      xaxis: { title: { text: 'step' }, zeroline: false },
      yaxis: { zeroline: false },
      legend: { orientation: 'h', y: -0.25 },
      shapes: markers.map(marker => ({
        type: 'line',
        xref: 'x',
        yref: 'paper',
        x0: marker.step,
        x1: marker.step,
        y0: 0,
        y1: 1,
        line: { color: MARKER_COLORS[marker.kind], width: 1, dash: marker.kind === 'backend' ? 'solid' : 'dot' }
      })),
      annotations: markers
        .filter(marker => marker.kind === 'backend' || marker.kind === 'learning_rate')
        .map(marker => ({
          x: marker.step,
          y: 1,
          xref: 'x',
          yref: 'paper',
          text: marker.label,
          showarrow: false,
          xanchor: 'left',
          yanchor: 'top',
          font: { size: 10, color: MARKER_COLORS[marker.kind] }
        }))
    };
  }

  drawAll(store: CurveStore, names: string[]): void {
    this.names = names;
    const data = names.map(name => {
      const series = store.series.get(name)!;
      return {
        name,
        x: series.steps,
        y: series.values,
        type: 'scatter',
        mode: name.startsWith('val_') ? 'lines+markers' : 'lines'
      };
    });
    void Plotly.react(this.element, data, this.layout(store.markers), CONFIG);
    this.drawn = true;
  }

  extend(appended: Map<string, { steps: number[]; values: number[] }>): void {
    const indices: number[] = [];
    const x: number[][] = [];
    const y: number[][] = [];
    this.names.forEach((name, index) => {
      const points = appended.get(name);
      if (points !== undefined && points.steps.length > 0) {
        indices.push(index);
        x.push(points.steps);
        y.push(points.values);
      }
    });
    if (this.drawn && indices.length > 0) {
      void Plotly.extendTraces(this.element, { x, y }, indices);
    }
  }

  relayoutMarkers(markers: Marker[]): void {
    if (this.drawn) {
      const { shapes, annotations } = this.layout(markers);
      void Plotly.relayout(this.element, { shapes, annotations });
    }
  }

  resize(): void {
    if (this.drawn && this.element.offsetWidth > 0) {
      Plotly.Plots.resize(this.element);
    }
  }

  dispose(): void {
    Plotly.purge(this.element);
  }
}

export class CurvePlots {
  readonly element: HTMLDivElement;
  private loss = new Plot('Loss', 'loss-plot');
  private metrics = new Plot('Metrics', 'metrics-plot');
  private empty = h('p', { class: 'wb-hint wb-plots-empty' }, 'No curves yet: press Start.');
  private observer: ResizeObserver;

  constructor(private store: CurveStore) {
    this.element = h('div', { class: 'wb-plots' }, this.empty, this.loss.element, this.metrics.element);
    this.loss.element.hidden = true;
    this.metrics.element.hidden = true;
    this.observer = new ResizeObserver(() => {
      this.loss.resize();
      this.metrics.resize();
    });
    this.observer.observe(this.element);
  }

  /** Draws what changed since the last call. */
  draw(): void {
    const changes = this.store.takeChanges();
    const names = [...this.store.series.keys()];
    if (changes.full) {
      this.empty.hidden = names.length > 0;
      this.loss.element.hidden = names.length === 0;
      this.loss.drawAll(this.store, names.filter(isLoss));
      const metricNames = names.filter(name => !isLoss(name));
      this.metrics.element.hidden = metricNames.length === 0;
      this.metrics.drawAll(this.store, metricNames);
      return;
    }
    this.loss.extend(changes.appended);
    this.metrics.extend(changes.appended);
    if (changes.markersChanged) {
      this.loss.relayoutMarkers(this.store.markers);
      this.metrics.relayoutMarkers(this.store.markers);
    }
  }

  dispose(): void {
    this.observer.disconnect();
    this.loss.dispose();
    this.metrics.dispose();
  }
}
