/**
 * JupyterLab's side of a NotebookLink: a NotebookPanel's kernel status, comms, code execution,
 * and widgets shown beside it. Everything the sidebar asks of JupyterLab goes through here.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { MimeModel } from '@jupyterlab/rendermime';
import type { Kernel } from '@jupyterlab/services';
import type { LabIcon } from '@jupyterlab/ui-components';
import type { JSONObject } from '@lumino/coreutils';
import { Panel } from '@lumino/widgets';
import type { BufferLike } from '../codec';
import { widgetRefId } from '../protocol';
import { Signal } from '../signal';
import { kernelStatusOf } from './model';
import { placeView } from './placement';
import type { CommChannel, KernelStatus, NotebookLink } from './tokens';

const WIDGET_MIME = 'application/vnd.jupyter.widget-view+json';
/** The statuses after which the views' widgets are gone: "none" follows Shut Down All Kernels. */
const KERNEL_GONE: readonly KernelStatus[] = ['restarting', 'dead', 'none'];
/** How long to wait for the comm's kernel subshell before sending on the main shell anyway. */
const SUBSHELL_WAIT = 5000;

type Listener = (content: unknown, buffers?: readonly BufferLike[]) => void;

/** A kernel comm as a CommChannel. */
class KernelComm implements CommChannel {
  readonly closed = new Signal<void>();
  private listeners = new Set<Listener>();
  private open = true;

  constructor(
    private comm: Kernel.IComm,
    private kernel: Kernel.IKernelConnection
  ) {
    comm.onMsg = msg => this.listeners.forEach(listener => listener(msg.content.data, msg.buffers ?? []));
    comm.onClose = () => {
      this.open = false;
      this.closed.emit();
    };
  }

  send(content: unknown): void {
    if (this.live) {
      this.comm.send(content as JSONObject);
    }
  }

  /**
   * Whether the comm can still carry a message. A restart disposes the comms, and a shutdown
   * (Shut Down All Kernels) disposes the kernel connection before the notebook hears of it;
   * either way there is no kernel to tell, and the comm would throw "Cannot close/send".
   */
  private get live(): boolean {
    return this.open && !this.comm.isDisposed && !this.kernel.isDisposed;
  }

  on(event: string, listener: Listener): void {
    if (event === 'msg:custom') {
      this.listeners.add(listener);
    }
  }

  off(_event: string, listener?: Listener): void {
    if (listener === undefined) {
      this.listeners.clear();
    } else {
      this.listeners.delete(listener);
    }
  }

  close(): void {
    if (this.live) {
      this.open = false;
      this.comm.onClose = () => undefined;
      this.comm.close();
    }
  }
}

const delay = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

export class NotebookPanelLink implements NotebookLink {
  readonly statusChanged = new Signal<void>();
  readonly cellExecuted = new Signal<void>();
  readonly disposed = new Signal<void>();
  private views = new Map<string, MainAreaWidget>();

  constructor(
    private panel: NotebookPanel,
    private app: JupyterFrontEnd,
    private icon: LabIcon
  ) {
    const context = panel.sessionContext;
    context.statusChanged.connect(this.onStatus, this);
    context.connectionStatusChanged.connect(this.onStatus, this);
    context.kernelChanged.connect(this.onStatus, this);
    context.propertyChanged.connect(this.onStatus, this);
    NotebookActions.executed.connect(this.onExecuted, this);
    panel.disposed.connect(() => {
      context.statusChanged.disconnect(this.onStatus, this);
      context.connectionStatusChanged.disconnect(this.onStatus, this);
      context.kernelChanged.disconnect(this.onStatus, this);
      context.propertyChanged.disconnect(this.onStatus, this);
      NotebookActions.executed.disconnect(this.onExecuted, this);
      this.disposed.emit();
    });
  }

  get path(): string {
    return this.panel.context.path;
  }

  get status(): KernelStatus {
    const context = this.panel.sessionContext;
    return kernelStatusOf(context.kernelDisplayStatus, Boolean(context.session?.kernel));
  }

  get kernelId(): string | null {
    return this.panel.sessionContext.session?.kernel?.id ?? null;
  }

  private onStatus(): void {
    if (KERNEL_GONE.includes(this.status)) {
      this.closeViews(); // their widgets lived in the old kernel
    }
    this.statusChanged.emit();
  }

  private onExecuted(_: unknown, { notebook }: { notebook: unknown }): void {
    if (notebook === this.panel.content) {
      this.cellExecuted.emit();
    }
  }

  private kernel(): Kernel.IKernelConnection {
    const kernel = this.panel.sessionContext.session?.kernel;
    if (!kernel) {
      throw new Error('the notebook has no kernel');
    }
    return kernel;
  }

  async openComm(target: string): Promise<CommChannel> {
    const kernel = this.kernel();
    const comm = kernel.createComm(target);
    // JupyterLab may send comm messages over a kernel subshell, which answers while a cell
    // runs. The subshell is created asynchronously: open the comm once it exists, so that
    // `comm_open` and the messages after it take the same way in.
    await Promise.race([kernel.info, delay(SUBSHELL_WAIT)]);
    const subshell = (comm as { subshellStarted?: Promise<void> }).subshellStarted;
    if (kernel.supportsSubshells && comm.commsOverSubshells !== 'disabled' && subshell) {
      await Promise.race([subshell, delay(SUBSHELL_WAIT)]);
    }
    const channel = new KernelComm(comm, kernel);
    comm.open({});
    return channel;
  }

  async execute(code: string): Promise<void> {
    const future = this.kernel().requestExecute({ code, silent: false, store_history: false });
    const reply = await future.done;
    if (reply.content.status === 'error') {
      throw new Error(`${reply.content.ename}: ${reply.content.evalue}`);
    }
  }

  restart(): Promise<void> {
    return this.panel.sessionContext.restartKernel();
  }

  interrupt(): Promise<void> {
    return this.kernel().interrupt();
  }

  async selectKernel(): Promise<void> {
    this.app.shell.activateById(this.panel.id);
    await this.app.commands.execute('notebook:change-kernel');
  }

  /**
   * Renders the widget with this notebook's widget manager, in a tab to the notebook's right:
   * in the area the views opened before it are in (placement.ts).
   */
  async showWidget(widget: string, title: string): Promise<void> {
    const id = widgetRefId(widget);
    const open = this.views.get(id);
    if (open !== undefined && !open.isDisposed) {
      this.app.shell.activateById(open.id);
      return;
    }
    const rendermime = this.panel.content.rendermime;
    if (!rendermime.mimeTypes.includes(WIDGET_MIME)) {
      throw new Error(
        'JupyterLab cannot show widgets: install ipywidgets where JupyterLab runs (pip install ipywidgets) and reload the page.'
      );
    }
    const renderer = rendermime.createRenderer(WIDGET_MIME);
    const content = new Panel();
    content.addClass('wb-view-beside');
    content.addWidget(renderer);
    const view = new MainAreaWidget({ content });
    view.id = `model-workbench-view-${id}`;
    view.title.label = title;
    view.title.caption = title; // the tab shortens the label when the views share the width
    view.title.icon = this.icon;
    view.title.closable = true;
    const opened = [...this.views.values()].filter(other => other.isAttached).map(other => other.id);
    view.disposed.connect(() => this.views.delete(id));
    this.views.set(id, view);
    this.app.shell.add(view, 'main', placeView(this.panel.id, opened));
    await renderer.renderModel(
      new MimeModel({ data: { [WIDGET_MIME]: { model_id: id, version_major: 2, version_minor: 1 } } })
    );
  }

  private closeViews(): void {
    [...this.views.values()].forEach(view => view.dispose());
  }
}
