import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Observable, tap } from 'rxjs';
import { AUTHORIZATION, type Authorization } from './auth.decorators';
import { PrincipalService } from './principal.service';
import type { AuthenticatedRequest } from './request-context';

/**
 * Grants, roles, memberships and settings live in identity, and the api caches principals (their
 * access included) for a few seconds. A change made through this api takes effect on the very
 * next request: once identity has accepted a change, every cached principal is dropped. Other api
 * replicas see it within `STACKYARD_PRINCIPAL_CACHE_SECONDS` (at most 5).
 */
@Injectable()
export class AccessChangeInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly principals: PrincipalService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const declared = this.reflector.getAllAndOverride<Authorization | undefined>(AUTHORIZATION, [context.getHandler(), context.getClass()]);
    if (req.method === 'GET' || req.method === 'HEAD' || declared?.kind !== 'identity') return next.handle();
    return next.handle().pipe(tap(() => this.principals.forgetAll()));
  }
}
