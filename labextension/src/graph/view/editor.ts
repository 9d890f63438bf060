/**
 * The graph editor: toolbar, palette, canvas, argument form and status line over one
 * GraphEditorModel. Redraws are batched into one per animation frame.
 */
import type { BufferLike } from '../../codec';
import type { ExportKind, Framework, KernelEvent } from '../../protocol';
import { resolveBuffer } from '../../protocol';
import { Banner } from '../../ui/banner';
import { h, listen } from '../../ui/dom';
import { saveFile } from '../../ui/download';
import { FrameScheduler } from '../../ui/scheduler';
import type { Cleanup, Problem } from '../../widget';
import { EditorState, GraphEditorModel, keyCommand } from '../model';
import { CanvasView } from './canvas';
import { FormView } from './form';
import { PaletteView } from './palette';

const FRAMEWORKS: [Framework, string][] = [
  ['torch', 'PyTorch'],
  ['jax', 'JAX'],
  ['tensorflow', 'TensorFlow'],
  ['keras', 'Keras 3'],
  ['engine', 'Model Workbench engine']
];

const FILES: [ExportKind, string, string][] = [
  ['spec', 'Graph (.json)', 'The graph spec: reopen it with Open…'],
  ['model', 'Model file (.wbm)', 'Graph, weights, compile settings and optimizer state'],
  ['keras', 'Keras 3 (.keras)', 'The model and its weights as a Keras 3 file'],
  ['onnx', 'ONNX (.onnx)', 'An ONNX (opset 17) inference graph with the weights']
];

/** The Export menu: code and weights for a framework, or the model as a file. */
function exportMenu(): HTMLDivElement {
  return h(
    'div',
    { class: 'wb-export-menu', hidden: true, 'data-testid': 'export-menu' },
    h(
      'label',
      {},
      'Code for',
      h(
        'select',
        { 'data-role': 'framework', title: 'The framework the code is written for' },
        ...FRAMEWORKS.map(([value, label]) => h('option', { value }, label))
      )
    ),
    h(
      'button',
      {
        class: 'wb-button',
        type: 'button',
        'data-export': 'code',
        title: 'model.py, weights.npz and a README saying how to load them'
      },
      'Code and weights (.zip)'
    ),
    h('hr', {}),
    ...FILES.map(([kind, label, title]) =>
      h('button', { class: 'wb-button', type: 'button', 'data-export': kind, title }, label)
    )
  );
}

function button(label: string, action: string, title: string): HTMLButtonElement {
  return h('button', { class: 'wb-button', 'data-action': action, title, type: 'button' }, label);
}

export class GraphEditorView {
  readonly element: HTMLDivElement;
  readonly banner = new Banner();
  private canvas: CanvasView;
  private palette: PaletteView;
  private form: FormView;
  private undoButton = button('↶ Undo', 'undo', 'Undo (Ctrl+Z)');
  private redoButton = button('↷ Redo', 'redo', 'Redo (Ctrl+Shift+Z)');
  private status = h('div', { class: 'wb-statusline', 'data-testid': 'graph-status' });
  private notice = h('div', { class: 'wb-notice', role: 'status', hidden: true, 'data-testid': 'outputs-notice' });
  private code = h('pre', { class: 'wb-code' });
  private codeBox = h('details', { class: 'wb-code-box' }, h('summary', {}, 'Python code'), this.code);
  private menu = exportMenu();
  private fileInput = h('input', { type: 'file', accept: '.json,application/json', hidden: true });
  private scheduler = new FrameScheduler();
  private cleanups: Cleanup[] = [];

  constructor(private model: GraphEditorModel) {
    this.canvas = new CanvasView(model);
    this.palette = new PaletteView(model);
    this.form = new FormView(model);
    const toolbar = h(
      'div',
      { class: 'wb-toolbar' },
      this.undoButton,
      this.redoButton,
      button('Delete', 'delete', 'Delete the selected node or connection (Delete)'),
      button('Auto-layout', 'layout', 'Arrange the graph top-down'),
      button('Open…', 'open', 'Replace the graph by a graph spec (.json) from a file'),
      h(
        'span',
        { class: 'wb-menu-anchor' },
        button('Export ▾', 'export', 'Download the model as code, weights or a model file'),
        this.menu
      ),
      this.fileInput,
      h('span', { class: 'wb-spacer' }),
      button('−', 'zoom-out', 'Zoom out'),
      button('+', 'zoom-in', 'Zoom in'),
      button('Fit', 'fit', 'Show the whole graph, or its start when it is too large to read whole (drag to pan)')
    );
    const side = h('div', { class: 'wb-side' }, this.form.element, this.codeBox);
    this.element = h(
      'div',
      { class: 'wb-graph-editor wb-root', tabindex: 0, 'data-lm-suppress-shortcuts': 'true' },
      toolbar,
      this.banner.element,
      this.notice,
      h('div', { class: 'wb-editor-body' }, this.palette.element, this.canvas.element, side),
      this.status
    );
    this.cleanups.push(
      model.changed.connect(() => this.scheduler.schedule('render', () => this.render())),
      listen(toolbar, 'click', event => this.onToolbar(event)),
      listen(this.menu, 'click', event => this.onExport(event)),
      listen(this.banner.element, 'click', event => {
        if ((event.target as Element).closest('.wb-banner-close') !== null) {
          model.dismissProblem();
        }
      }),
      listen(this.notice, 'click', event => {
        const notice = model.outputsNotice();
        if ((event.target as Element).closest('[data-role=keep-output]') !== null && notice !== null) {
          model.keepOnlyOutput(notice.main);
        }
      }),
      listen(this.fileInput, 'change', () => void this.openFile()),
      listen(this.element, 'keydown', event => {
        if (model.command(keyCommand(event))) {
          event.preventDefault();
          event.stopPropagation();
        }
      })
    );
  }

  update(values: Partial<EditorState>): void {
    this.model.setState(values);
  }

  showProblem(problem: Problem): void {
    this.model.showProblem(problem);
  }

  onEvent(event: KernelEvent, buffers: readonly BufferLike[]): void {
    if (event.type === 'download') {
      const bytes = resolveBuffer(event.data, buffers).data;
      saveFile(event.filename, event.mime, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
  }

  private onExport(event: MouseEvent): void {
    const kind = (event.target as Element).closest('[data-export]')?.getAttribute('data-export') as ExportKind | null;
    if (kind === null || kind === undefined) {
      return;
    }
    const framework = (this.menu.querySelector('[data-role="framework"]') as HTMLSelectElement).value as Framework;
    this.menu.hidden = true;
    void this.model.exportModel(kind, kind === 'code' ? framework : undefined);
  }

  private async openFile(): Promise<void> {
    const file = this.fileInput.files?.[0];
    this.fileInput.value = '';
    if (file === undefined) {
      return;
    }
    if (!this.model.loadSpecText(await file.text())) {
      this.model.showProblem({
        message: `${file.name} is not a graph spec (a JSON object); export one with Export ▸ Graph (.json).`,
        code: 'rejected'
      });
    }
  }

  private onToolbar(event: MouseEvent): void {
    const action = (event.target as Element).closest('[data-action]')?.getAttribute('data-action');
    const { width, height } = this.canvas.size();
    const centre = { x: width / 2, y: height / 2 };
    if (action !== 'export' && !this.menu.contains(event.target as Node)) {
      this.menu.hidden = true;
    }
    switch (action) {
      case 'open':
        this.fileInput.click();
        break;
      case 'export':
        this.menu.hidden = !this.menu.hidden;
        break;
      case 'undo':
        this.model.undo();
        break;
      case 'redo':
        this.model.redo();
        break;
      case 'delete':
        this.model.deleteSelection();
        break;
      case 'layout':
        this.model.autoLayout('down');
        break;
      case 'zoom-in':
        this.model.zoomBy(1.25, centre);
        break;
      case 'zoom-out':
        this.model.zoomBy(0.8, centre);
        break;
      case 'fit':
        this.model.fit(width, height);
        break;
    }
  }

  render(): void {
    const { width, height } = this.canvas.size();
    this.model.fitOnce(width, height);
    const { history } = this.model.state;
    this.undoButton.disabled = !history.can_undo;
    this.undoButton.title = history.undo_label ? `Undo ${history.undo_label} (Ctrl+Z)` : 'Nothing to undo';
    this.redoButton.disabled = !history.can_redo;
    this.redoButton.title = history.redo_label ? `Redo ${history.redo_label} (Ctrl+Shift+Z)` : 'Nothing to redo';
    this.palette.render();
    this.canvas.render();
    this.form.render();
    const summary = this.model.summary();
    const leftOut = summary.leftOut === 1 ? '1 layer' : `${summary.leftOut} layers`;
    this.status.replaceChildren(
      h(
        'span',
        { class: summary.valid ? 'wb-valid' : 'wb-invalid' },
        summary.valid ? '✓ valid model' : '✗ not a model yet'
      ),
      h('span', {}, summary.text),
      ...(summary.valid && summary.leftOut > 0
        ? [h('span', { class: 'wb-left-out' }, `${leftOut} not connected, left out of the model`)]
        : []),
      ...summary.errors.map(error => h('span', { class: 'wb-graph-error' }, error))
    );
    this.renderMessages();
    this.code.textContent = this.model.state.code;
    this.codeBox.hidden = this.model.state.code === '';
  }

  /** The banner (a refused intent) and the notice about automatic outputs. */
  private renderMessages(): void {
    const { problem } = this.model;
    if (problem === null) {
      this.banner.clear();
    } else {
      this.banner.show(problem);
    }
    const notice = this.model.outputsNotice();
    this.notice.hidden = notice === null;
    this.notice.replaceChildren(
      ...(notice === null
        ? []
        : [
            h('span', {}, notice.text),
            h(
              'button',
              { class: 'wb-link', type: 'button', 'data-role': 'keep-output', title: 'Make it the only model output' },
              `Keep only ${notice.main.node}`
            )
          ])
    );
  }

  dispose(): void {
    this.scheduler.dispose();
    this.cleanups.forEach(cleanup => cleanup());
    this.canvas.dispose();
    this.palette.dispose();
    this.form.dispose();
    this.banner.dispose();
  }
}
