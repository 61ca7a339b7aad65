import { createHash } from 'node:crypto';
import type { IdentityDatabase } from '@stackyard/identity-feature-tokens';
import type { AssertionReplayStore, RequestIdStore } from '@stackyard/identity-saml';

/** Longest request ID worth looking up: ours are `_` and 40 hex digits; the column holds 64. */
const MAX_REQUEST_ID_LENGTH = 64;
/** Rows removed per sweep; a sweep runs with every sign-in start, so the tables stay small. */
const SWEEP_BATCH = 200;

/**
 * The SAML library's request-ID store in the identity database, shared by every replica: the
 * AuthnRequest may be sent by one and answered at another. Times are the wall clock, as the
 * library's own (it computes the expiry dates it hands over from Date.now()).
 */
export class DatabaseRequestIdStore implements RequestIdStore {
  constructor(private readonly database: IdentityDatabase) {}

  async save(requestId: string, spEntityId: string, expiresAt: Date): Promise<void> {
    await this.database.repositories.samlRequests.insert({ requestId, spEntityId, expiresAt: expiresAt.getTime() });
  }

  consume(requestId: string, spEntityId: string): Promise<boolean> {
    if (requestId.length === 0 || requestId.length > MAX_REQUEST_ID_LENGTH) return Promise.resolve(false);
    return this.database.repositories.samlRequests.consume(requestId, spEntityId, Date.now());
  }
}

/** The replay cache in the identity database: insert-if-absent by primary key, atomic across replicas. */
export class DatabaseAssertionReplayStore implements AssertionReplayStore {
  constructor(private readonly database: IdentityDatabase) {}

  markConsumed(issuer: string, assertionId: string, expiresAt: Date): Promise<boolean> {
    // Issuer and ID together (one IdP cannot burn another's IDs), hashed to a fixed-size key.
    const key = createHash('sha256').update(issuer, 'utf8').update('\0').update(assertionId, 'utf8').digest('hex');
    return this.database.repositories.samlAssertions.insertIfAbsent(key, expiresAt.getTime(), Date.now());
  }
}

/** Removes expired requests and replay records (a bounded batch of each). */
export async function sweepSamlState(database: IdentityDatabase): Promise<void> {
  const now = Date.now();
  await database.repositories.samlRequests.deleteExpired(now, SWEEP_BATCH);
  await database.repositories.samlAssertions.deleteExpired(now, SWEEP_BATCH);
}

/**
 * The request IDs of admins' test sign-ins: the same table, the SP entity ID suffixed with
 * `#test:<login>`, so a test's request is consumed only by a test answer for the admin who started
 * it, and a sign-in's request never by a test (nor the reverse). Entity IDs are URLs without a
 * fragment, so the suffix cannot collide with a real one.
 */
export class TestRequestIdStore implements RequestIdStore {
  private readonly requests: DatabaseRequestIdStore;

  constructor(
    database: IdentityDatabase,
    private readonly login: string,
  ) {
    this.requests = new DatabaseRequestIdStore(database);
  }

  save(requestId: string, spEntityId: string, expiresAt: Date): Promise<void> {
    return this.requests.save(requestId, this.testKey(spEntityId), expiresAt);
  }

  consume(requestId: string, spEntityId: string): Promise<boolean> {
    return this.requests.consume(requestId, this.testKey(spEntityId));
  }

  private testKey(spEntityId: string): string {
    return `${spEntityId}#test:${this.login}`;
  }
}
