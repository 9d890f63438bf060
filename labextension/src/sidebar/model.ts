/**
 * The sidebar's state: the notebook in focus, where the panel stands with its kernel, and
 * what the kernel said (backend, models, palette). All of it, with no DOM: the panel renders
 * `state` and calls the methods. One NotebookConnection per notebook that has been in focus,
 * kept until the notebook closes, so switching back is instant.
 */
import type { ViewKind } from '../protocol';
import { Signal } from '../signal';
import { ConnectionOptions, NotebookConnection } from './connection';
import type { FixAction, IWorkbenchSidebar, KernelStatus, NotebookLink, Phase, SidebarState } from './tokens';

export const DEFAULT_OPTIONS: ConnectionOptions = { readyTimeout: 4000 };

/** What the panel says in each phase, and the one step it offers. */
export function describePhase(phase: Phase): Pick<SidebarState, 'message' | 'fix'> {
  const say = (message: string, action?: FixAction, label?: string) => ({
    message,
    fix: action === undefined ? null : { action, label: label as string }
  });
  switch (phase) {
    case 'no_notebook':
      return say('Open a notebook to see its models here.');
    case 'no_kernel':
      return say('This notebook has no kernel.', 'select_kernel', 'Select a kernel');
    case 'starting':
      return say('The kernel is starting…');
    case 'restarting':
      return say('The kernel is restarting…');
    case 'disconnected':
      return say('The connection to the kernel was lost. Reconnecting…');
    case 'dead':
      return say('The kernel has died.', 'restart', 'Restart the kernel');
    case 'connecting':
      return say('Connecting to the kernel…');
    case 'waiting':
      return say(
        'The kernel is busy running a cell. The panel connects when the cell finishes.',
        'interrupt',
        'Interrupt the kernel'
      );
    case 'not_imported':
      return say(
        'Model Workbench is not imported in this kernel. Run `import workbench` in a cell, or:',
        'import',
        'Import workbench'
      );
    case 'failed':
      return say('The panel could not talk to this kernel.', 'reconnect', 'Try again');
    case 'connected':
      return say('');
  }
}

/**
 * A notebook's kernel status from JupyterLab's display status (ISessionContext's
 * kernelDisplayStatus) and whether there is a kernel at all.
 */
export function kernelStatusOf(display: string, hasKernel: boolean): KernelStatus {
  if (!hasKernel) {
    return display === 'initializing' || display === 'starting' ? 'starting' : 'none';
  }
  switch (display) {
    case 'idle':
    case 'busy':
    case 'restarting':
    case 'dead':
    case 'disconnected':
      return display;
    case 'autorestarting':
      return 'restarting';
    case 'terminating':
      return 'dead';
    default: // starting, initializing, connecting, connected (status not known yet), unknown
      return 'starting';
  }
}

const NO_NOTEBOOK: SidebarState = {
  notebook: null,
  status: 'none',
  phase: 'no_notebook',
  ...describePhase('no_notebook'),
  fixing: false,
  backend: null,
  backends: [],
  models: [],
  palette: [],
  executing: false,
  switching: null,
  problem: null
};

export class SidebarModel implements IWorkbenchSidebar {
  readonly changed = new Signal<SidebarState>();
  private connections = new Map<NotebookLink, { connection: NotebookConnection; stop: () => void }>();
  private current: NotebookConnection | null = null;
  private snapshot: SidebarState = NO_NOTEBOOK;

  constructor(private options: ConnectionOptions = DEFAULT_OPTIONS) {}

  get state(): SidebarState {
    return this.snapshot;
  }

  follow(link: NotebookLink | null): void {
    if (link === null) {
      this.current = null;
    } else {
      this.current = (this.connections.get(link) ?? this.open(link)).connection;
    }
    this.update();
  }

  private open(link: NotebookLink) {
    const connection = new NotebookConnection(link, this.options);
    const stops = [
      connection.changed.connect(() => {
        if (connection === this.current) {
          this.update();
        }
      }),
      link.disposed.connect(() => this.close(link))
    ];
    const entry = { connection, stop: () => stops.forEach(stop => stop()) };
    this.connections.set(link, entry);
    return entry;
  }

  private close(link: NotebookLink): void {
    const entry = this.connections.get(link);
    if (entry === undefined) {
      return;
    }
    entry.stop();
    entry.connection.dispose();
    this.connections.delete(link);
    if (entry.connection === this.current) {
      this.follow(null);
    }
  }

  private update(): void {
    const connection = this.current;
    if (connection === null) {
      this.snapshot = NO_NOTEBOOK;
    } else {
      const { traits, phase } = connection;
      const connected = phase === 'connected';
      this.snapshot = {
        notebook: connection.link.path,
        status: connection.link.status,
        phase,
        ...describePhase(phase),
        fixing: connection.fixing,
        backend: connected ? traits.backend : null,
        backends: traits.backends,
        models: traits.models,
        palette: traits.palette,
        executing: traits.executing,
        switching: connection.switching,
        problem: connection.problem
      };
    }
    this.changed.emit(this.snapshot);
  }

  async switchBackend(name: string): Promise<void> {
    await this.current?.switchBackend(name);
  }

  async openView(model: string, view: ViewKind): Promise<void> {
    await this.current?.openView(model, view);
  }

  async fix(): Promise<void> {
    const action = this.snapshot.fix?.action;
    if (this.current !== null && action !== undefined && !this.snapshot.fixing) {
      await this.current.fix(action);
    }
  }

  async refresh(): Promise<void> {
    await this.current?.refresh();
  }

  dismissProblem(): void {
    this.current?.dismissProblem();
  }

  dispose(): void {
    [...this.connections.keys()].forEach(link => this.close(link));
  }
}
