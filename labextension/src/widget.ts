/**
 * The edge between a view and the kernel: the slice of the anywidget model API we use, and
 * a Transport that sends intents, pairs replies with requests and hands checked events to
 * the view. Views never call `model.send` or read buffers themselves.
 */
import type { BufferLike } from './codec';
import type { Ack, Config, ErrorReply, Intent, KernelEvent, KernelMessage } from './protocol';
import { KERNEL_GONE_MESSAGE, kernelOf, watchKernel } from './kernel_liveness';
import { envelope, parseKernelMessage, PROTOCOL_VERSION, ProtocolError } from './protocol';
import type { Check, Infer } from './schema';
import { Signal } from './signal';
import { h } from './ui/dom';

type Callback = (...args: any[]) => void;

/** What anywidget passes to `render` as `model` (ipywidgets' model underneath). */
export interface WidgetModel {
  get(name: string): unknown;
  set(name: string, value: unknown): void;
  save_changes(): void;
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[]): void;
  on(event: string, callback: Callback): void;
  off(event: string, callback?: Callback): void;
  widget_manager?: { get_model(id: string): Promise<WidgetModel> };
}

/** What a Transport needs of the other end: anywidget's model, or the sidebar's comm. */
export type MessageChannel = Pick<WidgetModel, 'send' | 'on' | 'off'>;

export interface RenderContext {
  model: WidgetModel;
  el: HTMLElement;
}

export type Cleanup = () => void;

/** The reason an intent failed: the kernel's error reply, or a problem at the edge. */
export class IntentError extends Error {
  name = 'IntentError';
  constructor(
    message: string,
    readonly code: ErrorReply['code'] | 'protocol' | 'disconnected'
  ) {
    super(message);
  }
}

export interface Problem {
  message: string;
  code: string;
}

export class Transport {
  /** Events from the kernel (curve deltas, grids, activations…), with their buffers. */
  readonly events = new Signal<{ event: KernelEvent; buffers: readonly BufferLike[] }>();
  /** Error replies and unreadable messages: what a banner shows. */
  readonly problems = new Signal<Problem>();

  private nextId = 1;
  private pending = new Map<string, { resolve: (result: Config) => void; reject: (error: IntentError) => void }>();
  private readonly onMessage = (content: unknown, buffers?: readonly BufferLike[]) =>
    this.receive(content, buffers ?? []);

  constructor(private model: MessageChannel) {
    model.on('msg:custom', this.onMessage);
  }

  /** Sends an intent; resolves with the ack's result, rejects with the kernel's error. */
  request(intent: Intent): Promise<Config> {
    const requestId = `r${this.nextId++}`;
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
      this.model.send(envelope(intent, requestId));
    });
  }

  /** Sends an intent and reports a failure as a problem instead of throwing. */
  send(intent: Intent): Promise<Config | null> {
    return this.request(intent).catch((error: IntentError) => {
      this.problems.emit({ message: error.message, code: error.code });
      return null;
    });
  }

  receive(content: unknown, buffers: readonly BufferLike[]): void {
    let message: KernelMessage;
    try {
      message = parseKernelMessage(content, buffers);
    } catch (error) {
      this.problems.emit({
        message: `Unreadable message from the kernel: ${(error as Error).message}`,
        code: 'protocol'
      });
      return;
    }
    if (message.type === 'ack' || message.type === 'error') {
      this.settle(message);
    } else {
      this.events.emit({ event: message, buffers });
    }
  }

  private settle(reply: Ack | ErrorReply): void {
    const waiter = reply.request_id === null ? undefined : this.pending.get(reply.request_id);
    if (waiter === undefined) {
      if (reply.type === 'error') {
        this.problems.emit({ message: reply.message, code: reply.code });
      }
      return;
    }
    this.pending.delete(reply.request_id as string);
    if (reply.type === 'ack') {
      waiter.resolve(reply.result);
    } else {
      waiter.reject(new IntentError(reply.message, reply.code));
    }
  }

  /** Stops listening; requests still waiting for a reply are rejected ("disconnected"). */
  dispose(): void {
    this.model.off('msg:custom', this.onMessage);
    const waiting = [...this.pending.values()];
    this.pending.clear();
    const closed = new IntentError('The connection to the kernel closed before it answered.', 'disconnected');
    waiting.forEach(waiter => waiter.reject(closed));
  }
}

/**
 * A synced trait, checked. A value the checker refuses is reported as a ProtocolError:
 * the page and the kernel disagree about the schema.
 */
export function readTrait<T>(model: WidgetModel, name: string, check: Check<T>): T {
  try {
    return check(model.get(name), name);
  } catch (error) {
    if (error instanceof ProtocolError) {
      throw new ProtocolError(`trait ${error.message}`);
    }
    throw error;
  }
}

type Checks = Record<string, Check<unknown>>;
export type TraitValues<S extends Checks> = { [K in keyof S]: Infer<S[K]> };

/**
 * Reads the traits named in `checks` now and again whenever one changes, handing `apply`
 * only the traits that changed. A trait that fails its check is reported, not applied.
 */
export function bindTraits<S extends Checks>(
  model: WidgetModel,
  checks: S,
  apply: (values: Partial<TraitValues<S>>) => void,
  report: (problem: Problem) => void
): Cleanup {
  const read = (names: (keyof S & string)[]) => {
    const values: Partial<TraitValues<S>> = {};
    for (const name of names) {
      try {
        values[name] = readTrait(model, name, checks[name]) as Infer<S[typeof name]>;
      } catch (error) {
        report({
          message: `The kernel sent a ${name} this page cannot read (${(error as Error).message}).`,
          code: 'protocol'
        });
      }
    }
    apply(values);
  };
  const names = Object.keys(checks) as (keyof S & string)[];
  const listeners = names.map(name => {
    const listener = () => read([name]);
    model.on(`change:${name}`, listener);
    return () => model.off(`change:${name}`, listener);
  });
  read(names);
  return () => listeners.forEach(stop => stop());
}

/** What a widget's view offers the mount: its element, and where traits, events and problems go. */
export interface MountedView<V> {
  element: HTMLElement;
  update(values: V): void;
  onEvent?(event: KernelEvent, buffers: readonly BufferLike[]): void;
  showProblem(problem: Problem): void;
  /** Called once the kernel is gone, before the mount marks the whole view not live. */
  showNotLive?(): void;
  dispose(): void;
}

/**
 * Turns a view whose kernel is gone into a read-only picture of its last state: a notice on
 * top (one: a Workbench's tabs share its notice), its controls disabled, and `inert` so
 * controls it draws later cannot be used either.
 */
function markNotLive(element: HTMLElement): void {
  if (element.parentElement?.closest('[data-live=false]') == null) {
    element.prepend(h('div', { class: 'wb-not-live', role: 'status', 'data-testid': 'not-live' }, KERNEL_GONE_MESSAGE));
  }
  element.dataset.live = 'false';
  element.inert = true;
  element
    .querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(
      'button, input, select, textarea'
    )
    .forEach(control => (control.disabled = true));
}

/**
 * Everything a widget's `render` does besides building its view: a Transport, the traits
 * bound to the view, events and problems routed to it, the protocol version checked,
 * `ready` sent, the view marked not live when its kernel goes, and one cleanup that undoes it all.
 */
export function mountWidget<S extends Checks>(
  { model, el }: RenderContext,
  traits: S,
  createView: (send: (intent: Intent) => Promise<Config | null>) => MountedView<Partial<TraitValues<S>>>
): Cleanup {
  const transport = new Transport(model);
  const view = createView(intent => transport.send(intent));
  el.append(view.element);
  const report = (problem: Problem) => view.showProblem(problem);
  const version = model.get('protocol_version');
  if (version !== undefined && version !== PROTOCOL_VERSION) {
    report({
      message: `This page speaks widget protocol version ${PROTOCOL_VERSION}, the kernel ${String(version)}: restart the kernel and reload the page after upgrading.`,
      code: 'version_mismatch'
    });
  }
  const stops = [
    transport.problems.connect(report),
    transport.events.connect(({ event, buffers }) => view.onEvent?.(event, buffers)),
    bindTraits(model, traits, values => view.update(values), report),
    watchKernel(model, kernelOf(model), () => {
      transport.dispose();
      view.showNotLive?.();
      markNotLive(view.element);
    })
  ];
  void transport.send({ type: 'ready' });
  return () => {
    stops.forEach(stop => stop());
    transport.dispose();
    view.dispose();
    view.element.remove();
  };
}
