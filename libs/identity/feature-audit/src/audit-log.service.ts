import { Inject, Injectable } from '@nestjs/common';
import { type AuditRecord, auditEventProblem, isValidOrganizationName } from '@stackyard/identity-domain';
import { AuditTrail, IdentityDatabase, PrincipalService } from '@stackyard/identity-feature-tokens';
import { decideOrganization } from '@stackyard/shared-access';
import {
  type AuditChainVerification,
  type AuditEventInput,
  type AuditEventsIngestResponse,
  type AuditLogEvent,
  type AuditLogEventsResponse,
  type AuditLogExportResponse,
  MAX_AUDIT_EVENTS_PER_INGEST,
} from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { verifyAuditChain } from './audit-chain-check';
import { auditCef, auditCsv } from './audit-export';
import { type AuditLogQuery, encodeContinuationToken, parseAuditLogQuery, parseExportFormat } from './audit-log-query';
import { AUDIT_LOG_OPTIONS, type AuditLogOptions } from './audit-log.options';

/** Most events one export holds; narrower time ranges fetch the rest. */
export const MAX_AUDIT_EXPORT_EVENTS = 100_000;

/**
 * The stored audit log as the REST API shows it: other services' events in, one organization's
 * events out (JSON pages, CSV, CEF) for holders of `audit_log:read`, and the chain's verification.
 */
@Injectable()
export class AuditLogService {
  constructor(
    private readonly trail: AuditTrail,
    private readonly database: IdentityDatabase,
    private readonly principals: PrincipalService,
    @Inject(AUDIT_LOG_OPTIONS) private readonly options: AuditLogOptions,
  ) {}

  async ingest(body: unknown): Promise<AuditEventsIngestResponse> {
    const events = (body as { events?: unknown } | undefined)?.events;
    if (!Array.isArray(events)) throw ApiError.badRequest("'events' must be an array of audit events");
    if (events.length > MAX_AUDIT_EVENTS_PER_INGEST) throw ApiError.badRequest(`at most ${MAX_AUDIT_EVENTS_PER_INGEST} events per request`);
    for (const [i, event] of events.entries()) {
      const problem = auditEventProblem(event);
      if (problem) throw ApiError.badRequest(`events[${i}]: ${problem}`);
    }
    const stored = await this.trail.recordMany(events as AuditEventInput[]);
    return { lastSequence: stored.at(-1)?.sequence ?? 0 };
  }

  async page(organization: string, body: unknown): Promise<AuditLogEventsResponse> {
    const query = await this.authorizedQuery(organization, body);
    const records = await this.database.repositories.auditLog.page(query.filter, query.pageSize + 1);
    const page = records.slice(0, query.pageSize);
    const events = await this.toWire(page);
    const more = records.length > query.pageSize;
    return { auditLogEvents: events, ...(more ? { continuationToken: encodeContinuationToken(page.at(-1)!.sequence) } : {}) };
  }

  async export(organization: string, body: unknown): Promise<AuditLogExportResponse> {
    const query = await this.authorizedQuery(organization, body);
    const format = parseExportFormat(this.rawQuery(body));
    const records: AuditRecord[] = [];
    const filter = { ...query.filter };
    for (;;) {
      const page = await this.database.repositories.auditLog.page(filter, 1000);
      records.push(...page);
      if (page.length < 1000 || records.length >= MAX_AUDIT_EXPORT_EVENTS) break;
      filter.beforeSequence = page.at(-1)!.sequence;
    }
    const kept = records.slice(0, MAX_AUDIT_EXPORT_EVENTS);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    return format === 'csv'
      ? { contentType: 'text/csv; charset=utf-8', fileName: `auditlogs-${organization}-${stamp}.csv`, body: auditCsv(kept) }
      : { contentType: 'text/plain; charset=utf-8', fileName: `auditlogs-${organization}-${stamp}.cef`, body: auditCef(kept, this.options.productVersion) };
  }

  verify(): Promise<AuditChainVerification> {
    return verifyAuditChain(this.database);
  }

  private rawQuery(body: unknown): Record<string, unknown> {
    const query = (body as { query?: unknown } | undefined)?.query;
    if (query === undefined) return {};
    if (typeof query !== 'object' || query === null || Array.isArray(query)) throw ApiError.badRequest("'query' must be an object of query parameters");
    return query as Record<string, unknown>;
  }

  /** 404 for organizations the caller is not in (as for missing ones), 403 without `audit_log:read`. */
  private async authorizedQuery(organization: string, body: unknown): Promise<AuditLogQuery> {
    if (!isValidOrganizationName(organization)) throw ApiError.badRequest('organization must be a valid organization name');
    const version = (body as { version?: unknown } | undefined)?.version;
    if (version !== 1 && version !== 2) throw ApiError.badRequest("'version' must be 1 or 2");
    const actor = await this.principals.resolve({ tokenHash: (body as { actorTokenHash?: unknown }).actorTokenHash });
    const decision = decideOrganization(actor, organization, 'audit_log:read');
    if (!decision.allowed) throw new ApiError(decision.status, decision.message);
    return parseAuditLogQuery(organization, version, this.rawQuery(body));
  }

  /** Pulumi's event shape, with each user's display name and avatar as they are now. */
  private async toWire(records: readonly AuditRecord[]): Promise<AuditLogEvent[]> {
    const logins = [...new Set(records.map((r) => r.user).filter((u): u is string => u !== null))];
    const users = new Map<string, { name: string; avatarUrl: string }>();
    for (const login of logins) {
      const user = await this.database.repositories.users.findByLogin(login);
      if (user) users.set(login, { name: user.name, avatarUrl: user.avatarUrl });
    }
    return records.map((r) => {
      const user = r.user === null ? undefined : users.get(r.user);
      return {
        timestamp: Math.floor(r.timestamp / 1000),
        sourceIP: r.sourceIp,
        event: r.event,
        description: r.description,
        user: { name: user?.name || (r.user ?? ''), githubLogin: r.user ?? '', avatarUrl: user?.avatarUrl ?? '' },
        ...(r.tokenId !== null ? { tokenID: r.tokenId } : {}),
        ...(r.tokenName !== null ? { tokenName: r.tokenName } : {}),
        reqOrgAdmin: r.reqOrgAdmin,
        reqStackAdmin: r.reqStackAdmin,
        authFailure: r.authFailure,
        actorName: r.actorName,
        actorUrn: r.actorUrn,
      };
    });
  }
}
