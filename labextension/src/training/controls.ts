/**
 * Training controls shared by the dashboard and the playground: start/pause/resume/stop,
 * epochs and batch size, learning rate, backend, and progress.
 */
import { formatNumber } from '../format';
import type { Intent, TrainingConfig, TrainingStatus } from '../protocol';
import { h, listen } from '../ui/dom';
import type { Cleanup } from '../widget';
import { controls, describeStatus, runFraction } from './status';

type Send = (intent: Intent) => unknown;

function numberInput(name: string, value: number, min: number, max: number, step = '1'): HTMLInputElement {
  return h('input', { type: 'number', 'data-field': name, value, min, max, step, class: 'wb-number' });
}

/** Sets an input's value unless the user is typing in it. */
function showValue(input: HTMLInputElement | HTMLSelectElement, value: string): void {
  if (document.activeElement !== input && input.value !== value) {
    input.value = value;
  }
}

export class TrainingControls {
  readonly element: HTMLDivElement;
  private epochs = numberInput('epochs', 10, 1, 100000);
  private batchSize = numberInput('batch_size', 32, 1, 65536);
  private learningRate = numberInput('learning_rate', 0.001, 0, 10, 'any');
  private backend = h('select', { 'data-field': 'backend', title: 'The backend the next step runs on' });
  private buttons = {
    start: h('button', { class: 'wb-button wb-primary', 'data-action': 'start', type: 'button' }, '▶ Start'),
    pause: h('button', { class: 'wb-button', 'data-action': 'pause', type: 'button' }, '❚❚ Pause'),
    resume: h('button', { class: 'wb-button', 'data-action': 'resume', type: 'button' }, '▶ Resume'),
    stop: h('button', { class: 'wb-button', 'data-action': 'stop', type: 'button' }, '■ Stop')
  };
  private bar = h('div', {});
  private text = h('span', { class: 'wb-status-text', 'data-testid': 'training-status' });
  private message = h('div', { class: 'wb-status-message', hidden: true });
  private status: TrainingStatus | null = null;
  private live = true;
  private backendNames: string[] = [];
  private cleanups: Cleanup[];

  constructor(private send: Send) {
    this.element = h(
      'div',
      { class: 'wb-training-controls' },
      h(
        'div',
        { class: 'wb-toolbar' },
        this.buttons.start,
        this.buttons.pause,
        this.buttons.resume,
        this.buttons.stop,
        h('label', { class: 'wb-label' }, 'epochs', this.epochs),
        h('label', { class: 'wb-label' }, 'batch', this.batchSize),
        h('span', { class: 'wb-spacer' }),
        h('label', { class: 'wb-label', title: 'Applies from the next step' }, 'learning rate', this.learningRate),
        h('label', { class: 'wb-label' }, 'backend', this.backend)
      ),
      h('div', { class: 'wb-progress', 'data-testid': 'progress' }, this.bar),
      h('div', { class: 'wb-status-row' }, this.text),
      this.message
    );
    this.cleanups = [
      listen(this.element, 'click', event => this.onClick(event)),
      listen(this.learningRate, 'change', () => {
        const value = Number(this.learningRate.value);
        if (Number.isFinite(value) && value > 0) {
          this.send({ type: 'set_learning_rate', value });
        }
      }),
      listen(this.backend, 'change', () => this.send({ type: 'set_backend', backend: this.backend.value }))
    ];
  }

  private onClick(event: MouseEvent): void {
    const action = (event.target as Element).closest('[data-action]')?.getAttribute('data-action');
    if (action === 'start') {
      this.send({
        type: 'start',
        epochs: clampInt(this.epochs.value, 1, 100000, 10),
        batch_size: clampInt(this.batchSize.value, 1, 65536, 32)
      });
    } else if (action === 'pause' || action === 'resume' || action === 'stop') {
      this.send({ type: action });
    }
  }

  setConfig(config: TrainingConfig): void {
    showValue(this.epochs, String(config.epochs));
    showValue(this.batchSize, String(config.batch_size));
  }

  setBackends(names: string[]): void {
    this.backendNames = names;
    this.renderBackends();
  }

  setStatus(status: TrainingStatus, runStart: number): void {
    if (!this.live) {
      return;
    }
    this.status = status;
    const allowed = controls(status);
    for (const [name, button] of Object.entries(this.buttons)) {
      button.disabled = !allowed[name as keyof typeof this.buttons];
    }
    this.element.dataset.state = status.state;
    this.text.textContent = describeStatus(status);
    const fraction = runFraction(status, runStart);
    this.bar.style.width = `${Math.round((fraction ?? 0) * 100)}%`;
    this.learningRate.disabled = status.learning_rate === null;
    this.learningRate.title = status.learning_rate === null ? 'The optimizer follows a schedule' : '';
    if (status.learning_rate !== null) {
      showValue(this.learningRate, formatNumber(status.learning_rate));
    }
    this.message.hidden = status.message === null;
    this.message.textContent = status.message ?? '';
    this.message.classList.toggle('wb-error-text', status.state === 'error');
    this.renderBackends();
  }

  /** The kernel is gone: the last status stays, said to be the last, and nothing can be pressed. */
  showNotLive(): void {
    this.live = false;
    Object.values(this.buttons).forEach(button => (button.disabled = true));
    this.text.textContent = `kernel stopped · last known: ${this.text.textContent}`;
  }

  private renderBackends(): void {
    const current = this.status?.backend;
    const names =
      current !== undefined && !this.backendNames.includes(current)
        ? [current, ...this.backendNames]
        : this.backendNames;
    const shown = Array.from(this.backend.options).map(option => option.value);
    if (shown.join() !== names.join()) {
      this.backend.replaceChildren(...names.map(name => h('option', { value: name }, name)));
    }
    if (current !== undefined) {
      showValue(this.backend, current);
    }
  }

  dispose(): void {
    this.cleanups.forEach(cleanup => cleanup());
  }
}

function clampInt(text: string, min: number, max: number, fallback: number): number {
  const value = Math.round(Number(text));
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}
