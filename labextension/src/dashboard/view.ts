/** The training dashboard: controls, progress, what data it trains on, and live curves. */
import type { BufferLike } from '../codec';
import { formatCount, formatShape } from '../format';
import type { DataSummary, Intent, KernelEvent, TrainingConfig, TrainingStatus } from '../protocol';
import { TrainingControls } from '../training/controls';
import { CurveStore } from '../training/curves';
import { Banner } from '../ui/banner';
import { h } from '../ui/dom';
import { FrameScheduler } from '../ui/scheduler';
import type { Problem } from '../widget';
import { CurvePlots } from './plots';

export function describeData(data: DataSummary | null): string {
  if (data === null) {
    return 'No training data.';
  }
  return `${data.name}: ${formatCount(data.samples)} samples, x ${formatShape(data.x_shape)} → y ${formatShape(data.y_shape)} (${data.task})`;
}

export class DashboardView {
  readonly element: HTMLDivElement;
  readonly banner = new Banner();
  private store = new CurveStore();
  private plots = new CurvePlots(this.store);
  private controls: TrainingControls;
  private data = h('div', { class: 'wb-data-line' });
  private scheduler = new FrameScheduler();
  private status: TrainingStatus | null = null;

  constructor(send: (intent: Intent) => unknown) {
    this.controls = new TrainingControls(send);
    this.element = h(
      'div',
      { class: 'wb-dashboard wb-root' },
      this.controls.element,
      this.banner.element,
      this.data,
      this.plots.element
    );
  }

  update(values: {
    status?: TrainingStatus;
    backends?: string[];
    data?: DataSummary | null;
    config?: TrainingConfig;
  }): void {
    if (values.backends !== undefined) {
      this.controls.setBackends(values.backends);
    }
    if (values.config !== undefined) {
      this.controls.setConfig(values.config);
    }
    if (values.data !== undefined) {
      this.data.textContent = describeData(values.data);
    }
    if (values.status !== undefined) {
      this.status = values.status;
      this.scheduler.schedule('status', () => this.renderStatus());
    }
  }

  private renderStatus(): void {
    if (this.status !== null) {
      this.controls.setStatus(this.status, this.store.runStart());
    }
  }

  onEvent(event: KernelEvent, buffers: readonly BufferLike[]): void {
    if (event.type !== 'curve_delta') {
      return;
    }
    try {
      this.store.apply(event, buffers);
    } catch (error) {
      this.showProblem({ message: `Unreadable curve data: ${(error as Error).message}`, code: 'protocol' });
      return;
    }
    this.plots.changed();
    this.scheduler.schedule('status', () => this.renderStatus());
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
    this.plots.dispose();
    this.banner.dispose();
  }
}
