/**
 * The Workbench: Build | Train | Inspect tabs over one model. Each tab shows a child widget
 * (the kernel names them by reference) rendered by that widget's own view.
 */
import type { Intent, Tab, WorkbenchChildren } from '../protocol';
import { widgetRefId } from '../protocol';
import { Banner } from '../ui/banner';
import { h, listen } from '../ui/dom';
import type { Cleanup, Problem, RenderContext, WidgetModel } from '../widget';

export type ChildRenderer = (context: RenderContext) => Cleanup;
export type ResolveModel = (id: string) => Promise<WidgetModel>;

const TABS: { tab: Tab; label: string; empty: string }[] = [
  { tab: 'build', label: 'Build', empty: 'No graph editor.' },
  { tab: 'train', label: 'Train', empty: 'Build a valid model first: the Build tab says what is missing.' },
  { tab: 'inspect', label: 'Inspect', empty: 'Build a valid model first: the Build tab says what is missing.' }
];

class Pane {
  readonly element: HTMLDivElement;
  private ref: string | null = null;
  private cleanup: Cleanup | null = null;
  private generation = 0;

  constructor(
    readonly tab: Tab,
    private empty: string,
    private renderChild: ChildRenderer
  ) {
    this.element = h('div', { class: 'wb-pane', 'data-tab': tab, 'data-testid': `pane-${tab}` });
  }

  /** Shows the child widget `ref` (re-rendering only when it changed). */
  show(ref: string | null, resolve: ResolveModel, report: (problem: Problem) => void): void {
    if (ref === this.ref) {
      return;
    }
    this.ref = ref;
    const generation = ++this.generation;
    this.clear();
    if (ref === null) {
      this.element.replaceChildren(h('p', { class: 'wb-hint' }, this.empty));
      return;
    }
    const host = h('div', { class: 'wb-pane-host' });
    this.element.replaceChildren(host);
    resolve(widgetRefId(ref))
      .then(model => {
        if (generation === this.generation) {
          this.cleanup = this.renderChild({ model, el: host });
        }
      })
      .catch((error: Error) =>
        report({ message: `Could not show the ${this.tab} view: ${error.message}`, code: 'protocol' })
      );
  }

  private clear(): void {
    this.cleanup?.();
    this.cleanup = null;
  }

  dispose(): void {
    this.generation++;
    this.clear();
  }
}

export class WorkbenchView {
  readonly element: HTMLDivElement;
  readonly banner = new Banner();
  private tabs: HTMLDivElement;
  private panes: Pane[];
  private stop: Cleanup;

  constructor(
    private send: (intent: Intent) => unknown,
    private resolve: ResolveModel,
    renderers: Record<Tab, ChildRenderer>
  ) {
    this.panes = TABS.map(({ tab, empty }) => new Pane(tab, empty, renderers[tab]));
    this.tabs = h(
      'div',
      { class: 'wb-tabs', role: 'tablist' },
      ...TABS.map(({ tab, label }) =>
        h('button', { class: 'wb-tab', role: 'tab', 'data-tab': tab, type: 'button' }, label)
      )
    );
    this.element = h(
      'div',
      { class: 'wb-workbench wb-root' },
      this.tabs,
      this.banner.element,
      ...this.panes.map(pane => pane.element)
    );
    this.stop = listen(this.tabs, 'click', event => {
      const tab = (event.target as Element).closest('[data-tab]')?.getAttribute('data-tab') as Tab | null;
      if (tab) {
        this.banner.clear();
        this.send({ type: 'select_tab', tab });
      }
    });
  }

  update(values: { tab?: Tab; children?: WorkbenchChildren }): void {
    if (values.children !== undefined) {
      for (const pane of this.panes) {
        pane.show(values.children[pane.tab], this.resolve, problem => this.showProblem(problem));
      }
    }
    if (values.tab !== undefined) {
      for (const button of Array.from(this.tabs.children)) {
        const active = button.getAttribute('data-tab') === values.tab;
        button.classList.toggle('wb-active', active);
        button.setAttribute('aria-selected', String(active));
      }
      for (const pane of this.panes) {
        pane.element.hidden = pane.tab !== values.tab;
      }
    }
  }

  showProblem(problem: Problem): void {
    this.banner.show(problem);
  }

  dispose(): void {
    this.stop();
    this.panes.forEach(pane => pane.dispose());
    this.banner.dispose();
  }
}
