import type { TLSSocket } from 'node:tls';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '@stackyard/shared-errors';
import { peerServiceName } from '@stackyard/shared-tls';

/**
 * Token administration and the token exchange serve the public REST API, which only the api
 * hosts: the console backend (a peer for sign-in) has no business minting machine tokens here.
 */
@Injectable()
export class ApiPeerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const peer = peerServiceName(request.socket as TLSSocket);
    if (peer !== 'api') throw ApiError.forbidden(`access-token and OIDC routes are for the api only (caller: ${peer ?? 'unknown'})`);
    return true;
  }
}
