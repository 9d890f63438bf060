/**
 * Whether a widget's kernel is still there: once it is shut down, dies or restarts, the
 * kernel's half of the widget is gone and the view can only show what it last knew.
 */
import type { Cleanup, WidgetModel } from './widget';

export const KERNEL_GONE_MESSAGE =
  'The kernel has stopped: this view is no longer live. Run the cell again after restarting the kernel.';

/** Kernel statuses after which the widget models this page shows no longer exist in the kernel. */
const GONE_STATUSES = new Set(['dead', 'restarting', 'autorestarting']);

export function isGoneStatus(status: string): boolean {
  return GONE_STATUSES.has(status);
}

/** The part of a Lumino signal we use. */
interface SignalLike<T> {
  connect(slot: (sender: unknown, value: T) => void): boolean;
  disconnect(slot: (sender: unknown, value: T) => void): boolean;
}

/** The slice of JupyterLab's kernel connection (`widget_manager.kernel`) that tells it is gone. */
export interface KernelLike {
  readonly status: string;
  readonly isDisposed: boolean;
  readonly statusChanged: SignalLike<string>;
  readonly disposed: SignalLike<void>;
}

/** The widget manager's kernel, where it has one (JupyterLab's does; a static page's does not). */
export function kernelOf(model: WidgetModel): KernelLike | null {
  const manager = model.widget_manager as { kernel?: KernelLike | null } | undefined;
  return manager?.kernel ?? null;
}

/**
 * Calls `onGone` once, when the kernel stops (shut down, died, restarting) or ipywidgets marks
 * the model's comm dead ('comm_live_update' only ever turns a live model dead).
 */
export function watchKernel(model: WidgetModel, kernel: KernelLike | null, onGone: () => void): Cleanup {
  let stopped = false;
  const gone = () => {
    if (!stopped) {
      stop();
      onGone();
    }
  };
  const onStatus = (_: unknown, status: string) => isGoneStatus(status) && gone();
  const onDisposed = () => gone();
  const stop = () => {
    stopped = true;
    model.off('comm_live_update', gone);
    kernel?.statusChanged.disconnect(onStatus);
    kernel?.disposed.disconnect(onDisposed);
  };
  if (kernel !== null && (kernel.isDisposed || isGoneStatus(kernel.status))) {
    gone();
    return stop;
  }
  model.on('comm_live_update', gone);
  kernel?.statusChanged.connect(onStatus);
  kernel?.disposed.connect(onDisposed);
  return stop;
}
