/** A dismissable banner for the kernel's error replies: the message is a sentence for the user. */
import type { Problem } from '../widget';
import { h, listen } from './dom';

export class Banner {
  readonly element = h('div', { class: 'wb-banner', role: 'alert', hidden: true, 'data-testid': 'banner' });
  private text = h('span', { class: 'wb-banner-text' });
  private stop: () => void;

  constructor() {
    const close = h('button', { class: 'wb-banner-close', title: 'Dismiss', 'aria-label': 'Dismiss' }, '×');
    this.element.append(this.text, close);
    this.stop = listen(close, 'click', () => this.clear());
  }

  show(problem: Problem): void {
    this.text.textContent = problem.message;
    this.element.dataset.code = problem.code;
    this.element.hidden = false;
  }

  clear(): void {
    this.element.hidden = true;
  }

  dispose(): void {
    this.stop();
  }
}
