/**
 * The audit log (issue 6). Identity stores it: one append-only, hash-chained table; the api and
 * the console send their events over mutual TLS. Field names follow Pulumi's `AuditLogEvent`.
 */

/** One security-relevant event as a service records it (the store adds sequence and hashes). */
export interface AuditEventInput {
  /** Epoch milliseconds. */
  timestamp: number;
  /** The organization the event belongs to; null for events before one is known (a failed sign-in). */
  organization: string | null;
  /** Machine name, e.g. `stack_created`, `member_role_changed`, `request_denied`. */
  event: string;
  /** For people: what happened, with names (never a secret or token value). */
  description: string;
  sourceIp: string;
  /** The acting user's login; null for organization / team tokens and anonymous callers. */
  user: string | null;
  tokenId?: string;
  tokenName?: string;
  /** Who acted, for people (`alice`, `org token deploy-bot`, `update 1b2c…`). */
  actorName: string;
  /** Stable actor identity, e.g. `urn:stackyard:user:alice`, `urn:stackyard:token:<id>`. */
  actorUrn: string;
  reqOrgAdmin?: boolean;
  reqStackAdmin?: boolean;
  /** The request was refused (authentication or authorization). */
  authFailure?: boolean;
  requestId?: string;
}

// ---- the stored log over the wire ------------------------------------------------------------

/** `POST /internal/v1/audit/events` (api and console-backend peers): events to append, in order. */
export interface AuditEventsIngestRequest {
  events: AuditEventInput[];
}
export interface AuditEventsIngestResponse {
  /** Sequence of the last stored event. */
  lastSequence: number;
}
export const IDENTITY_AUDIT_EVENTS_PATH = '/internal/v1/audit/events';
/** Most events one ingest request may carry. */
export const MAX_AUDIT_EVENTS_PER_INGEST = 1000;

/** Pulumi's `AuditLogEvent` as `GET /api/orgs/{org}/auditlogs` answers it (timestamps in unix seconds). */
export interface AuditLogEvent {
  timestamp: number;
  sourceIP: string;
  event: string;
  description: string;
  user: { name: string; githubLogin: string; avatarUrl: string };
  tokenID?: string;
  tokenName?: string;
  reqOrgAdmin: boolean;
  reqStackAdmin: boolean;
  authFailure: boolean;
  actorName: string;
  actorUrn: string;
}
export interface AuditLogEventsResponse {
  auditLogEvents: AuditLogEvent[];
  continuationToken?: string;
}

/**
 * `POST /internal/v1/orgs/{org}/audit-log/query` and `…/export` (api peer only). The api passes
 * the REST query parameters through as they came; identity parses them (one place for the 400s)
 * and decides `audit_log:read` from the actor's own token.
 */
export interface AuditLogQueryRequest {
  actorTokenHash: string;
  /** 1: `/auditlogs` (`startTime` is an upper bound); 2: `/auditlogs/v2` (`startTime`/`endTime` range). */
  version: 1 | 2;
  query: Record<string, string | undefined>;
}
export interface AuditLogExportResponse {
  contentType: string;
  fileName: string;
  body: string;
}
export const identityAuditLogQueryPath = (org: string) => `/internal/v1/orgs/${encodeURIComponent(org)}/audit-log/query`;
export const identityAuditLogExportPath = (org: string) => `/internal/v1/orgs/${encodeURIComponent(org)}/audit-log/export`;

/** `POST /internal/v1/audit/verify`: the chain walked from the start, and the first broken link if any. */
export interface AuditChainVerification {
  ok: boolean;
  linksChecked: number;
  lastSequence: number;
  broken?: { sequence: number; kind: 'edited' | 'missing' | 'relinked' | 'truncated'; message: string };
}
export const IDENTITY_AUDIT_VERIFY_PATH = '/internal/v1/audit/verify';
