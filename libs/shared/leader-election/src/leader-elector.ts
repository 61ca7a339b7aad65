import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { LeaseRecord, LeaseStore, VersionedLease } from './lease-store';

/** client-go's leaderelection timings, in milliseconds. */
export interface LeaderElectionTimings {
  /** How long others wait, after last seeing the lease change, before they may take it. */
  leaseDurationMs: number;
  /** How long the leader keeps leading without a successful renewal; must be under the lease duration. */
  renewDeadlineMs: number;
  /** How often every candidate tries to acquire or renew. */
  retryPeriodMs: number;
}

/** The defaults of Kubernetes' own controllers (kube-controller-manager, kube-scheduler). */
export const DEFAULT_LEADER_ELECTION_TIMINGS: LeaderElectionTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** Problems with a set of timings (empty when they are safe to use). */
export function leaderElectionTimingProblems(timings: LeaderElectionTimings): string[] {
  const problems: string[] = [];
  if (!(timings.retryPeriodMs > 0)) problems.push('the retry period must be positive');
  if (!(timings.renewDeadlineMs > timings.retryPeriodMs * 1.2)) problems.push('the renew deadline must be more than 1.2 × the retry period');
  // The gap between the two is what keeps a stale leader from overlapping its successor.
  if (!(timings.leaseDurationMs > timings.renewDeadlineMs)) problems.push('the lease duration must be longer than the renew deadline');
  return problems;
}

export interface ElectionLogger {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * Leadership of one lease among the replicas of a service. Only the holder of the lease leads; a
 * leader that cannot renew within its renew deadline stops leading (its signal aborts) before
 * anyone else may take over, because others wait a whole lease duration after they last saw it
 * renewed. Expiry is judged by each candidate's own clock from when it observed the lease change,
 * never by comparing timestamps written by another machine, so clock skew between replicas does
 * not matter.
 */
export interface LeaderElector {
  /** This replica's holder identity (the pod name in a cluster). */
  readonly identity: string;
  /** The lease's name, for metrics and logs. */
  readonly leaseName: string;
  /** Starts campaigning (idempotent). */
  start(): void;
  /** Stops campaigning and, when leading, releases the lease so a successor need not wait. */
  stop(): Promise<void>;
  isLeader(): boolean;
  /** Aborts when the current term of leadership ends; undefined while not leading. */
  leadershipSignal(): AbortSignal | undefined;
  /** Called with true on becoming leader and false on ceasing to lead; returns an unsubscribe. */
  onLeadershipChange(listener: (leading: boolean) => void): () => void;
  /**
   * Claims period `slot` of `job` for this leader: true exactly once per (job, slot) across all
   * replicas, and only while this replica holds the lease (the claim is written with the lease's
   * compare-and-set).
   */
  claimRun(job: string, slot: number): Promise<boolean>;
}

export interface LeaseElectorOptions {
  store: LeaseStore;
  leaseName: string;
  identity?: string;
  timings?: LeaderElectionTimings;
  logger?: ElectionLogger;
  /** Milliseconds since an arbitrary origin, monotonic; for tests. */
  now?: () => number;
}

/** A holder identity unique to this process (a pod name alone is unique only within a cluster). */
export function defaultHolderIdentity(env: NodeJS.ProcessEnv = process.env): string {
  return env['POD_NAME'] || `${hostname()}_${randomUUID().slice(0, 8)}`;
}

class TimeoutError extends Error {}

/** client-go's algorithm over any `LeaseStore`. */
export class LeaseElector implements LeaderElector {
  readonly identity: string;
  readonly leaseName: string;
  private readonly store: LeaseStore;
  private readonly timings: LeaderElectionTimings;
  private readonly logger: ElectionLogger | undefined;
  private readonly now: () => number;
  private readonly listeners = new Set<(leading: boolean) => void>();
  /** The lease as this replica last read or wrote it, with when (local clock) it last changed. */
  private observed: { lease: VersionedLease; observedAt: number } | undefined;
  private leading = false;
  private term: AbortController | undefined;
  /** Local time the last successful renewal (or claim) was sent; the renew deadline counts from it. */
  private lastRenewSentAt = 0;
  private running = false;
  private closed = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  /** Writes go one at a time, so a renewal and a claim never race each other's version. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(options: LeaseElectorOptions) {
    this.store = options.store;
    this.leaseName = options.leaseName;
    this.identity = options.identity ?? defaultHolderIdentity();
    this.timings = options.timings ?? DEFAULT_LEADER_ELECTION_TIMINGS;
    this.logger = options.logger;
    this.now = options.now ?? (() => performance.now());
    const problems = leaderElectionTimingProblems(this.timings);
    if (problems.length > 0) throw new Error(`leader election timings: ${problems.join('; ')}`);
    if (!this.identity) throw new Error('leader election needs a holder identity');
  }

  start(): void {
    if (this.running || this.closed) return;
    this.running = true;
    this.loop = this.campaign();
  }

  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.running = false;
    this.wake?.();
    await this.loop;
    if (this.leading) {
      await this.serialized(() => this.release()).catch((error: unknown) => {
        this.logger?.warn(`${this.store.description}: could not release the lease (${describe(error)}); others take over after it expires`);
      });
      this.stopLeading('stopped');
    }
    await this.store.close();
  }

  isLeader(): boolean {
    return this.leading;
  }

  leadershipSignal(): AbortSignal | undefined {
    return this.leading ? this.term?.signal : undefined;
  }

  onLeadershipChange(listener: (leading: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async claimRun(job: string, slot: number): Promise<boolean> {
    return this.serialized(async () => {
      const current = this.observed?.lease;
      if (!this.leading || !current || current.record.holderIdentity !== this.identity) return false;
      if ((current.record.jobRuns[job] ?? Number.NEGATIVE_INFINITY) >= slot) return false;
      const sentAt = this.now();
      const record: LeaseRecord = { ...current.record, renewTime: Date.now(), jobRuns: { ...current.record.jobRuns, [job]: slot } };
      try {
        const written = await this.withDeadline(this.store.replace(record, current.version));
        if (written === 'conflict') {
          // Someone else wrote the lease: we no longer hold it as we thought. The loop re-reads.
          this.observed = undefined;
          return false;
        }
        this.renewed(written, sentAt);
        return this.leading;
      } catch (error) {
        this.logger?.warn(`${this.store.description}: could not claim ${job} run ${slot} (${describe(error)})`);
        return false;
      }
    });
  }

  private async campaign(): Promise<void> {
    while (this.running) {
      try {
        await this.serialized(() => this.tryAcquireOrRenew());
      } catch (error) {
        this.logger?.warn(`${this.store.description}: ${this.leading ? 'renewal' : 'acquisition'} failed (${describe(error)})`);
      }
      if (!this.running) break;
      // client-go jitters candidates' retries so they do not collide in lockstep.
      const delay = this.leading ? this.timings.retryPeriodMs : this.timings.retryPeriodMs * (1 + Math.random() * 0.2);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const sentAt = this.now();
    const wallNow = Date.now();
    // A leader renews what it wrote last; a conflict means someone else wrote, so read again.
    let current = this.leading ? this.observed?.lease : undefined;
    if (!current) {
      const read = await this.withDeadline(this.store.get());
      if (read === null) {
        const created = await this.withDeadline(
          this.store.create({ holderIdentity: this.identity, leaseDurationMs: this.timings.leaseDurationMs, acquireTime: wallNow, renewTime: wallNow, leaseTransitions: 0, jobRuns: {} }),
        );
        if (created !== 'conflict') this.renewed(created, sentAt);
        return;
      }
      this.observe(read);
      current = read;
    }
    const held = current.record.holderIdentity;
    if (held !== '' && held !== this.identity) {
      const observedAt = this.observed?.observedAt ?? this.now();
      if (observedAt + current.record.leaseDurationMs > this.now()) return; // someone else leads, and may still
    }
    const takingOver = held !== this.identity;
    const record: LeaseRecord = {
      ...current.record,
      holderIdentity: this.identity,
      leaseDurationMs: this.timings.leaseDurationMs,
      renewTime: wallNow,
      ...(takingOver ? { acquireTime: wallNow, leaseTransitions: current.record.leaseTransitions + 1 } : {}),
    };
    const written = await this.withDeadline(this.store.replace(record, current.version));
    if (written === 'conflict') {
      this.observed = undefined;
      return;
    }
    if (takingOver) this.logger?.log(`${this.store.description}: ${this.identity} took over from ${held || 'nobody'}`);
    this.renewed(written, sentAt);
  }

  /** Remembers the lease, and when it was last seen to change (the basis of expiry). */
  private observe(lease: VersionedLease): void {
    if (this.observed?.lease.version !== lease.version) this.observed = { lease, observedAt: this.now() };
    else this.observed.lease = lease;
  }

  private renewed(lease: VersionedLease, sentAt: number): void {
    this.observed = { lease, observedAt: this.now() };
    this.lastRenewSentAt = sentAt;
    if (!this.leading) {
      this.leading = true;
      this.term = new AbortController();
      this.logger?.log(`${this.store.description}: ${this.identity} is now the leader`);
      this.emit(true);
    }
    this.armDeadline();
  }

  /**
   * The watchdog: it fires at the renew deadline measured from the last renewal that succeeded,
   * whatever the store is doing (a request may hang), so leadership ends on time.
   */
  private armDeadline(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    const remaining = this.lastRenewSentAt + this.timings.renewDeadlineMs - this.now();
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      if (this.leading && this.now() - this.lastRenewSentAt >= this.timings.renewDeadlineMs) {
        this.logger?.warn(`${this.store.description}: ${this.identity} could not renew within ${this.timings.renewDeadlineMs} ms; stepping down`);
        this.observed = undefined;
        this.stopLeading('renew deadline passed');
      } else if (this.leading) this.armDeadline();
    }, Math.max(0, remaining));
  }

  private async release(): Promise<void> {
    const current = this.observed?.lease;
    if (!current || current.record.holderIdentity !== this.identity) return;
    // As client-go: an empty holder and a 1 s duration let the next candidate take over at once.
    const record: LeaseRecord = { ...current.record, holderIdentity: '', leaseDurationMs: 1000, renewTime: Date.now() };
    await this.withDeadline(this.store.replace(record, current.version));
  }

  private stopLeading(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.term?.abort(new Error(`leadership of ${this.leaseName} ended: ${reason}`));
    this.term = undefined;
    this.logger?.log(`${this.store.description}: ${this.identity} stopped leading (${reason})`);
    this.emit(false);
  }

  private emit(leading: boolean): void {
    for (const listener of this.listeners) {
      try {
        listener(leading);
      } catch (error) {
        this.logger?.warn(`leadership listener failed: ${describe(error)}`);
      }
    }
  }

  /**
   * A store call may not outlive the renew deadline: after that its answer is of no use. The call
   * itself may still land later; that is safe, since every write is a compare-and-set.
   */
  private async withDeadline<T>(call: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        call,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new TimeoutError(`no answer within ${this.timings.renewDeadlineMs} ms`)), this.timings.renewDeadlineMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writes.then(work, work);
    this.writes = next.catch(() => undefined);
    return next;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
