/**
 * Loss and metric curves drawn with plotly.js. Each plot is sized to its own box (a
 * ResizeObserver on it; see ui/redraws.ts) and redrawn whole, a few times a second at most:
 * the kernel keeps the curves short (workbench/curves.py), so a redraw costs the same at any
 * step count.
 */
import Plotly from 'plotly.js-basic-dist-min';
import type { Marker } from '../protocol';
import { CurveStore, isLoss, Series } from '../training/curves';
import { h } from '../ui/dom';
import { Redraws, Size } from '../ui/redraws';
import { LABEL_GAP, placeLabels } from './marker_labels';

const CONFIG = { displaylogo: false, modeBarButtonsToRemove: ['select2d', 'lasso2d'] };
const MARGIN = { l: 48, r: 12, t: 28, b: 36 };
const LABEL_FONT = { size: 10, family: '"Open Sans", verdana, arial, sans-serif' };
const LABEL_ROWS = 3;
const LABEL_ROW_HEIGHT = 14;
const DOT_SPACING = 8; // pixels a validation point needs to be drawn as a dot
const LABELLED: Marker['kind'][] = ['backend', 'learning_rate'];
const MARKER_COLORS: Record<Marker['kind'], string> = {
  backend: '#8e24aa',
  learning_rate: '#ef6c00',
  start: '#90a4ae',
  stop: '#90a4ae'
};

let measuring: CanvasRenderingContext2D | null = null;

/** A label's width as plotly draws it (its text plus a pixel of padding each side). */
function textWidth(text: string): number {
  measuring ??= document.createElement('canvas').getContext('2d');
  if (measuring === null) {
    return text.length * LABEL_FONT.size;
  }
  measuring.font = `${LABEL_FONT.size}px ${LABEL_FONT.family}`;
  return Math.ceil(measuring.measureText(text).width) + 2;
}

/** The steps the x axis spans: plotly's autorange over the lines and the marker shapes. */
function stepRange(series: Series[], markers: Marker[]): [number, number] {
  const steps = [
    ...series.flatMap(s => (s.steps.length > 0 ? [s.steps[0], s.steps[s.steps.length - 1]] : [])),
    ...markers.map(marker => marker.step)
  ];
  return steps.length === 0 ? [0, 1] : [Math.min(...steps), Math.max(...steps)];
}

class Plot {
  readonly element: HTMLDivElement;
  private names: string[] = [];
  private redraws = new Redraws(size => this.draw(size));
  private observer = new ResizeObserver(entries => {
    const box = entries[entries.length - 1].contentRect;
    this.redraws.resized(box.width, box.height);
  });

  constructor(
    testId: string,
    private store: CurveStore
  ) {
    this.element = h('div', { class: 'wb-plot', 'data-testid': testId, hidden: true });
    this.observer.observe(this.element);
  }

  /** Shows these series (none: hides the plot) and redraws them soon. */
  show(names: string[]): void {
    this.names = names;
    this.element.hidden = names.length === 0;
    this.redraws.changed();
  }

  private draw(size: Size): void {
    const series = this.names.flatMap(name => this.store.series.get(name) ?? []);
    const data = series.map(({ name, steps, values }) => ({
      name,
      x: steps,
      y: values,
      type: 'scatter',
      // A dot on each validation point while they are far enough apart to tell (and cheap to draw).
      mode: name.startsWith('val_') && steps.length * DOT_SPACING <= size.width ? 'lines+markers' : 'lines'
    }));
    void Plotly.react(this.element, data, this.layout(size, series), CONFIG);
  }

  private layout(size: Size, series: Series[]) {
    const color = getComputedStyle(this.element).getPropertyValue('--wb-fg').trim() || '#1f2328';
    const markers = this.store.markers;
    return {
      width: size.width,
      height: size.height,
      margin: MARGIN,
      uirevision: true, // a zoom survives the redraws
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)',
      font: { color, size: 11 },
      xaxis: { title: { text: 'step' }, zeroline: false },
      yaxis: { zeroline: false },
      // Above the plot (it names the series, so the plot needs no title): below, it would
      // share the x axis title's place.
      showlegend: true, // also for one series
      legend: { orientation: 'h', x: 0, xanchor: 'left', y: 1, yanchor: 'bottom' },
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
      annotations: this.labels(size, series, markers)
    };
  }

  private labels(size: Size, series: Series[], markers: Marker[]) {
    const [low, high] = stepRange(series, markers);
    const width = size.width - MARGIN.l - MARGIN.r;
    const placed = placeLabels(
      markers.filter(marker => LABELLED.includes(marker.kind)),
      {
        width,
        x: step => (high > low ? ((step - low) / (high - low)) * width : width / 2),
        textWidth,
        rows: LABEL_ROWS
      }
    );
    return placed.map(({ marker, row, anchor }) => ({
      x: marker.step,
      y: 1,
      xref: 'x',
      yref: 'paper',
      text: marker.label,
      hovertext: `${marker.label} from step ${marker.step}`,
      showarrow: false,
      xanchor: anchor,
      xshift: anchor === 'left' ? LABEL_GAP : -LABEL_GAP,
      yanchor: 'top',
      yshift: -row * LABEL_ROW_HEIGHT,
      font: { ...LABEL_FONT, color: MARKER_COLORS[marker.kind] }
    }));
  }

  dispose(): void {
    this.observer.disconnect();
    this.redraws.dispose();
    Plotly.purge(this.element);
  }
}

export class CurvePlots {
  readonly element: HTMLDivElement;
  private loss: Plot;
  private metrics: Plot;
  private empty = h('p', { class: 'wb-hint wb-plots-empty' }, 'No curves yet: press Start.');

  constructor(private store: CurveStore) {
    this.loss = new Plot('loss-plot', store);
    this.metrics = new Plot('metrics-plot', store);
    this.element = h('div', { class: 'wb-plots' }, this.empty, this.loss.element, this.metrics.element);
  }

  /** The store changed: losses go on one plot, metrics on the other, redrawn soon. */
  changed(): void {
    const names = [...this.store.series.keys()];
    this.empty.hidden = names.length > 0;
    this.loss.show(names.filter(isLoss));
    this.metrics.show(names.filter(name => !isLoss(name)));
  }

  dispose(): void {
    this.loss.dispose();
    this.metrics.dispose();
  }
}
