import type { IdentityDatabase } from '@stackyard/identity-feature-tokens';
import { CONSOLE_SESSION_TOKEN_PREFIX } from '@stackyard/identity-feature-sign-in';
import { type ElectionLogger, type LeaderElector, LeaderJob } from '@stackyard/shared-leader-election';

/** Rows deleted per statement: short statements keep sign-ins from waiting behind the sweep. */
const SWEEP_BATCH = 500;

export interface IdentitySweepOptions {
  /** The password sign-in window: a throttle row older than this that locks nothing is dead. */
  signInWindowMs: number;
  intervalMs: number;
}

/** What one sweep removed, per table. */
export interface IdentitySweepCounts {
  sessions: number;
  signInThrottle: number;
  oauthStates: number;
  samlRequests: number;
  samlAssertions: number;
  consoleSessionTokens: number;
}

/**
 * Removes what no longer decides anything: ended console sessions (expired or revoked) and their
 * api tokens, sign-in
 * throttle rows whose window passed without a lock, and expired OAuth and SAML sign-in states.
 * Every one of those reads the same as a missing row, so deleting them changes no answer; the
 * sign-in paths also sweep a little on the way, this keeps the tables small when nobody signs in.
 */
export class IdentitySweeper {
  constructor(
    private readonly database: IdentityDatabase,
    private readonly options: Pick<IdentitySweepOptions, 'signInWindowMs'>,
  ) {}

  async sweep(signal: AbortSignal, now = Date.now()): Promise<IdentitySweepCounts> {
    const repositories = this.database.repositories;
    return {
      sessions: await drain(signal, () => repositories.sessions.deleteEndedBefore(now, SWEEP_BATCH)),
      signInThrottle: await drain(signal, () => repositories.throttle.deleteIdle(now - this.options.signInWindowMs, now, SWEEP_BATCH)),
      oauthStates: await drain(signal, () => repositories.oauthStates.deleteExpired(now, SWEEP_BATCH)),
      samlRequests: await drain(signal, () => repositories.samlRequests.deleteExpired(now, SWEEP_BATCH)),
      samlAssertions: await drain(signal, () => repositories.samlAssertions.deleteExpired(now, SWEEP_BATCH)),
      consoleSessionTokens: await drain(signal, () => repositories.tokens.deleteEndedByNamePrefix(CONSOLE_SESSION_TOKEN_PREFIX, now, SWEEP_BATCH)),
    };
  }
}

/** Deletes batch after batch until one comes back short; stops between batches once `signal` aborts. */
async function drain(signal: AbortSignal, deleteBatch: () => Promise<number>): Promise<number> {
  let total = 0;
  while (!signal.aborted) {
    const deleted = await deleteBatch();
    total += deleted;
    if (deleted < SWEEP_BATCH) break;
  }
  return total;
}

/** The sweeper as a cluster singleton: every `intervalMs`, on the leader of identity's lease only. */
export function identitySweeperJob(elector: LeaderElector, database: IdentityDatabase, options: IdentitySweepOptions, logger: ElectionLogger): LeaderJob {
  const sweeper = new IdentitySweeper(database, options);
  return new LeaderJob(elector, {
    name: 'identity-sweeper',
    intervalMs: options.intervalMs,
    logger,
    run: async (signal) => {
      const counts = await sweeper.sweep(signal);
      const removed = Object.entries(counts).filter(([, count]) => count > 0);
      if (removed.length > 0) logger.log(`sweeper removed ${removed.map(([table, count]) => `${count} ${table}`).join(', ')}`);
    },
  });
}
