/**
 * The sidebar's public interface (jupyterlab-git's tokens.ts): the token the plugin provides,
 * the state the panel renders, and the slices of JupyterLab the model works through
 * (NotebookLink, CommChannel), so that the model runs and is tested without JupyterLab.
 */
import { Token } from '@lumino/coreutils';
import type { ModelEntry, PaletteEntry, ViewKind } from '../protocol';
import type { Signal } from '../signal';
import type { MessageChannel, Problem } from '../widget';

/** The comm target `import workbench` registers in an IPython kernel (workbench/sidebar.py). */
export const COMM_TARGET = 'model-workbench';

/** A notebook's kernel as the panel tells it apart. */
export type KernelStatus = 'none' | 'starting' | 'restarting' | 'idle' | 'busy' | 'dead' | 'disconnected';

/** A comm to the kernel: a Transport's channel that can be closed, from either end. */
export interface CommChannel extends MessageChannel {
  /** Emitted when the kernel closes the comm (it does at once when nothing handles the target). */
  readonly closed: Signal<void>;
  close(): void;
}

/** One notebook and its kernel, as the sidebar needs them (notebook.ts adapts a NotebookPanel). */
export interface NotebookLink {
  readonly path: string;
  readonly status: KernelStatus;
  /** The running kernel's id: a new one after the notebook's kernel is changed. */
  readonly kernelId: string | null;
  /** The status or the kernel changed. */
  readonly statusChanged: Signal<void>;
  /** A cell of this notebook finished running. */
  readonly cellExecuted: Signal<void>;
  /** The notebook was closed. */
  readonly disposed: Signal<void>;
  /** Opens a comm to `target`, once messages sent on it will reach the kernel in order. */
  openComm(target: string): Promise<CommChannel>;
  /** Runs code in the kernel; rejects with the exception's name and text. */
  execute(code: string): Promise<void>;
  restart(): Promise<void>;
  interrupt(): Promise<void>;
  selectKernel(): Promise<void>;
  /** Shows a widget ("IPY_MODEL_<id>") in a tab beside the notebook. */
  showWidget(widget: string, title: string): Promise<void>;
}

/** Where the panel stands with the notebook in focus. */
export type Phase =
  | 'no_notebook'
  | 'no_kernel'
  | 'starting'
  | 'restarting'
  | 'disconnected'
  | 'dead'
  | 'connecting' // the comm is open, `ready` not answered yet
  | 'waiting' // `ready` unanswered for a while: the kernel is busy with a cell
  | 'not_imported' // the kernel closed the comm: workbench is not imported there
  | 'connected'
  | 'failed'; // the kernel answered with something this page cannot use

/** The one step that gets the panel out of a phase. */
export type FixAction = 'select_kernel' | 'restart' | 'interrupt' | 'import' | 'reconnect';

export interface SidebarState {
  notebook: string | null;
  status: KernelStatus;
  phase: Phase;
  /** What the panel says about the phase ('' when connected). */
  message: string;
  fix: { action: FixAction; label: string } | null;
  /** A fix is running. */
  fixing: boolean;
  backend: string | null;
  backends: string[];
  models: ModelEntry[];
  palette: PaletteEntry[];
  /** A cell is running in the kernel (the kernel refuses a backend switch meanwhile). */
  executing: boolean;
  /** The backend being switched to, until the kernel answers. */
  switching: string | null;
  /** The last request the kernel refused, or a failure at the edge, until dismissed. */
  problem: Problem | null;
}

export interface IWorkbenchSidebar {
  readonly state: SidebarState;
  readonly changed: Signal<SidebarState>;
  /** Show the notebook now in focus (null: none is). */
  follow(notebook: NotebookLink | null): void;
  switchBackend(name: string): Promise<void>;
  openView(model: string, view: ViewKind): Promise<void>;
  /** Take the step `state.fix` names. */
  fix(): Promise<void>;
  refresh(): Promise<void>;
  dismissProblem(): void;
}

export const IWorkbenchSidebar = new Token<IWorkbenchSidebar>(
  'model-workbench:sidebar',
  "The Model Workbench sidebar's model: the backend and models of the notebook in focus."
);
