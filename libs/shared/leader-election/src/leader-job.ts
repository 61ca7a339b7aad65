import type { ElectionLogger, LeaderElector } from './leader-elector';

export interface LeaderJobOptions {
  /** Stable name, unique per lease (it is stored in the lease). */
  name: string;
  intervalMs: number;
  /**
   * The work. It must return soon after `signal` aborts (leadership lost, or shutdown): that is
   * what keeps a stale leader's run from overlapping its successor's.
   */
  run: (signal: AbortSignal, period: number) => Promise<void>;
  logger?: ElectionLogger;
  /** Wall-clock epoch milliseconds; for tests. */
  now?: () => number;
}

/**
 * A cluster singleton: runs `run` once per period, on the leader only. Periods are wall-clock
 * slots (`floor(now / interval)`), and each slot is claimed in the lease before it runs, so a slot
 * runs at most once across all replicas and handovers; a new leader runs the current slot at once
 * if its predecessor had not. Slots that pass while nobody leads are skipped, not caught up.
 */
export class LeaderJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private unsubscribe: (() => void) | undefined;
  private shutdown = new AbortController();
  private readonly now: () => number;
  /** The last period this replica checked (claimed, or found claimed). */
  private lastChecked = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly elector: LeaderElector,
    private readonly options: LeaderJobOptions,
  ) {
    if (!(options.intervalMs >= 1)) throw new Error(`job ${options.name}: the interval must be at least 1 ms`);
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.shutdown = new AbortController();
    // Becoming leader checks at once, rather than waiting for the next tick.
    this.unsubscribe = this.elector.onLeadershipChange((leading) => {
      if (leading) this.tick();
    });
    this.schedule();
    this.tick();
  }

  /** Stops scheduling and waits for a run in progress (which sees its signal abort). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.shutdown.abort(new Error('shutting down'));
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    // Wake at the next slot boundary, and at least every few seconds to notice a new term.
    const untilNextSlot = this.options.intervalMs - (this.now() % this.options.intervalMs);
    this.timer = setTimeout(
      () => {
        this.tick();
        this.schedule();
      },
      Math.min(untilNextSlot + 5, 5_000),
    );
    this.timer.unref();
  }

  private tick(): void {
    if (this.stopped || this.running || !this.elector.isLeader()) return;
    this.running = this.runCurrentSlot().finally(() => {
      this.running = undefined;
      // A run that outlasted a slot boundary swallowed that tick: look again now.
      if (!this.stopped && this.elector.isLeader() && Math.floor(this.now() / this.options.intervalMs) > this.lastChecked) this.tick();
    });
  }

  private async runCurrentSlot(): Promise<void> {
    const slot = Math.floor(this.now() / this.options.intervalMs);
    this.lastChecked = slot;
    if (!(await this.elector.claimRun(this.options.name, slot))) return;
    const term = this.elector.leadershipSignal();
    if (!term) return;
    const signal = AbortSignal.any([term, this.shutdown.signal]);
    try {
      await this.options.run(signal, slot);
    } catch (error) {
      if (!signal.aborted) this.options.logger?.warn(`job ${this.options.name} (period ${slot}) failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
