/**
 * One notebook's connection to the sidebar session in its kernel: the comm, where it stands
 * (its phase) and the traits the kernel sent. It follows the kernel's status: a restart or
 * a dead kernel drops the comm, and an idle kernel without one gets a new one. No DOM.
 */
import { checkOpenedView, SIDEBAR_TRAITS, ViewKind } from '../protocol';
import type { Config, Intent } from '../protocol';
import type { Infer } from '../schema';
import { Signal } from '../signal';
import { IntentError, Problem, Transport } from '../widget';
import { COMM_TARGET, CommChannel, FixAction, NotebookLink, Phase } from './tokens';

export type SidebarTraits = { [K in keyof typeof SIDEBAR_TRAITS]: Infer<(typeof SIDEBAR_TRAITS)[K]> };

export const EMPTY_TRAITS: SidebarTraits = {
  backend: '',
  backends: [],
  models: [],
  palette: [],
  executing: false
};

export const VIEW_TITLES: Record<ViewKind, string> = {
  editor: 'Graph editor',
  dashboard: 'Dashboard',
  inspector: 'Inspector'
};

export interface ConnectionOptions {
  /** Milliseconds without an answer to `ready` before the panel says the kernel is busy. */
  readyTimeout: number;
}

const STATUS_PHASES: Partial<Record<NotebookLink['status'], Phase>> = {
  none: 'no_kernel',
  starting: 'starting',
  restarting: 'restarting',
  disconnected: 'disconnected',
  dead: 'dead'
};

export class NotebookConnection {
  readonly changed = new Signal<void>();
  phase: Phase = 'connecting';
  traits: SidebarTraits = EMPTY_TRAITS;
  problem: Problem | null = null;
  switching: string | null = null;
  fixing = false;

  private channel: CommChannel | null = null;
  private transport: Transport | null = null;
  private kernelId: string | null = null;
  /** Counts connections: answers meant for an earlier one are ignored. */
  private generation = 0;
  private stopComm: (() => void)[] = [];
  private stopLink: (() => void)[];

  constructor(
    readonly link: NotebookLink,
    private options: ConnectionOptions
  ) {
    this.stopLink = [
      link.statusChanged.connect(() => this.onStatus()),
      link.cellExecuted.connect(() => this.onCellExecuted())
    ];
    this.onStatus();
  }

  private onStatus(): void {
    const lost = STATUS_PHASES[this.link.status];
    if (lost !== undefined) {
      this.drop();
      this.setPhase(lost);
      return;
    }
    // Connected, or on the way, to this kernel: nothing to do but show idle <-> busy.
    const underway = ['connecting', 'waiting', 'connected'].includes(this.phase);
    // Told why not: a cell that imports workbench (or the fix) tries again.
    const settled = this.phase === 'not_imported' || this.phase === 'failed';
    const sameKernel = this.link.kernelId === this.kernelId;
    if ((underway || settled) && sameKernel) {
      this.changed.emit();
    } else {
      void this.connect();
    }
  }

  /** After a cell ran, a kernel that had no workbench may have one now. */
  private onCellExecuted(): void {
    if (this.phase === 'not_imported') {
      void this.connect();
    }
  }

  private async connect(): Promise<void> {
    this.drop();
    const generation = this.generation;
    this.kernelId = this.link.kernelId;
    this.setPhase('connecting');
    let channel: CommChannel;
    try {
      channel = await this.link.openComm(COMM_TARGET);
    } catch (error) {
      if (generation === this.generation) {
        this.fail(`Could not open a connection to the kernel: ${(error as Error).message}`);
      }
      return;
    }
    if (generation !== this.generation) {
      channel.close();
      return;
    }
    const transport = new Transport(channel);
    this.channel = channel;
    this.transport = transport;
    this.stopComm = [
      channel.closed.connect(() => this.onClosed(generation)),
      transport.events.connect(({ event }) => {
        if (event.type === 'state') {
          this.applyState(event.state);
        }
      }),
      transport.problems.connect(problem => this.report(problem))
    ];
    const busy = setTimeout(() => {
      if (generation === this.generation && this.phase === 'connecting') {
        this.setPhase('waiting');
      }
    }, this.options.readyTimeout);
    try {
      await transport.request({ type: 'ready' });
      if (generation === this.generation) {
        this.setPhase('connected');
      }
    } catch (error) {
      if (generation === this.generation && (error as IntentError).code !== 'disconnected') {
        this.fail((error as Error).message);
      }
    } finally {
      clearTimeout(busy);
    }
  }

  /** The kernel closed the comm: it has no `workbench` to answer it. */
  private onClosed(generation: number): void {
    if (generation === this.generation) {
      this.drop();
      this.setPhase('not_imported');
    }
  }

  private applyState(values: Config): void {
    const next: Record<string, unknown> = { ...this.traits };
    for (const [name, check] of Object.entries(SIDEBAR_TRAITS)) {
      if (!(name in values)) {
        continue;
      }
      try {
        next[name] = check(values[name], name);
      } catch (error) {
        this.report({
          message: `The kernel sent a ${name} this page cannot read (${(error as Error).message}).`,
          code: 'protocol'
        });
      }
    }
    this.traits = next as SidebarTraits;
    this.changed.emit();
  }

  /** Closes the comm (if any) and forgets what the kernel said: it may no longer be true. */
  private drop(): void {
    this.generation++;
    this.stopComm.forEach(stop => stop());
    this.stopComm = [];
    this.transport?.dispose();
    this.channel?.close();
    this.transport = this.channel = null;
    this.traits = EMPTY_TRAITS;
    this.switching = null;
  }

  private fail(message: string): void {
    this.drop();
    this.problem = { message, code: 'protocol' };
    this.setPhase('failed');
  }

  private setPhase(phase: Phase): void {
    this.phase = phase;
    this.changed.emit();
  }

  private report(problem: Problem): void {
    this.problem = problem;
    this.changed.emit();
  }

  dismissProblem(): void {
    this.problem = null;
    this.changed.emit();
  }

  // ---------------------------------------------------------------------------- requests
  /** Sends an intent; a refusal becomes the panel's problem, and the result null. */
  private async request(intent: Intent): Promise<Config | null> {
    if (this.transport === null || this.phase !== 'connected') {
      return null;
    }
    try {
      return await this.transport.request(intent);
    } catch (error) {
      if ((error as IntentError).code !== 'disconnected') {
        this.report({ message: (error as Error).message, code: (error as IntentError).code });
      }
      return null;
    }
  }

  async switchBackend(name: string): Promise<void> {
    if (this.phase !== 'connected' || name === this.traits.backend) {
      return;
    }
    this.switching = name;
    this.changed.emit();
    await this.request({ type: 'set_backend', backend: name });
    this.switching = null;
    this.changed.emit();
  }

  async openView(model: string, view: ViewKind): Promise<void> {
    const result = await this.request({ type: 'open_view', model, view });
    if (result === null) {
      return;
    }
    try {
      await this.link.showWidget(checkOpenedView(result, 'result').widget, `${model} · ${VIEW_TITLES[view]}`);
    } catch (error) {
      this.report({ message: (error as Error).message, code: 'view' });
    }
  }

  async refresh(): Promise<void> {
    await this.request({ type: 'refresh' });
  }

  /** Takes the one step that fixes the current phase (see describePhase). */
  async fix(action: FixAction): Promise<void> {
    this.fixing = true;
    this.changed.emit();
    try {
      if (action === 'import') {
        await this.importWorkbench();
      } else if (action === 'restart') {
        await this.link.restart();
      } else if (action === 'interrupt') {
        await this.link.interrupt();
      } else if (action === 'select_kernel') {
        await this.link.selectKernel();
      } else if (action === 'reconnect') {
        this.problem = null;
        void this.connect();
      }
    } catch (error) {
      this.report({ message: (error as Error).message, code: 'fix' });
    } finally {
      this.fixing = false;
      this.changed.emit();
    }
  }

  private async importWorkbench(): Promise<void> {
    try {
      await this.link.execute('import workbench');
    } catch (error) {
      throw new Error(
        `This kernel could not import workbench (${(error as Error).message}). Install ` +
          "model-workbench in the kernel's Python environment (pip install model-workbench), " +
          'restart the kernel and try again.'
      );
    }
    void this.connect();
  }

  dispose(): void {
    this.drop();
    this.stopLink.forEach(stop => stop());
  }
}
