import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LeaderElectionTimings, LeaseElector } from './leader-elector';
import { LeaderJob } from './leader-job';
import type { LeaseRecord, LeaseStore, VersionedLease } from './lease-store';

/*
 * The properties every lease backend must have, written once and run by the unit tests (an
 * in-memory store), the database integration tests (SQLite, MariaDB) and the Kubernetes ones (a
 * real kube-apiserver). Test support only: nothing in the services imports this file.
 */

/**
 * Wraps a store so a test can cut it off, as a network partition would: while frozen, every call
 * hangs (never answers), like a request to an API server that is not reachable.
 */
export class FreezableLeaseStore implements LeaseStore {
  private frozen = false;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly inner: LeaseStore) {}

  get description(): string {
    return this.inner.description;
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    for (const release of this.waiting.splice(0)) release();
  }

  get(): Promise<VersionedLease | null> {
    return this.gate(() => this.inner.get());
  }

  create(record: LeaseRecord): Promise<VersionedLease | 'conflict'> {
    return this.gate(() => this.inner.create(record));
  }

  replace(record: LeaseRecord, expectedVersion: string): Promise<VersionedLease | 'conflict'> {
    return this.gate(() => this.inner.replace(record, expectedVersion));
  }

  close(): Promise<void> {
    this.thaw();
    return this.inner.close();
  }

  private async gate<T>(call: () => Promise<T>): Promise<T> {
    // A frozen call is held and dropped: even after a thaw it never reaches the store.
    if (this.frozen) await new Promise<void>((resolve) => this.waiting.push(resolve)).then(() => new Promise<never>(() => undefined));
    return call();
  }
}

export interface JobRun {
  who: string;
  slot: number;
  start: number;
  end: number;
}

export interface Candidate {
  name: string;
  elector: LeaseElector;
  job: LeaderJob;
  store: FreezableLeaseStore;
  /** When (Date.now()) this candidate started and stopped leading, in order. */
  terms: Array<{ started: number; stopped?: number }>;
}

export interface ScenarioOptions {
  leaseName: string;
  timings: LeaderElectionTimings;
  intervalMs: number;
  /** How long each job run takes (it returns early when its signal aborts). */
  runMs: number;
}

/** A shared log of what every candidate's singleton job did. */
export class Race {
  readonly runs: JobRun[] = [];
  readonly candidates: Candidate[] = [];

  constructor(private readonly options: ScenarioOptions) {}

  add(name: string, store: LeaseStore): Candidate {
    const freezable = new FreezableLeaseStore(store);
    const elector = new LeaseElector({ store: freezable, leaseName: this.options.leaseName, identity: name, timings: this.options.timings });
    const terms: Candidate['terms'] = [];
    elector.onLeadershipChange((leading) => {
      if (leading) terms.push({ started: Date.now() });
      else if (terms.length > 0) terms[terms.length - 1].stopped = Date.now();
    });
    const job = new LeaderJob(elector, {
      name: 'singleton',
      intervalMs: this.options.intervalMs,
      run: async (signal, slot) => {
        const start = Date.now();
        await sleep(this.options.runMs, undefined, { signal }).catch(() => undefined);
        this.runs.push({ who: name, slot, start, end: Date.now() });
      },
    });
    const candidate = { name, elector, job, store: freezable, terms };
    this.candidates.push(candidate);
    return candidate;
  }

  start(): void {
    for (const candidate of this.candidates) {
      candidate.elector.start();
      candidate.job.start();
    }
  }

  async stop(): Promise<void> {
    for (const candidate of this.candidates) {
      await candidate.job.stop();
      await candidate.elector.stop();
    }
  }

  leaders(): Candidate[] {
    return this.candidates.filter((candidate) => candidate.elector.isLeader());
  }

  async waitForLeader(timeoutMs: number, except?: Candidate): Promise<Candidate> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leader = this.leaders().find((candidate) => candidate !== except);
      if (leader) return leader;
      if (Date.now() > deadline) throw new Error(`no leader${except ? ` other than ${except.name}` : ''} within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  /** Samples leadership for `ms`; fails if two candidates ever lead at once. */
  async watchSingleLeader(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const leaders = this.leaders().map((candidate) => candidate.name);
      assert.ok(leaders.length <= 1, `two leaders at once: ${leaders.join(', ')}`);
      await sleep(10);
    }
  }

  /** No period ran twice, and no two runs overlapped in time (whoever ran them). */
  assertRunsExclusive(): void {
    const slots = this.runs.map((run) => run.slot);
    assert.equal(new Set(slots).size, slots.length, `a period ran twice: ${JSON.stringify(this.runs)}`);
    const sorted = [...this.runs].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      assert.ok(sorted[i].start >= sorted[i - 1].end, `runs overlapped: ${JSON.stringify(sorted[i - 1])} and ${JSON.stringify(sorted[i])}`);
    }
  }

  /** Every period from `fromSlot` to `toSlot` (inclusive) ran exactly once. */
  assertEveryPeriodRan(fromSlot: number, toSlot: number): void {
    const ran = new Set(this.runs.map((run) => run.slot));
    const missing: number[] = [];
    for (let slot = fromSlot; slot <= toSlot; slot++) if (!ran.has(slot)) missing.push(slot);
    assert.deepEqual(missing, [], `periods that did not run: ${missing.join(', ')} (ran: ${[...ran].sort().join(', ')})`);
  }
}

export function currentSlot(intervalMs: number): number {
  return Math.floor(Date.now() / intervalMs);
}

/**
 * The full property set against any store factory (each call a separate client of the same
 * lease): one leader, each period once, handover on stop, and a partitioned leader stepping down
 * before its successor starts.
 */
export async function runElectionScenarios(newStore: (candidate: string) => Promise<LeaseStore>, options: ScenarioOptions): Promise<void> {
  const { timings, intervalMs } = options;

  // 1. Two candidates race from cold: exactly one leads, and each period runs once.
  const race = new Race(options);
  try {
    race.add('candidate-a', await newStore('candidate-a'));
    race.add('candidate-b', await newStore('candidate-b'));
    race.start();
    const first = await race.waitForLeader(timings.leaseDurationMs * 2);
    const fromSlot = currentSlot(intervalMs);
    await race.watchSingleLeader(intervalMs * 4 + 50);
    const toSlot = currentSlot(intervalMs) - 1;
    race.assertRunsExclusive();
    race.assertEveryPeriodRan(fromSlot, toSlot);
    assert.ok(race.runs.every((run) => run.who === first.name), 'only the leader ran the job');

    // 2. A stopped leader releases the lease: the other takes over well within a lease duration.
    const stoppedAt = Date.now();
    await first.job.stop();
    await first.elector.stop();
    await race.waitForLeader(timings.leaseDurationMs, first);
    assert.ok(Date.now() - stoppedAt < timings.leaseDurationMs, `handover took ${Date.now() - stoppedAt} ms`);
    const secondFrom = currentSlot(intervalMs) + 1;
    await race.watchSingleLeader(intervalMs * 3 + 50);
    race.assertRunsExclusive();
    race.assertEveryPeriodRan(secondFrom, currentSlot(intervalMs) - 1);
  } finally {
    await race.stop();
  }

  // 3. A leader cut off from the store (requests hang) stops leading, and stops its job, before
  //    the other can start; the handover still happens within lease duration + a retry period.
  const partition = new Race({ ...options, leaseName: options.leaseName });
  try {
    partition.add('candidate-c', await newStore('candidate-c'));
    partition.add('candidate-d', await newStore('candidate-d'));
    partition.start();
    // The lease left by step 2 may still name a stopped candidate: wait it out.
    const leader = await partition.waitForLeader(timings.leaseDurationMs * 3);
    await sleep(intervalMs);
    const cutAt = Date.now();
    leader.store.freeze();
    const successor = await partition.waitForLeader(timings.leaseDurationMs + timings.retryPeriodMs * 3, leader);
    const oldTerm = leader.terms[leader.terms.length - 1];
    const newTerm = successor.terms[successor.terms.length - 1];
    assert.ok(oldTerm.stopped !== undefined, 'the cut-off leader stopped leading');
    assert.ok(oldTerm.stopped - cutAt <= timings.renewDeadlineMs + 200, `the cut-off leader stepped down ${oldTerm.stopped - cutAt} ms after the cut (deadline ${timings.renewDeadlineMs})`);
    assert.ok(oldTerm.stopped < newTerm.started, `stale leader stopped at ${oldTerm.stopped}, successor started at ${newTerm.started}`);
    assert.ok(newTerm.started - cutAt <= timings.leaseDurationMs + timings.retryPeriodMs * 3, `handover took ${newTerm.started - cutAt} ms`);
    await partition.watchSingleLeader(intervalMs * 2 + 50);
    // Including across the handover: the successor's first run began after the stale leader's last ended.
    partition.assertRunsExclusive();
  } finally {
    await partition.stop();
  }
}
