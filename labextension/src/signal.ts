/** A minimal typed signal: models emit, views subscribe (jupyterlab-git's model/view split). */
export class Signal<T = void> {
  private listeners = new Set<(value: T) => void>();

  connect(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      listener(value);
    }
  }
}
