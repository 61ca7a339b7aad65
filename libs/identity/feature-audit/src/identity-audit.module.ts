import { type DynamicModule, Module } from '@nestjs/common';
import { AuditLogController } from './audit-log.controller';
import { AUDIT_LOG_OPTIONS, type AuditLogOptions } from './audit-log.options';
import { AuditLogService } from './audit-log.service';
import { AuditPeerGuard } from './audit-peer.guard';
import { SyslogForwarder } from './syslog-forwarder';

/**
 * The stored audit log's routes (ingest, query, export, verify) and its syslog stream. Needs
 * IdentityTokensModule (global) for the database, principals and the AuditTrail it extends.
 */
@Module({})
export class IdentityAuditModule {
  static register(options: AuditLogOptions): DynamicModule {
    return {
      module: IdentityAuditModule,
      controllers: [AuditLogController],
      providers: [{ provide: AUDIT_LOG_OPTIONS, useValue: options }, AuditPeerGuard, AuditLogService, SyslogForwarder],
    };
  }
}
