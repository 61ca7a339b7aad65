/**
 * Runs tasks one at a time per key (an update id) in this process, in arrival order. Checkpoint
 * deltas and journal batches of one update build on each other, so they must not interleave.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const mine = previous.then(() => gate);
    this.tails.set(key, mine);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === mine) this.tails.delete(key);
    }
  }
}
