/**
 * When a chart is drawn, and at what size. A chart takes the size of its own box (what a
 * ResizeObserver on it reports): never drawn while the box has none (hidden, or not in the page
 * yet, where plotly would guess 700 px), redrawn at once when its whole-pixel size changes, and
 * redrawn for new data at most once per `interval` ms, so a fast stream costs a few draws a
 * second. No DOM.
 */
export interface Size {
  width: number;
  height: number;
}

export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: handle => clearTimeout(handle as ReturnType<typeof setTimeout>)
};

export class Redraws {
  private size: Size = { width: 0, height: 0 };
  private lastDraw = -Infinity;
  private stale = false; // data changed since the last draw
  private timer: unknown = null;

  constructor(
    private draw: (size: Size) => void,
    private interval = 250,
    private timers: Timers = realTimers
  ) {}

  /** The box's content size changed (a ResizeObserver entry's contentRect). */
  resized(width: number, height: number): void {
    const size = { width: Math.floor(width), height: Math.floor(height) };
    if (size.width === this.size.width && size.height === this.size.height) {
      return;
    }
    this.size = size;
    if (this.lastDraw > -Infinity || this.stale) {
      this.drawNow();
    }
  }

  /**
   * The data changed: draws in a task of its own (not in the message handler, beside the other
   * charts' draws: the page can show a frame between two), once `interval` has passed since
   * the last draw.
   */
  changed(): void {
    this.stale = true;
    if (this.timer === null) {
      const wait = Math.max(0, this.lastDraw + this.interval - this.timers.now());
      this.timer = this.timers.setTimeout(() => {
        this.timer = null;
        this.drawNow();
      }, wait);
    }
  }

  private drawNow(): void {
    if (this.size.width <= 0 || this.size.height <= 0) {
      return; // drawn when the box gets a size
    }
    this.cancel();
    this.stale = false;
    this.lastDraw = this.timers.now();
    this.draw(this.size);
  }

  private cancel(): void {
    if (this.timer !== null) {
      this.timers.clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** Forgets a draw that was waiting for its turn. */
  dispose(): void {
    this.cancel();
  }
}
