/**
 * Coalesces redraws into at most one per animation frame, so a kernel that sends a hundred
 * updates a second costs the browser one render per frame.
 */
export type FrameRequester = (callback: () => void) => unknown;

const defaultRequester: FrameRequester =
  typeof requestAnimationFrame === 'function' ? cb => requestAnimationFrame(cb) : cb => setTimeout(cb, 16);

export class FrameScheduler {
  private pending = new Map<string, () => void>();
  private requested = false;
  private disposed = false;

  constructor(private request: FrameRequester = defaultRequester) {}

  /** Runs `task` on the next frame; a later call with the same key replaces it. */
  schedule(key: string, task: () => void): void {
    if (this.disposed) {
      return;
    }
    this.pending.set(key, task);
    if (!this.requested) {
      this.requested = true;
      this.request(() => this.flush());
    }
  }

  flush(): void {
    this.requested = false;
    const tasks = [...this.pending.values()];
    this.pending.clear();
    for (const task of tasks) {
      task();
    }
  }

  dispose(): void {
    this.disposed = true;
    this.pending.clear();
  }
}
