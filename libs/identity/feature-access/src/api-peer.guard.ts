import type { TLSSocket } from 'node:tls';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '@stackyard/shared-errors';
import { peerServiceName } from '@stackyard/shared-tls';

/** Organizations, members, teams, roles and stack grants serve the public REST API, which only the api hosts. */
@Injectable()
export class AccessApiPeerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const peer = peerServiceName(request.socket as TLSSocket);
    if (peer !== 'api') throw ApiError.forbidden(`access-control routes are for the api only (caller: ${peer ?? 'unknown'})`);
    return true;
  }
}
