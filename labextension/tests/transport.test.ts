import { describe, expect, it } from 'vitest';
import { checkHistory, checkNullableString } from '../src/protocol';
import { bindTraits, IntentError, Problem, Transport, WidgetModel } from '../src/widget';

/** An anywidget model stand-in: traits in a map, messages recorded, listeners by event name. */
class FakeModel implements WidgetModel {
  traits = new Map<string, unknown>();
  sent: any[] = [];
  listeners = new Map<string, Set<(...args: any[]) => void>>();
  get(name: string) {
    return this.traits.get(name);
  }
  set(name: string, value: unknown) {
    this.traits.set(name, value);
    this.fire(`change:${name}`);
  }
  save_changes() {}
  send(content: unknown) {
    this.sent.push(content);
  }
  on(event: string, callback: (...args: any[]) => void) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(callback);
  }
  off(event: string, callback?: (...args: any[]) => void) {
    if (callback) this.listeners.get(event)?.delete(callback);
    else this.listeners.delete(event);
  }
  fire(event: string, ...args: unknown[]) {
    this.listeners.get(event)?.forEach(cb => cb(...args));
  }
}

describe('Transport', () => {
  it('pairs an ack with its request', async () => {
    const model = new FakeModel();
    const transport = new Transport(model);
    const result = transport.request({ type: 'add_layer', class_name: 'Dense' });
    expect(model.sent).toEqual([{ type: 'add_layer', class_name: 'Dense', version: 1, request_id: 'r1' }]);
    model.fire('msg:custom', { type: 'ack', version: 1, request_id: 'r1', result: { node: 'dense' } }, []);
    await expect(result).resolves.toEqual({ node: 'dense' });
  });

  it("rejects with the kernel's error, and send() reports it as a problem", async () => {
    const model = new FakeModel();
    const transport = new Transport(model);
    const problems: Problem[] = [];
    transport.problems.connect(p => problems.push(p));
    const failed = transport.request({ type: 'undo' });
    const reported = transport.send({ type: 'redo' });
    const error = (id: string) => ({
      type: 'error',
      version: 1,
      request_id: id,
      code: 'rejected',
      message: 'Nothing to do.',
      intent: 'undo'
    });
    model.fire('msg:custom', error('r1'), []);
    model.fire('msg:custom', error('r2'), []);
    await expect(failed).rejects.toEqual(new IntentError('Nothing to do.', 'rejected'));
    await expect(reported).resolves.toBeNull();
    expect(problems).toEqual([{ message: 'Nothing to do.', code: 'rejected' }]);
  });

  it('reports errors without a request and unreadable messages', () => {
    const model = new FakeModel();
    const transport = new Transport(model);
    const problems: Problem[] = [];
    transport.problems.connect(p => problems.push(p));
    model.fire('msg:custom', {
      type: 'error',
      version: 1,
      request_id: null,
      code: 'invalid_message',
      message: 'Bad JSON.',
      intent: null
    });
    model.fire('msg:custom', { type: 'ack', version: 7, request_id: null, result: {} });
    expect(problems[0]).toEqual({ message: 'Bad JSON.', code: 'invalid_message' });
    expect(problems[1].message).toMatch(/Unreadable message from the kernel: .*version 7/);
  });

  it('hands events to listeners with their buffers, and stops listening when disposed', () => {
    const model = new FakeModel();
    const transport = new Transport(model);
    const seen: string[] = [];
    transport.events.connect(({ event, buffers }) => seen.push(`${event.type}/${buffers.length}`));
    const event = {
      type: 'activation',
      version: 1,
      node: 'dense',
      sample: 0,
      values: { buffer: 0, dtype: 'float32', shape: [1] }
    };
    model.fire('msg:custom', event, [new DataView(new ArrayBuffer(4))]);
    transport.dispose();
    model.fire('msg:custom', event, [new DataView(new ArrayBuffer(4))]);
    expect(seen).toEqual(['activation/1']);
  });

  it('rejects requests still waiting when disposed, so nothing waits forever', async () => {
    const transport = new Transport(new FakeModel());
    const waiting = transport.request({ type: 'ready' });
    transport.dispose();
    await expect(waiting).rejects.toMatchObject({ code: 'disconnected' });
  });
});

describe('bindTraits', () => {
  it('applies every trait once, then only the one that changed', () => {
    const model = new FakeModel();
    model.traits.set('selection', null);
    model.traits.set('history', { can_undo: false, can_redo: false, undo_label: null, redo_label: null });
    const applied: object[] = [];
    const stop = bindTraits(
      model,
      { selection: checkNullableString, history: checkHistory },
      v => applied.push(v),
      () => {}
    );
    model.set('selection', 'dense');
    stop();
    model.set('selection', 'flatten');
    expect(applied).toEqual([{ selection: null, history: model.traits.get('history') }, { selection: 'dense' }]);
  });

  it('reports a trait it cannot read and applies the rest', () => {
    const model = new FakeModel();
    model.traits.set('selection', 42);
    const problems: Problem[] = [];
    const applied: object[] = [];
    bindTraits(
      model,
      { selection: checkNullableString },
      v => applied.push(v),
      p => problems.push(p)
    );
    expect(applied).toEqual([{}]);
    expect(problems[0].message).toMatch(
      /selection this page cannot read \(trait selection: expected a string, got 42\)/
    );
  });
});
