import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError, loadConfig } from '@stackyard/shared-config';
import { LEADER_ELECTION_ENV_ALIASES, leaderElectionConfigProblems, leaderElectionConfigShape, leaderElectionTimings, leaseNameFor } from './leader-election.config';

const schema = z.object(leaderElectionConfigShape);
const load = (env: NodeJS.ProcessEnv) => loadConfig(schema, { env, aliases: LEADER_ELECTION_ENV_ALIASES });

describe('leader election settings', () => {
  it('defaults to the database backend and client-go timings', () => {
    const config = load({});
    assert.equal(config.LEADER_ELECTION, 'database');
    assert.deepEqual(leaderElectionTimings(config), { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
    assert.equal(leaseNameFor(config, 'identity'), 'stackyard-identity');
    assert.equal(config.LEADER_ELECTION_IDENTITY, undefined);
    assert.deepEqual(leaderElectionConfigProblems(config), []);
  });

  it("reads exactly what the chart sets: kubernetes, the namespace and POD_NAME (downward API)", () => {
    const config = load({ STACKYARD_LEADER_ELECTION: 'kubernetes', STACKYARD_LEADER_ELECTION_NAMESPACE: 'stackyard', POD_NAME: 'stackyard-identity-5d8c-x2' });
    assert.equal(config.LEADER_ELECTION, 'kubernetes');
    assert.equal(config.LEADER_ELECTION_NAMESPACE, 'stackyard');
    assert.equal(config.LEADER_ELECTION_IDENTITY, 'stackyard-identity-5d8c-x2');
  });

  it('refuses an unknown backend, a bad prefix and unsafe timings, naming the variables', () => {
    assert.throws(() => load({ STACKYARD_LEADER_ELECTION: 'zookeeper' }), (error: unknown) => error instanceof ConfigError && /STACKYARD_LEADER_ELECTION:/.test(error.message));
    assert.throws(() => load({ STACKYARD_LEADER_ELECTION_LEASE_PREFIX: 'Not_A_Name' }), /STACKYARD_LEADER_ELECTION_LEASE_PREFIX/);
    const unsafe = load({ STACKYARD_LEADER_ELECTION_LEASE_SECONDS: '10', STACKYARD_LEADER_ELECTION_RENEW_DEADLINE_SECONDS: '10' });
    assert.match(leaderElectionConfigProblems(unsafe).join('\n'), /STACKYARD_LEADER_ELECTION_\*_SECONDS: the lease duration must be longer than the renew deadline/);
  });
});
