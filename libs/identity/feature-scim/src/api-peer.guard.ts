import type { TLSSocket } from 'node:tls';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '@stackyard/shared-errors';
import { peerServiceName } from '@stackyard/shared-tls';

/**
 * SCIM is served on the api's public host, which relays it here; the console backend, although a
 * trusted peer for sign-in, has no business answering SCIM or minting SCIM tokens.
 */
@Injectable()
export class ApiPeerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const peer = peerServiceName(request.socket as TLSSocket);
    if (peer !== 'api') throw ApiError.forbidden(`SCIM routes are for the api only (caller: ${peer ?? 'unknown'})`);
    return true;
  }
}
