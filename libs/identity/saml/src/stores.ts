/**
 * State the SP keeps between requests. Both stores are async so that the identity service can back
 * them with its database (several replicas share one store); the in-memory implementations below
 * suit tests and a single replica. Implementations must make `consume` and `markConsumed` atomic
 * (e.g. `DELETE … WHERE id = ? AND sp = ? AND expires_at > now()` and reading the affected row
 * count; an INSERT on a primary key), otherwise two concurrent POSTs of one response could both pass.
 */

/** Outstanding AuthnRequest IDs, so a response's InResponseTo can be matched exactly once. */
export interface RequestIdStore {
  /** Records an AuthnRequest this SP (`spEntityId`) has just sent, until `expiresAt`. */
  save(requestId: string, spEntityId: string, expiresAt: Date): Promise<void>;
  /**
   * Removes the request and tells whether it was outstanding: issued by `spEntityId` and not
   * expired. A second call for the same ID resolves false.
   */
  consume(requestId: string, spEntityId: string): Promise<boolean>;
}

/** Assertion IDs already accepted, kept until the assertion would be refused as expired anyway. */
export interface AssertionReplayStore {
  /**
   * Records the assertion `assertionId` of IdP `issuer` as consumed until `expiresAt`. Resolves
   * false when it was already recorded and has not expired: a replay.
   */
  markConsumed(issuer: string, assertionId: string, expiresAt: Date): Promise<boolean>;
}

export interface InMemoryStoreOptions {
  /** Clock, for tests. */
  now?: () => number;
  /**
   * Bound on live entries. The request-ID store drops its oldest entries beyond it (anyone can
   * start sign-ins); the replay store refuses new assertions beyond it rather than forget old ones.
   */
  maxEntries?: number;
}

/** Insertion-ordered map whose entries carry an expiry; expired entries are pruned lazily. */
class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private nextPruneAt = 0;

  constructor(private readonly now: () => number) {}

  get size(): number {
    this.prune();
    return this.entries.size;
  }

  /** The live value under `key`, or undefined. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, expiresAt: number): void {
    this.prune();
    this.entries.delete(key); // re-insert at the end: Map order is insertion order
    this.entries.set(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  dropOldest(): void {
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.entries.delete(oldest.value);
  }

  /** At most once a second, a full sweep: keeps memory bounded without a timer. */
  private prune(): void {
    const now = this.now();
    if (now < this.nextPruneAt) return;
    this.nextPruneAt = now + 1_000;
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}

export class InMemoryRequestIdStore implements RequestIdStore {
  private readonly requests: ExpiringMap<string>;
  private readonly maxEntries: number;

  constructor(options: InMemoryStoreOptions = {}) {
    this.requests = new ExpiringMap(options.now ?? Date.now);
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  /** Live outstanding requests (for tests and metrics). */
  get size(): number {
    return this.requests.size;
  }

  save(requestId: string, spEntityId: string, expiresAt: Date): Promise<void> {
    this.requests.set(requestId, spEntityId, expiresAt.getTime());
    while (this.requests.size > this.maxEntries) this.requests.dropOldest();
    return Promise.resolve();
  }

  consume(requestId: string, spEntityId: string): Promise<boolean> {
    const issuedBy = this.requests.get(requestId);
    // Another SP's request stays outstanding for its own SP.
    if (issuedBy === undefined || issuedBy !== spEntityId) return Promise.resolve(false);
    this.requests.delete(requestId);
    return Promise.resolve(true);
  }
}

export class InMemoryAssertionReplayStore implements AssertionReplayStore {
  private readonly consumed: ExpiringMap<true>;
  private readonly maxEntries: number;

  constructor(options: InMemoryStoreOptions = {}) {
    this.consumed = new ExpiringMap(options.now ?? Date.now);
    this.maxEntries = options.maxEntries ?? 1_000_000;
  }

  get size(): number {
    return this.consumed.size;
  }

  markConsumed(issuer: string, assertionId: string, expiresAt: Date): Promise<boolean> {
    // Issuer and ID together: one IdP cannot burn another IdP's assertion IDs.
    const key = `${issuer}\u0000${assertionId}`;
    if (this.consumed.get(key) !== undefined) return Promise.resolve(false);
    if (this.consumed.size >= this.maxEntries) {
      return Promise.reject(new Error(`the in-memory assertion replay store is full (${this.maxEntries} live entries); refusing rather than forgetting consumed assertions`));
    }
    this.consumed.set(key, true, expiresAt.getTime());
    return Promise.resolve(true);
  }
}
