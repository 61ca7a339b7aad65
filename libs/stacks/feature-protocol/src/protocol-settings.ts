export const PROTOCOL_SETTINGS = Symbol('ProtocolSettings');

/** The api's tunables the protocol handlers need (validated from env in apps/api). */
export interface ProtocolSettings {
  /** Lease length granted at start and on renewal; the CLI renews every ~2.5 min of a 5 min lease. */
  leaseSeconds: number;
  /** How long a resolved access token is trusted before asking identity again. */
  principalCacheSeconds: number;
  /**
   * Advertise `delta-checkpoint-uploads-v2` and accept `checkpointverbatim`/`checkpointdelta`
   * (pulumi-protocol.md §3.5). Off: the CLI sends plain `checkpoint` PATCHes only.
   */
  deltaCheckpoints?: boolean;
  /** `checkpointCutoffSizeBytes`: states smaller than this are always sent verbatim. */
  checkpointCutoffBytes?: number;
  /**
   * Answer `journalVersion: 1` to a non-dry-run start that asks for it and accept
   * `PATCH …/journalentries` (pulumi-protocol.md §3.6). Off: the CLI sends checkpoints.
   */
  journaling?: boolean;
  /**
   * Seal new checkpoints, journal batches and markers in the object store with the stack's
   * object key (`STACKYARD_OBJECT_ENCRYPTION`). Undefined means on. Sealed objects are read either way.
   */
  objectEncryption?: boolean;
  /** Object-storage keys kept in memory (default 10,000) and for how long (default 300 s). */
  objectKeyCacheSize?: number;
  objectKeyCacheTtlMs?: number;
}
