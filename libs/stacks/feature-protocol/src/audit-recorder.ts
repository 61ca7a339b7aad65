import { Injectable, Logger } from '@nestjs/common';
import type { AuditEventInput } from '@stackyard/shared-contracts';
import type { AuthenticatedRequest } from './request-context';

/** What a handler says about an event; who, from where and with which token come from the request. */
export interface AuditFacts {
  organization: string | null;
  event: string;
  description: string;
  reqOrgAdmin?: boolean;
  reqStackAdmin?: boolean;
  authFailure?: boolean;
}

/**
 * The api's one way to record a security-relevant event (stack lifecycle, exports, decrypts,
 * denied requests). Never throws into the request: losing the request to an audit hiccup would
 * be worse. (Sending to identity's stored log replaces the body of `record`; callers do not change.)
 */
@Injectable()
export class AuditRecorder {
  private readonly log = new Logger('audit');

  record(req: AuthenticatedRequest, facts: AuditFacts): void {
    this.log.log(JSON.stringify(auditEventOf(req, facts)));
  }
}

export function auditEventOf(req: AuthenticatedRequest, facts: AuditFacts, now = Date.now()): AuditEventInput {
  const principal = req.principal;
  const lease = req.lease;
  const person = principal && principal.userId !== '' ? principal.login : null;
  const actorName = principal
    ? person ?? `${principal.token.kind} token ${principal.token.name}`
    : lease
      ? `update ${lease.update.id}`
      : 'anonymous';
  const actorUrn = principal
    ? person
      ? `urn:stackyard:user:${person}`
      : `urn:stackyard:token:${principal.token.id}`
    : lease
      ? `urn:stackyard:update:${lease.update.id}`
      : 'urn:stackyard:anonymous';
  return {
    timestamp: now,
    organization: facts.organization,
    event: facts.event,
    description: facts.description,
    sourceIp: req.ip ?? req.socket?.remoteAddress ?? '',
    user: person,
    ...(principal ? { tokenId: principal.token.id, tokenName: principal.token.name } : {}),
    actorName,
    actorUrn,
    ...(facts.reqOrgAdmin !== undefined ? { reqOrgAdmin: facts.reqOrgAdmin } : {}),
    ...(facts.reqStackAdmin !== undefined ? { reqStackAdmin: facts.reqStackAdmin } : {}),
    ...(facts.authFailure ? { authFailure: true } : {}),
    ...(req.requestId ? { requestId: req.requestId } : {}),
  };
}
