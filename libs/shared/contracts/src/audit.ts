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
