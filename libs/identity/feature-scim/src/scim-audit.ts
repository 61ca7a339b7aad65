import { Injectable } from '@nestjs/common';
import { isValidLogin, isValidOrganizationName } from '@stackyard/identity-domain';
import { type AuditActor, AuditTrail, auditEventBy } from '@stackyard/identity-feature-tokens';

/** Detail fields, in the order a description names them. */
const DESCRIBED = ['user', 'userName', 'displayName', 'team', 'reason', 'changed'] as const;

/**
 * SCIM's audit events. The detailed line (`scim.user.created` with ids, counts, reasons) is the
 * `audit` log line; the stored event is `scim_user_created` & co. Never a token, never a request
 * body. Recording never waits: some callers are inside a transaction.
 */
@Injectable()
export class ScimAudit {
  constructor(private readonly trail: AuditTrail) {}

  record(event: string, fields: Record<string, unknown>): void {
    const line = { event, ...fields };
    const organization = typeof fields['organization'] === 'string' && isValidOrganizationName(fields['organization']) ? fields['organization'] : null;
    const admin = fields['actor'];
    // Token changes are made by an organization admin (or the operator); everything else by the IdP's SCIM client.
    const actor: AuditActor =
      typeof admin === 'string'
        ? isValidLogin(admin) && admin !== 'operator'
          ? { login: admin }
          : { name: 'operator', urn: 'urn:stackyard:operator' }
        : { name: `SCIM client of ${organization ?? 'an unknown organization'}`, urn: `urn:stackyard:scim:${organization ?? 'unknown'}` };
    const details = DESCRIBED.filter((key) => fields[key] !== undefined && fields[key] !== null).map((key) => `${key} ${JSON.stringify(fields[key])}`);
    const description = `${event.replace(/^scim\./, 'SCIM ').replace(/\./g, ' ')}${details.length > 0 ? `: ${details.join(', ')}` : ''}`.slice(0, 1000);
    void this.trail.record(
      auditEventBy(actor, {
        organization,
        event: event.replace(/\./g, '_'),
        description,
        sourceIp: typeof fields['sourceIp'] === 'string' ? fields['sourceIp'] : null,
        authFailure: event === 'scim.auth.failed',
        reqOrgAdmin: event.startsWith('scim.token.'),
      }),
      line,
    );
  }
}
