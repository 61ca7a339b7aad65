import type { TLSSocket } from 'node:tls';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '@stackyard/shared-errors';
import { peerServiceName } from '@stackyard/shared-tls';

/**
 * Sign-in, sessions and CLI tokens are the console's business: the api, although a trusted peer
 * for principal lookups, must not be able to open sessions or mint tokens for anyone.
 */
@Injectable()
export class ConsolePeerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const peer = peerServiceName(request.socket as TLSSocket);
    if (peer !== 'console-backend') throw ApiError.forbidden(`sign-in and session routes are for the console backend only (caller: ${peer ?? 'unknown'})`);
    return true;
  }
}
