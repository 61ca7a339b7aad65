import type { TLSSocket } from 'node:tls';
import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiError } from '@stackyard/shared-errors';
import { peerServiceName } from '@stackyard/shared-tls';

const AUDIT_PEERS = 'stackyard:audit-peers';

/** Which peer services may call a route of the audit controller. */
export const AuditPeers = (...services: string[]) => SetMetadata(AUDIT_PEERS, services);

/**
 * Events come from the api and the console backend; reading the log (and verifying it) serves
 * the public REST API, which only the api hosts.
 */
@Injectable()
export class AuditPeerGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const allowed = this.reflector.getAllAndOverride<string[] | undefined>(AUDIT_PEERS, [context.getHandler(), context.getClass()]) ?? [];
    const peer = peerServiceName(context.switchToHttp().getRequest<Request>().socket as TLSSocket);
    if (peer === undefined || !allowed.includes(peer)) throw ApiError.forbidden(`this audit-log route is for the ${allowed.join(' and ')} service only (caller: ${peer ?? 'unknown'})`);
    return true;
  }
}
