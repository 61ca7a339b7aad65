import { createHash } from 'node:crypto';
import type { AuditEventInput } from '@stackyard/shared-contracts';

/** The `prev_hash` of sequence 1: there is nothing before it. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** Bumped only with a new serialization; stored rows keep verifying under the version they were hashed with. */
const CANONICAL_VERSION = 'stackyard-audit/1';

/** Column limits (the migration's); longer text is cut before hashing, so what is stored is what was hashed. */
export const AUDIT_LIMITS = {
  organization: 64,
  event: 64,
  description: 2000,
  sourceIp: 64,
  user: 64,
  tokenId: 64,
  tokenName: 255,
  actorName: 255,
  actorUrn: 512,
  requestId: 128,
} as const;

/** One event as stored: every field present (absent optionals are null / false), so it hashes one way only. */
export interface AuditRecordFields {
  timestamp: number;
  organization: string | null;
  event: string;
  description: string;
  sourceIp: string;
  user: string | null;
  tokenId: string | null;
  tokenName: string | null;
  actorName: string;
  actorUrn: string;
  reqOrgAdmin: boolean;
  reqStackAdmin: boolean;
  authFailure: boolean;
  requestId: string | null;
}

/** A stored link of the chain. */
export interface AuditRecord extends AuditRecordFields {
  sequence: number;
  prevHash: string;
  hash: string;
}

const EVENT_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Text as the database will give it back: well-formed UTF-16 (a lone surrogate would not survive
 * utf8mb4 and would break the hash on reading) and no longer than the column.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function storable(value: string, max: number): string {
  const wellFormed = value.replace(LONE_SURROGATE, '\uFFFD');
  if (wellFormed.length <= max) return wellFormed;
  // Cut at a code-point boundary, so no surrogate pair is split.
  const cut = wellFormed.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

function optional(value: string | null | undefined, max: number): string | null {
  return value === undefined || value === null || value === '' ? null : storable(value, max);
}

/** The stored form of an event (see AuditRecordFields). */
export function normalizeAuditEvent(input: AuditEventInput): AuditRecordFields {
  return {
    timestamp: Math.trunc(input.timestamp),
    organization: optional(input.organization, AUDIT_LIMITS.organization),
    event: storable(input.event, AUDIT_LIMITS.event),
    description: storable(input.description, AUDIT_LIMITS.description),
    sourceIp: storable(input.sourceIp, AUDIT_LIMITS.sourceIp),
    user: optional(input.user, AUDIT_LIMITS.user),
    tokenId: optional(input.tokenId, AUDIT_LIMITS.tokenId),
    tokenName: optional(input.tokenName, AUDIT_LIMITS.tokenName),
    actorName: storable(input.actorName, AUDIT_LIMITS.actorName),
    actorUrn: storable(input.actorUrn, AUDIT_LIMITS.actorUrn),
    reqOrgAdmin: input.reqOrgAdmin === true,
    reqStackAdmin: input.reqStackAdmin === true,
    authFailure: input.authFailure === true,
    requestId: optional(input.requestId, AUDIT_LIMITS.requestId),
  };
}

/**
 * The exact bytes a link's hash covers: a JSON array in a fixed order (JSON of strings, numbers,
 * booleans and null has one spelling, unlike an object's key order), led by the format version.
 */
export function canonicalAuditRecord(sequence: number, prevHash: string, fields: AuditRecordFields): string {
  return JSON.stringify([
    CANONICAL_VERSION,
    sequence,
    prevHash,
    fields.timestamp,
    fields.organization,
    fields.event,
    fields.description,
    fields.sourceIp,
    fields.user,
    fields.tokenId,
    fields.tokenName,
    fields.actorName,
    fields.actorUrn,
    fields.reqOrgAdmin,
    fields.reqStackAdmin,
    fields.authFailure,
    fields.requestId,
  ]);
}

export function auditRecordHash(sequence: number, prevHash: string, fields: AuditRecordFields): string {
  return createHash('sha256').update(canonicalAuditRecord(sequence, prevHash, fields), 'utf8').digest('hex');
}

/** Links `events` onto a chain whose last link is (`lastSequence`, `lastHash`). */
export function chainAuditRecords(lastSequence: number, lastHash: string, events: readonly AuditRecordFields[]): AuditRecord[] {
  const records: AuditRecord[] = [];
  let sequence = lastSequence;
  let prevHash = lastHash;
  for (const fields of events) {
    sequence += 1;
    const hash = auditRecordHash(sequence, prevHash, fields);
    records.push({ ...fields, sequence, prevHash, hash });
    prevHash = hash;
  }
  return records;
}

/** Why an ingested event is refused, or null when it is well-formed (the api and console send these). */
export function auditEventProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object';
  const e = value as Record<string, unknown>;
  if (typeof e['timestamp'] !== 'number' || !Number.isSafeInteger(e['timestamp']) || e['timestamp'] < 0) return "'timestamp' must be epoch milliseconds";
  if (typeof e['event'] !== 'string' || !EVENT_NAME.test(e['event'])) return "'event' must be a snake_case name of at most 64 characters";
  for (const key of ['description', 'sourceIp', 'actorName', 'actorUrn'] as const) {
    if (typeof e[key] !== 'string') return `'${key}' must be a string`;
  }
  for (const key of ['organization', 'user'] as const) {
    if (e[key] !== null && typeof e[key] !== 'string') return `'${key}' must be a string or null`;
  }
  for (const key of ['tokenId', 'tokenName', 'requestId'] as const) {
    if (e[key] !== undefined && e[key] !== null && typeof e[key] !== 'string') return `'${key}' must be a string when present`;
  }
  for (const key of ['reqOrgAdmin', 'reqStackAdmin', 'authFailure'] as const) {
    if (e[key] !== undefined && typeof e[key] !== 'boolean') return `'${key}' must be a boolean when present`;
  }
  return null;
}

/** The first broken link the verifier found, for people: which sequence and what is wrong with it. */
export interface AuditChainBreak {
  sequence: number;
  kind: 'edited' | 'missing' | 'relinked' | 'truncated';
  message: string;
}

/**
 * Walks stored links in sequence order and names the first one that does not follow from the
 * one before: a changed row no longer matches its hash (a moved row too, since its sequence is
 * hashed); a deleted row leaves a gap; a row put in from elsewhere has the wrong `prev_hash`.
 */
export class AuditChainVerifier {
  private expectedSequence = 1;
  private previousHash = AUDIT_GENESIS_HASH;
  private checked = 0;

  get linksChecked(): number {
    return this.checked;
  }

  /** The last verified link (0 and the genesis hash before any). */
  get last(): { sequence: number; hash: string } {
    return { sequence: this.expectedSequence - 1, hash: this.previousHash };
  }

  check(record: AuditRecord): AuditChainBreak | null {
    if (record.sequence !== this.expectedSequence) {
      const missing = record.sequence > this.expectedSequence ? `${this.expectedSequence}${record.sequence - 1 > this.expectedSequence ? `–${record.sequence - 1}` : ''}` : String(this.expectedSequence);
      return {
        sequence: this.expectedSequence,
        kind: 'missing',
        message: `sequence ${missing} is missing: the row after sequence ${this.expectedSequence - 1} is sequence ${record.sequence} (a row was deleted)`,
      };
    }
    const recomputed = auditRecordHash(record.sequence, record.prevHash, record);
    if (recomputed !== record.hash) {
      return { sequence: record.sequence, kind: 'edited', message: `sequence ${record.sequence}: the stored hash does not match the row's content (the row was edited or moved)` };
    }
    if (record.prevHash !== this.previousHash) {
      return {
        sequence: record.sequence,
        kind: 'relinked',
        message: `sequence ${record.sequence}: prev_hash does not match the hash of sequence ${record.sequence - 1} (rows were deleted, inserted or reordered)`,
      };
    }
    this.expectedSequence += 1;
    this.previousHash = record.hash;
    this.checked += 1;
    return null;
  }

  /** After the last row: the chain head must name the same last link, or rows were cut off the end. */
  finish(head: { lastSequence: number; lastHash: string }): AuditChainBreak | null {
    const last = this.last;
    if (head.lastSequence > last.sequence) {
      return {
        sequence: last.sequence + 1,
        kind: 'truncated',
        message: `sequence ${last.sequence + 1}${head.lastSequence > last.sequence + 1 ? `–${head.lastSequence}` : ''} is missing: the chain head says the log ends at ${head.lastSequence} but the last row is ${last.sequence} (rows were deleted from the end)`,
      };
    }
    if (head.lastSequence < last.sequence || head.lastHash !== last.hash) {
      return { sequence: last.sequence, kind: 'relinked', message: `sequence ${last.sequence}: the chain head (sequence ${head.lastSequence}) does not name the last row (the head or the last row was changed)` };
    }
    return null;
  }
}
