/**
 * What a lease holds, whichever store keeps it (a Kubernetes `Lease`, a database row). The fields
 * follow `coordination.k8s.io/v1` LeaseSpec; `jobRuns` is ours: the last period each singleton job
 * was claimed for, written with the same compare-and-set as a renewal, so only the holder of the
 * lease can claim a run and a run is claimed once whoever holds the lease next.
 */
export interface LeaseRecord {
  /** Who holds the lease; '' when nobody does (released). */
  holderIdentity: string;
  leaseDurationMs: number;
  /** Epoch milliseconds, as written by the holder (informational: expiry is judged by observation). */
  acquireTime: number;
  renewTime: number;
  leaseTransitions: number;
  jobRuns: Record<string, number>;
}

/** A record as last read or written, with the store's version for compare-and-set. */
export interface VersionedLease {
  record: LeaseRecord;
  /** Opaque: Kubernetes' `resourceVersion`, or the row's counter. */
  version: string;
}

/**
 * One lease in some store. Every write is a compare-and-set: `create` fails when the lease
 * exists, `replace` when its version moved on. Both answer `'conflict'` for that (someone else
 * wrote first) and throw for anything else (unreachable, forbidden, timed out).
 */
export interface LeaseStore {
  /** For logs and errors: where this lease lives (`kubernetes lease ns/name`, `database lease name`). */
  readonly description: string;
  get(): Promise<VersionedLease | null>;
  create(record: LeaseRecord): Promise<VersionedLease | 'conflict'>;
  replace(record: LeaseRecord, expectedVersion: string): Promise<VersionedLease | 'conflict'>;
  /** Releases connections; the lease itself stays. */
  close(): Promise<void>;
}

/** Parses `jobRuns` from its stored JSON; anything malformed counts as no runs recorded. */
export function parseJobRuns(text: string | null | undefined): Record<string, number> {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    const runs: Record<string, number> = {};
    for (const [job, slot] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof slot === 'number' && Number.isSafeInteger(slot)) runs[job] = slot;
    }
    return runs;
  } catch {
    return {};
  }
}
