import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SIDEBAR_TRAITS } from '../src/protocol';
import { Signal } from '../src/signal';
import { describeTraining } from '../src/sidebar/components/models';
import { describePhase, kernelStatusOf, SidebarModel } from '../src/sidebar/model';
import { placeView } from '../src/sidebar/placement';
import type { CommChannel, KernelStatus, NotebookLink } from '../src/sidebar/tokens';
import { COMM_TARGET } from '../src/sidebar/tokens';
import { fixture } from './fixtures';

type Listener = (content: unknown, buffers?: readonly unknown[]) => void;

/** A comm stand-in: what the panel sent, and a way to answer as the kernel would. */
class FakeComm implements CommChannel {
  readonly closed = new Signal<void>();
  sent: any[] = [];
  isClosed = false;
  private listeners = new Set<Listener>();
  send(content: unknown) {
    this.sent.push(content);
  }
  on(_event: string, listener: Listener) {
    this.listeners.add(listener);
  }
  off(_event: string, listener?: Listener) {
    if (listener) this.listeners.delete(listener);
  }
  close() {
    this.isClosed = true;
  }
  /** The kernel sends a message. */
  deliver(message: unknown) {
    this.listeners.forEach(listener => listener(message, []));
  }
  /** The kernel answers the request of that type with an ack, after `before` messages. */
  answer(type: string, result: object = {}, before: unknown[] = []) {
    const request = [...this.sent].reverse().find(m => m.type === type);
    expect(request, `no ${type} was sent`).toBeDefined();
    before.forEach(message => this.deliver(message));
    this.deliver({ type: 'ack', version: 1, request_id: request.request_id, result });
  }
  refuse(type: string, message: string, code = 'rejected') {
    const request = [...this.sent].reverse().find(m => m.type === type);
    this.deliver({ type: 'error', version: 1, request_id: request.request_id, code, message, intent: type });
  }
}

/** A notebook stand-in: its kernel's status, and a kernel with or without workbench. */
class FakeLink implements NotebookLink {
  readonly statusChanged = new Signal<void>();
  readonly cellExecuted = new Signal<void>();
  readonly disposed = new Signal<void>();
  status: KernelStatus = 'idle';
  kernelId: string | null = 'k1';
  imported = true;
  importError: string | null = null;
  comms: FakeComm[] = [];
  executed: string[] = [];
  shown: [string, string][] = [];
  restart = vi.fn(async () => undefined);
  interrupt = vi.fn(async () => undefined);
  selectKernel = vi.fn(async () => undefined);

  constructor(readonly path = 'work/a.ipynb') {}

  async openComm(target: string): Promise<CommChannel> {
    expect(target).toBe(COMM_TARGET);
    const comm = new FakeComm();
    this.comms.push(comm);
    if (!this.imported) {
      setTimeout(() => comm.closed.emit()); // ipykernel closes a comm nobody handles
    }
    return comm;
  }
  async execute(code: string) {
    this.executed.push(code);
    if (this.importError !== null) throw new Error(this.importError);
    this.imported = true;
  }
  async showWidget(widget: string, title: string) {
    this.shown.push([widget, title]);
  }
  get comm(): FakeComm {
    return this.comms[this.comms.length - 1];
  }
  setStatus(status: KernelStatus) {
    this.status = status;
    this.statusChanged.emit();
  }
}

const READY = fixture('sidebar_ready.json');
const STATE = READY[0];
const settle = () => vi.advanceTimersByTimeAsync(1);

async function connected(link = new FakeLink(), model = new SidebarModel({ readyTimeout: 1000 })) {
  model.follow(link);
  await settle();
  link.comm.answer('ready', {}, [STATE]);
  await settle();
  return { link, model };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('SidebarModel', () => {
  it('shows what the kernel sent once `ready` is answered', async () => {
    const { link, model } = await connected();
    expect(link.comm.sent).toEqual([{ type: 'ready', version: 1, request_id: 'r1' }]);
    const state = model.state;
    expect(state.phase).toBe('connected');
    expect(state.message).toBe('');
    expect(state.fix).toBeNull();
    expect(state.notebook).toBe('work/a.ipynb');
    expect(state.backend).toBe('numpy');
    expect(state.models.map(m => m.name)).toEqual(['model', 'seq']);
    expect(state.palette.length).toBeGreaterThan(10);
  });

  it('applies state events as they come, trait by trait', async () => {
    const { link, model } = await connected();
    const seen: string[] = [];
    model.changed.connect(state => seen.push(state.models[0].training.state));
    const running = { ...STATE.state.models[0], training: { ...STATE.state.models[0].training, state: 'running' } };
    link.comm.deliver({ type: 'state', version: 1, state: { models: [running], executing: true } });
    expect(seen).toEqual(['running']);
    expect(model.state.executing).toBe(true);
    expect(model.state.backend).toBe('numpy'); // untouched
  });

  it('reports a trait it cannot read and keeps the rest', async () => {
    const { link, model } = await connected();
    link.comm.deliver({ type: 'state', version: 1, state: { backend: 3, executing: true } });
    expect(model.state.problem?.message).toContain('backend');
    expect(model.state.backend).toBe('numpy');
    expect(model.state.executing).toBe(true);
    model.dismissProblem();
    expect(model.state.problem).toBeNull();
  });

  it('says workbench is not imported, and imports it when asked', async () => {
    const link = new FakeLink();
    link.imported = false;
    const model = new SidebarModel({ readyTimeout: 1000 });
    model.follow(link);
    await settle();
    expect(model.state.phase).toBe('not_imported');
    expect(model.state.fix).toEqual({ action: 'import', label: 'Import workbench' });
    expect(link.comm.isClosed).toBe(true);
    const fixing = model.fix();
    expect(model.state.fixing).toBe(true);
    await fixing;
    await settle();
    expect(link.executed).toEqual(['import workbench']);
    expect(model.state.phase).toBe('connecting');
    link.comm.answer('ready', {}, [STATE]);
    await settle();
    expect(model.state.phase).toBe('connected');
    expect(model.state.fixing).toBe(false);
  });

  it('says why the import failed and what to install', async () => {
    const link = new FakeLink();
    link.imported = false;
    link.importError = "ModuleNotFoundError: No module named 'workbench'";
    const model = new SidebarModel({ readyTimeout: 1000 });
    model.follow(link);
    await settle();
    await model.fix();
    expect(model.state.phase).toBe('not_imported');
    expect(model.state.problem?.message).toContain("No module named 'workbench'");
    expect(model.state.problem?.message).toContain('pip install model-workbench');
  });

  it('tries again after a cell runs, when workbench was not imported', async () => {
    const link = new FakeLink();
    link.imported = false;
    const model = new SidebarModel({ readyTimeout: 1000 });
    model.follow(link);
    await settle();
    link.cellExecuted.emit(); // a cell that does not import workbench
    await settle();
    expect(link.comms.length).toBe(2);
    expect(model.state.phase).toBe('not_imported');
    link.imported = true;
    link.cellExecuted.emit(); // `import workbench`
    await settle();
    link.comm.answer('ready', {}, [STATE]);
    await settle();
    expect(model.state.phase).toBe('connected');
  });

  it('says the kernel is busy when `ready` is not answered, and never hangs', async () => {
    const link = new FakeLink();
    const model = new SidebarModel({ readyTimeout: 1000 });
    model.follow(link);
    await settle();
    expect(model.state.phase).toBe('connecting');
    await vi.advanceTimersByTimeAsync(1000);
    expect(model.state.phase).toBe('waiting');
    expect(model.state.fix?.action).toBe('interrupt');
    await model.fix();
    expect(link.interrupt).toHaveBeenCalledOnce();
    link.comm.answer('ready', {}, [STATE]); // the cell ended
    await settle();
    expect(model.state.phase).toBe('connected');
  });

  it('recovers from a kernel restart', async () => {
    const { link, model } = await connected();
    const first = link.comm;
    link.setStatus('restarting');
    expect(model.state.phase).toBe('restarting');
    expect(model.state.message).toContain('restarting');
    expect(model.state.models).toEqual([]);
    expect(first.isClosed).toBe(true);
    link.imported = false; // a fresh kernel has no workbench
    link.setStatus('idle');
    await settle();
    expect(link.comms.length).toBe(2);
    expect(model.state.phase).toBe('not_imported');
    link.imported = true;
    link.cellExecuted.emit();
    await settle();
    link.comm.answer('ready', {}, [STATE]);
    await settle();
    expect(model.state.phase).toBe('connected');
    expect(model.state.models.length).toBe(2);
  });

  it('opens one comm however often the status changes while it connects', async () => {
    const link = new FakeLink();
    const model = new SidebarModel({ readyTimeout: 1000 });
    model.follow(link);
    link.setStatus('busy'); // opening a comm makes the kernel busy for a moment
    link.setStatus('idle');
    await settle();
    link.setStatus('busy');
    link.setStatus('idle');
    expect(link.comms.length).toBe(1);
    link.comm.answer('ready', {}, [STATE]);
    await settle();
    link.setStatus('busy');
    expect(model.state.status).toBe('busy');
    expect(model.state.phase).toBe('connected');
    expect(link.comms.length).toBe(1);
  });

  it('ignores answers meant for a connection it has dropped', async () => {
    const link = new FakeLink();
    const model = new SidebarModel({ readyTimeout: 1000 });
    model.follow(link);
    await settle();
    const old = link.comm;
    link.setStatus('restarting');
    old.answer('ready', {}, [STATE]);
    await settle();
    expect(model.state.phase).toBe('restarting');
    expect(model.state.models).toEqual([]);
  });

  it('offers a restart for a dead kernel and a kernel for a notebook without one', async () => {
    const { link, model } = await connected();
    link.setStatus('dead');
    expect(model.state.phase).toBe('dead');
    await model.fix();
    expect(link.restart).toHaveBeenCalledOnce();
    link.setStatus('none');
    expect(model.state.fix).toEqual({ action: 'select_kernel', label: 'Select a kernel' });
    await model.fix();
    expect(link.selectKernel).toHaveBeenCalledOnce();
  });

  it('reconnects when the notebook gets another kernel', async () => {
    const { link } = await connected();
    link.kernelId = 'k2';
    link.setStatus('idle');
    await settle();
    expect(link.comms.length).toBe(2);
    expect(link.comms[0].isClosed).toBe(true);
  });

  it('switches the backend through the kernel and shows the switch until it is done', async () => {
    const { link, model } = await connected();
    const switching = model.switchBackend('jax');
    expect(model.state.switching).toBe('jax');
    expect(link.comm.sent[link.comm.sent.length - 1]).toMatchObject({ type: 'set_backend', backend: 'jax' });
    link.comm.answer('set_backend', { backend: 'jax' }, [{ type: 'state', version: 1, state: { backend: 'jax' } }]);
    await switching;
    expect(model.state.switching).toBeNull();
    expect(model.state.backend).toBe('jax');
    await model.switchBackend('jax'); // already there: nothing sent
    expect(link.comm.sent.filter(m => m.type === 'set_backend').length).toBe(1);
  });

  it("shows the kernel's refusal of a switch", async () => {
    const { link, model } = await connected();
    const switching = model.switchBackend('torch');
    link.comm.refuse('set_backend', 'A cell is running. Switch the backend when it has finished.');
    await switching;
    expect(model.state.problem).toEqual({
      message: 'A cell is running. Switch the backend when it has finished.',
      code: 'rejected'
    });
    expect(model.state.backend).toBe('numpy');
  });

  it('opens a view beside the notebook with the widget the kernel made', async () => {
    const { link, model } = await connected();
    const opening = model.openView('model', 'dashboard');
    expect(link.comm.sent[link.comm.sent.length - 1]).toMatchObject({
      type: 'open_view',
      model: 'model',
      view: 'dashboard'
    });
    link.comm.answer('open_view', { widget: 'IPY_MODEL_abc' });
    await opening;
    expect(link.shown).toEqual([['IPY_MODEL_abc', 'model · Dashboard']]);
  });

  it('reports a refused or unreadable open_view instead of opening anything', async () => {
    const { link, model } = await connected();
    let opening = model.openView('ghost', 'editor');
    link.comm.refuse('open_view', "There is no model called 'ghost' in the notebook now.");
    await opening;
    expect(model.state.problem?.message).toContain('ghost');
    opening = model.openView('model', 'editor');
    link.comm.answer('open_view', { widgets: 'IPY_MODEL_abc' });
    await opening;
    expect(model.state.problem?.message).toContain('widget');
    expect(link.shown).toEqual([]);
  });

  it('sends nothing while not connected', async () => {
    const link = new FakeLink();
    link.imported = false;
    const model = new SidebarModel({ readyTimeout: 1000 });
    model.follow(link);
    await settle();
    await model.switchBackend('jax');
    await model.openView('model', 'editor');
    await model.refresh();
    expect(link.comms.every(comm => comm.sent.every(m => m.type === 'ready'))).toBe(true);
  });

  it('gives up on a kernel that speaks another protocol version, and offers to retry', async () => {
    const link = new FakeLink();
    const model = new SidebarModel({ readyTimeout: 1000 });
    model.follow(link);
    await settle();
    link.comm.refuse('ready', 'The front end speaks protocol version 1 and the kernel 2.', 'version_mismatch');
    await settle();
    expect(model.state.phase).toBe('failed');
    expect(model.state.problem?.message).toContain('version');
    expect(model.state.fix?.action).toBe('reconnect');
    await model.fix();
    await settle();
    expect(model.state.phase).toBe('connecting');
    expect(link.comms.length).toBe(2);
  });

  it('follows the notebook in focus and keeps the others connected', async () => {
    const model = new SidebarModel({ readyTimeout: 1000 });
    const { link: first } = await connected(new FakeLink('first.ipynb'), model);
    const second = new FakeLink('second.ipynb');
    const other = { ...STATE, state: { ...STATE.state, models: [STATE.state.models[1]] } };
    await connected(second, model);
    second.comm.deliver(other);
    expect(model.state.notebook).toBe('second.ipynb');
    expect(model.state.models.map(m => m.name)).toEqual(['seq']);
    const changes: string[] = [];
    model.changed.connect(state => changes.push(state.notebook as string));
    first.comm.deliver({ type: 'state', version: 1, state: { executing: true } });
    expect(changes).toEqual([]); // a notebook out of focus does not redraw the panel
    model.follow(first);
    expect(model.state.models.map(m => m.name)).toEqual(['model', 'seq']);
    expect(model.state.executing).toBe(true);
    expect(first.comms.length).toBe(1); // no reconnection
    second.disposed.emit();
    expect(second.comm.isClosed).toBe(true);
    first.disposed.emit();
    expect(model.state.phase).toBe('no_notebook');
    expect(model.state.message).toContain('Open a notebook');
  });
});

describe('the kernel status and the phases', () => {
  it("maps JupyterLab's display status", () => {
    expect(kernelStatusOf('idle', true)).toBe('idle');
    expect(kernelStatusOf('busy', true)).toBe('busy');
    expect(kernelStatusOf('autorestarting', true)).toBe('restarting');
    expect(kernelStatusOf('terminating', true)).toBe('dead');
    expect(kernelStatusOf('connecting', true)).toBe('starting');
    expect(kernelStatusOf('disconnected', true)).toBe('disconnected');
    expect(kernelStatusOf('initializing', false)).toBe('starting');
    expect(kernelStatusOf('unknown', false)).toBe('none');
  });

  it('says something plain in every phase but connected, and offers one step where one helps', () => {
    const phases = [
      'no_notebook',
      'no_kernel',
      'starting',
      'restarting',
      'disconnected',
      'dead',
      'connecting',
      'waiting',
      'not_imported',
      'failed'
    ] as const;
    for (const phase of phases) {
      expect(describePhase(phase).message.length).toBeGreaterThan(10);
    }
    expect(describePhase('connected')).toEqual({ message: '', fix: null });
    const fixes = phases.map(phase => describePhase(phase).fix?.action ?? null);
    expect(fixes).toEqual([
      null,
      'select_kernel',
      null,
      null,
      null,
      'restart',
      null,
      'interrupt',
      'import',
      'reconnect'
    ]);
  });
});

describe('what the kernel sends', () => {
  it('passes the checks: the state event the kernel side writes (fixtures/generate.py)', () => {
    expect(READY.map((m: { type: string }) => m.type)).toEqual(['state', 'ack']);
    for (const [name, check] of Object.entries(SIDEBAR_TRAITS)) {
      expect(() => check(STATE.state[name], name)).not.toThrow();
    }
  });

  it('reads as a line per model', () => {
    const [trained, fresh] = STATE.state.models;
    expect(describeTraining(trained.training)).toBe('trained · epoch 3/3 · loss 0.534');
    expect(describeTraining(fresh.training)).toBe('not compiled');
    expect(
      describeTraining({ state: 'running', source: 'dashboard', epoch: 2, epochs: 10, loss: 0.1, curve: [0.1] })
    ).toBe('training · epoch 2/10 · loss 0.1 (dashboard)');
  });
});

describe('where views opened from the panel go', () => {
  it('splits the notebook once, then adds tabs to the views already there', () => {
    expect(placeView('notebook-1', [])).toEqual({ mode: 'split-right', ref: 'notebook-1' });
    expect(placeView('notebook-1', ['editor'])).toEqual({ mode: 'tab-after', ref: 'editor' });
    expect(placeView('notebook-1', ['editor', 'dashboard'])).toEqual({ mode: 'tab-after', ref: 'dashboard' });
  });
});
