import { describe, expect, it, vi } from 'vitest';
import { isGoneStatus, KernelLike, kernelOf, watchKernel } from '../src/kernel_liveness';
import type { WidgetModel } from '../src/widget';

type Slot<T> = (sender: unknown, value: T) => void;

/** A Lumino-like signal: connect, disconnect, emit. */
function signal<T>() {
  const slots = new Set<Slot<T>>();
  return {
    connect: (slot: Slot<T>) => slots.add(slot) !== undefined,
    disconnect: (slot: Slot<T>) => slots.delete(slot),
    emit: (value: T) => [...slots].forEach(slot => slot(null, value)),
    get size() {
      return slots.size;
    }
  };
}

function fakeKernel(status = 'idle') {
  return { status, isDisposed: false, statusChanged: signal<string>(), disposed: signal<void>() };
}

function fakeModel(kernel: KernelLike | null = null) {
  const listeners = new Map<string, Set<() => void>>();
  const model = {
    on: (event: string, callback: () => void) => {
      listeners.set(event, (listeners.get(event) ?? new Set()).add(callback));
    },
    off: (event: string, callback: () => void) => listeners.get(event)?.delete(callback),
    trigger: (event: string) => [...(listeners.get(event) ?? [])].forEach(callback => callback()),
    listening: (event: string) => listeners.get(event)?.size ?? 0,
    widget_manager: { kernel }
  };
  return model as typeof model & WidgetModel;
}

describe('isGoneStatus', () => {
  it('is true once the kernel is dead or restarting, not while it works or waits', () => {
    expect(['dead', 'restarting', 'autorestarting'].map(isGoneStatus)).toEqual([true, true, true]);
    expect(['idle', 'busy', 'starting', 'unknown'].map(isGoneStatus)).toEqual([false, false, false, false]);
  });
});

describe('watchKernel', () => {
  it('reports a kernel shut down (dead) once, and stops listening', () => {
    const kernel = fakeKernel();
    const model = fakeModel(kernel);
    const onGone = vi.fn();
    watchKernel(model, kernelOf(model), onGone);
    kernel.statusChanged.emit('busy');
    expect(onGone).not.toHaveBeenCalled();
    kernel.statusChanged.emit('dead');
    kernel.disposed.emit();
    model.trigger('comm_live_update');
    expect(onGone).toHaveBeenCalledTimes(1);
    expect([kernel.statusChanged.size, kernel.disposed.size, model.listening('comm_live_update')]).toEqual([0, 0, 0]);
  });

  it('reports a restart, a disposed kernel and a dead comm alike', () => {
    const restarted = fakeKernel();
    const disposed = fakeKernel();
    const commDied = fakeKernel();
    const calls = [restarted, disposed, commDied].map(kernel => {
      const model = fakeModel(kernel);
      const onGone = vi.fn();
      watchKernel(model, kernel, onGone);
      return { model, onGone };
    });
    restarted.statusChanged.emit('restarting');
    disposed.disposed.emit();
    calls[2].model.trigger('comm_live_update');
    expect(calls.map(({ onGone }) => onGone.mock.calls.length)).toEqual([1, 1, 1]);
  });

  it('reports at once a kernel already gone when the view renders', () => {
    const onGone = vi.fn();
    watchKernel(fakeModel(), { ...fakeKernel('dead') }, onGone);
    expect(onGone).toHaveBeenCalledTimes(1);
  });

  it('watches the comm alone where the manager has no kernel, and the cleanup stops it', () => {
    const model = fakeModel(null);
    const onGone = vi.fn();
    expect(kernelOf(model)).toBeNull();
    const stop = watchKernel(model, kernelOf(model), onGone);
    stop();
    model.trigger('comm_live_update');
    expect(onGone).not.toHaveBeenCalled();
  });
});
