import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { currentSlot, Race, runElectionScenarios } from './election.scenarios';
import { leaderElectionTimingProblems, LeaseElector } from './leader-elector';
import type { LeaseRecord, LeaseStore, VersionedLease } from './lease-store';

/**
 * One lease in memory with the same contract as the real stores: create fails when present,
 * replace compares the version. Each candidate gets its own client object on the shared state.
 */
class MemoryLease {
  current: VersionedLease | null = null;
  writes = 0;

  client(): LeaseStore {
    return {
      description: 'memory lease',
      get: () => Promise.resolve(this.current && structuredClone(this.current)),
      create: (record: LeaseRecord) => {
        if (this.current) return Promise.resolve('conflict' as const);
        this.current = { record: structuredClone(record), version: String(++this.writes) };
        return Promise.resolve(structuredClone(this.current));
      },
      replace: (record: LeaseRecord, expected: string) => {
        if (!this.current || this.current.version !== expected) return Promise.resolve('conflict' as const);
        this.current = { record: structuredClone(record), version: String(++this.writes) };
        return Promise.resolve(structuredClone(this.current));
      },
      close: () => Promise.resolve(),
    };
  }
}

const timings = { leaseDurationMs: 600, renewDeadlineMs: 400, retryPeriodMs: 100 };

describe('LeaseElector (in-memory lease)', () => {
  it('refuses timings that would let a stale leader overlap its successor', () => {
    assert.deepEqual(leaderElectionTimingProblems({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }), []);
    assert.match(leaderElectionTimingProblems({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }).join(), /longer than the renew deadline/);
    assert.match(leaderElectionTimingProblems({ leaseDurationMs: 15_000, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }).join(), /1\.2/);
    assert.throws(() => new LeaseElector({ store: new MemoryLease().client(), leaseName: 'x', identity: 'a', timings: { ...timings, renewDeadlineMs: 700 } }), /lease duration/);
  });

  it('one leader, each period once, handover on stop, a cut-off leader steps down before its successor starts', async () => {
    const lease = new MemoryLease();
    await runElectionScenarios(() => Promise.resolve(lease.client()), { leaseName: 'memory', timings, intervalMs: 300, runMs: 60 });
  });

  it('records transitions and the claimed periods in the lease, and releases it on stop', async () => {
    const lease = new MemoryLease();
    const race = new Race({ leaseName: 'memory', timings, intervalMs: 200, runMs: 10 });
    race.add('one', lease.client());
    race.start();
    await race.waitForLeader(1_000);
    await new Promise((resolve) => setTimeout(resolve, 450));
    const held = lease.current!.record;
    assert.equal(held.holderIdentity, 'one');
    assert.equal(held.leaseDurationMs, timings.leaseDurationMs);
    assert.ok(held.jobRuns['singleton'] >= currentSlot(200) - 1, JSON.stringify(held.jobRuns));
    await race.stop();
    assert.equal(lease.current!.record.holderIdentity, '', 'released');
    assert.equal(lease.current!.record.leaseDurationMs, 1000);
  });

  it('a claim for a period already claimed, or by a non-leader, is refused', async () => {
    const lease = new MemoryLease();
    const elector = new LeaseElector({ store: lease.client(), leaseName: 'memory', identity: 'solo', timings });
    assert.equal(await elector.claimRun('job', 1), false, 'not leading yet');
    elector.start();
    while (!elector.isLeader()) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(await elector.claimRun('job', 5), true);
    assert.equal(await elector.claimRun('job', 5), false, 'same period twice');
    assert.equal(await elector.claimRun('job', 4), false, 'an earlier period');
    assert.equal(await elector.claimRun('other', 5), true, 'jobs are independent');
    // Another writer moved the lease on (e.g. an operator edited it): the claim fails, nothing runs.
    lease.current = { ...lease.current!, version: 'moved' };
    assert.equal(await elector.claimRun('job', 6), false);
    await elector.stop();
  });
});
