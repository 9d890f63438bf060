/**
 * The "Model Workbench" panel in the left sidebar: the notebook in focus and its kernel, what
 * the panel can and cannot do now (with the one step that fixes it), the backend switcher,
 * the models and the layer palette. It renders the model's state, at most once a frame.
 */
import type { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import type { ModelEntry, PaletteEntry, ViewKind } from '../../protocol';
import { Banner } from '../../ui/banner';
import { h, listen } from '../../ui/dom';
import { FrameScheduler } from '../../ui/scheduler';
import type { IWorkbenchSidebar, SidebarState } from '../tokens';
import { modelRow } from './models';
import { paletteList, startLayerDrag } from './palette';

function basename(path: string): string {
  return path.split('/').pop() ?? path;
}

export class SidebarPanel extends Widget {
  private notebook = h('span', { class: 'wb-sidebar-notebook', 'data-testid': 'notebook' });
  private status = h('span', { class: 'wb-kernel-status', 'data-testid': 'kernel-status' });
  private phaseText = h('span', { class: 'wb-phase-text' });
  private fixButton = h('button', { class: 'wb-button wb-primary', type: 'button', 'data-action': 'fix' });
  private phase = h('div', { class: 'wb-sidebar-phase', 'data-testid': 'phase' }, this.phaseText, this.fixButton);
  private banner = new Banner();
  private backend = h('select', { class: 'wb-sidebar-backend', 'data-field': 'backend' });
  private backendNote = h('span', { class: 'wb-hint', 'data-testid': 'backend-note' });
  private models = h('ul', { class: 'wb-sidebar-models', 'data-testid': 'models' });
  private modelsTitle = h('h3', {}, 'Models');
  private palette = h('div', { class: 'wb-sidebar-palette', 'data-testid': 'palette' });
  private body: HTMLElement;
  private scheduler = new FrameScheduler();
  private shownModels: ModelEntry[] | null = null;
  private shownPalette: PaletteEntry[] | null = null;
  private cleanups: (() => void)[];

  constructor(
    private model: IWorkbenchSidebar,
    icon: LabIcon
  ) {
    super();
    this.id = 'model-workbench-sidebar';
    this.addClass('wb-sidebar');
    this.addClass('wb-root');
    this.title.icon = icon;
    this.title.caption = 'Model Workbench';
    this.body = h(
      'div',
      { class: 'wb-sidebar-body' },
      h(
        'section',
        {},
        h(
          'div',
          { class: 'wb-toolbar' },
          h('label', { class: 'wb-label' }, 'Backend ', this.backend),
          this.backendNote
        ),
        h(
          'div',
          { class: 'wb-sidebar-heading' },
          this.modelsTitle,
          h(
            'button',
            { class: 'wb-button wb-small', type: 'button', 'data-action': 'refresh', title: 'Look again' },
            '↻'
          )
        ),
        this.models
      ),
      h(
        'section',
        {},
        h('h3', {}, 'Layers'),
        h('p', { class: 'wb-hint' }, 'Drag a layer onto an open graph editor.'),
        this.palette
      )
    );
    this.node.append(
      h('header', { class: 'wb-sidebar-header' }, h('h2', {}, 'Model Workbench'), this.notebook, this.status),
      this.phase,
      this.banner.element,
      this.body
    );
    this.cleanups = [
      model.changed.connect(() => this.scheduler.schedule('render', () => this.render())),
      listen(this.node, 'click', event => this.onClick(event)),
      listen(this.backend, 'change', () => void this.model.switchBackend(this.backend.value)),
      listen(this.palette, 'dragstart', startLayerDrag),
      () => this.banner.dispose()
    ];
    this.render();
  }

  private onClick(event: MouseEvent): void {
    const target = event.target as Element;
    if (target.closest('.wb-banner-close') !== null) {
      this.model.dismissProblem();
      return;
    }
    const button = target.closest('[data-action]');
    const action = button?.getAttribute('data-action');
    if (action === 'fix') {
      void this.model.fix();
    } else if (action === 'refresh') {
      void this.model.refresh();
    } else if (action === 'open') {
      const view = button?.getAttribute('data-view') as ViewKind;
      void this.model.openView(button?.getAttribute('data-model') as string, view);
    }
  }

  private render(): void {
    const state = this.model.state;
    this.node.dataset.phase = state.phase;
    this.notebook.textContent = state.notebook === null ? '' : basename(state.notebook);
    this.notebook.title = state.notebook ?? '';
    this.status.textContent = state.notebook === null ? '' : state.status === 'none' ? 'no kernel' : state.status;
    this.status.dataset.status = state.status;
    this.renderPhase(state);
    if (state.problem === null) {
      this.banner.clear();
    } else {
      this.banner.show(state.problem);
    }
    this.body.hidden = state.phase !== 'connected';
    this.renderBackend(state);
    this.renderModels(state.models);
    if (state.palette !== this.shownPalette) {
      this.shownPalette = state.palette;
      this.palette.replaceChildren(...paletteList(state.palette));
    }
  }

  private renderPhase(state: SidebarState): void {
    this.phase.hidden = state.message === '';
    this.phase.dataset.phase = state.phase;
    this.phaseText.textContent = state.message;
    this.fixButton.hidden = state.fix === null;
    this.fixButton.disabled = state.fixing;
    this.fixButton.textContent = state.fix?.label ?? '';
    this.fixButton.dataset.fix = state.fix?.action ?? '';
  }

  private renderBackend(state: SidebarState): void {
    const names = state.backends;
    if ([...this.backend.options].map(o => o.value).join() !== names.join()) {
      this.backend.replaceChildren(...names.map(name => h('option', { value: name }, name)));
    }
    this.backend.value = state.switching ?? state.backend ?? '';
    this.backend.disabled = state.switching !== null || state.executing;
    this.backend.title = state.executing
      ? 'A cell is running: switch when it has finished'
      : 'Moves every model to this backend, as engine.set_backend does';
    this.backendNote.textContent =
      state.switching !== null ? `moving every model to ${state.switching}…` : state.executing ? 'running a cell…' : '';
  }

  private renderModels(models: ModelEntry[]): void {
    if (models === this.shownModels) {
      return;
    }
    this.shownModels = models;
    this.modelsTitle.textContent = `Models (${models.length})`;
    this.models.replaceChildren(
      ...(models.length > 0
        ? models.map(modelRow)
        : [h('li', { class: 'wb-hint' }, 'No models in this notebook yet: build one in a cell.')])
    );
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.cleanups.forEach(cleanup => cleanup());
    this.scheduler.dispose();
    super.dispose();
  }
}
