import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Controller, Get, Logger, Param, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { type AuditLogEventsResponse, type AuditLogExportResponse, type AuditLogQueryRequest, identityAuditLogExportPath, identityAuditLogQueryPath } from '@stackyard/shared-contracts';
import { AuditRecorder } from './audit-recorder';
import { DecidedByIdentity } from './auth.decorators';
import { MachineIdentityGateway } from './machine-identity.gateway';
import type { AuthenticatedRequest } from './request-context';

const gzipAsync = promisify(gzip);

/**
 * Pulumi's audit-log routes (pulumi-cloud-selfhosted.md §3.6). Identity stores the log, parses the
 * parameters and decides `audit_log:read` from the caller's own token; the api first sends the
 * events it is still holding, so a caller sees their own latest actions.
 */
@Controller('api/orgs/:org/auditlogs')
@DecidedByIdentity()
export class AuditLogsController {
  private readonly logger = new Logger(AuditLogsController.name);

  constructor(
    private readonly gateway: MachineIdentityGateway,
    private readonly recorder: AuditRecorder,
  ) {}

  @Get()
  list(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Query() query: Record<string, string | undefined>): Promise<AuditLogEventsResponse> {
    return this.page(req, org, 1, query);
  }

  @Get('v2')
  listV2(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Query() query: Record<string, string | undefined>): Promise<AuditLogEventsResponse> {
    return this.page(req, org, 2, query);
  }

  @Get('export')
  export(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Query() query: Record<string, string | undefined>, @Res() res: Response): Promise<void> {
    return this.download(req, org, 1, query, res);
  }

  @Get('v2/export')
  exportV2(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Query() query: Record<string, string | undefined>, @Res() res: Response): Promise<void> {
    return this.download(req, org, 2, query, res);
  }

  private async page(req: AuthenticatedRequest, org: string, version: 1 | 2, query: Record<string, string | undefined>): Promise<AuditLogEventsResponse> {
    await this.flushRecorded();
    return this.gateway.forward<AuditLogEventsResponse>(req, identityAuditLogQueryPath(org), { version, query } satisfies Omit<AuditLogQueryRequest, 'actorTokenHash'>);
  }

  /** Always gzip-encoded, as Pulumi's export is; HTTP clients that accept gzip see the plain file. */
  private async download(req: AuthenticatedRequest, org: string, version: 1 | 2, query: Record<string, string | undefined>, res: Response): Promise<void> {
    await this.flushRecorded();
    const file = await this.gateway.forward<AuditLogExportResponse>(req, identityAuditLogExportPath(org), { version, query } satisfies Omit<AuditLogQueryRequest, 'actorTokenHash'>);
    const body = await gzipAsync(Buffer.from(file.body, 'utf8'));
    res.status(200);
    res.setHeader('content-type', file.contentType);
    res.setHeader('content-encoding', 'gzip');
    res.setHeader('content-disposition', `attachment; filename="${file.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
    res.setHeader('content-length', String(body.length));
    res.end(body);
  }

  private async flushRecorded(): Promise<void> {
    try {
      await this.recorder.flush();
    } catch (error) {
      // Identity is where the answer comes from; if it is down, the query says so itself.
      this.logger.warn(`audit events not yet stored before an audit-log query: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
