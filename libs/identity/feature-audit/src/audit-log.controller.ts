import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import {
  type AuditChainVerification,
  type AuditEventsIngestResponse,
  type AuditLogEventsResponse,
  type AuditLogExportResponse,
  IDENTITY_AUDIT_EVENTS_PATH,
  IDENTITY_AUDIT_VERIFY_PATH,
} from '@stackyard/shared-contracts';
import { AuditLogService } from './audit-log.service';
import { AuditPeerGuard, AuditPeers } from './audit-peer.guard';

/** Internal routes of the stored audit log (see the paths in shared-contracts `audit.ts`). */
@Controller()
@UseGuards(AuditPeerGuard)
export class AuditLogController {
  constructor(private readonly audit: AuditLogService) {}

  @Post(IDENTITY_AUDIT_EVENTS_PATH)
  @HttpCode(200)
  @AuditPeers('api', 'console-backend')
  ingest(@Body() body: unknown): Promise<AuditEventsIngestResponse> {
    return this.audit.ingest(body);
  }

  @Post('/internal/v1/orgs/:org/audit-log/query')
  @HttpCode(200)
  @AuditPeers('api')
  query(@Param('org') org: string, @Body() body: unknown): Promise<AuditLogEventsResponse> {
    return this.audit.page(org, body);
  }

  @Post('/internal/v1/orgs/:org/audit-log/export')
  @HttpCode(200)
  @AuditPeers('api')
  export(@Param('org') org: string, @Body() body: unknown): Promise<AuditLogExportResponse> {
    return this.audit.export(org, body);
  }

  @Post(IDENTITY_AUDIT_VERIFY_PATH)
  @HttpCode(200)
  @AuditPeers('api')
  verify(): Promise<AuditChainVerification> {
    return this.audit.verify();
  }
}
