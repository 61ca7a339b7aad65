import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';
import type { Principal } from '@stackyard/shared-contracts';
import type { StackEntity, UpdateEntity } from '@stackyard/stacks-data-access';
import type { AuthenticatedRequest } from './request-context';
import type { StackRef } from './stack-access.service';

/** The authenticated principal (routes authenticated by access token). */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw ApiError.unauthorized();
  return principal;
});

/** `{org, project, stack}` from the path. */
export const StackPath = createParamDecorator((_: unknown, ctx: ExecutionContext): StackRef => {
  const p = ctx.switchToHttp().getRequest<AuthenticatedRequest>().params as Record<string, string>;
  return { org: p['org'] ?? '', project: p['project'] ?? '', stack: p['stack'] ?? '' };
});

/** The stack and update an `update-token` call was authenticated for. */
export const LeasedUpdate = createParamDecorator((_: unknown, ctx: ExecutionContext): { stack: StackEntity; update: UpdateEntity } => {
  const lease = ctx.switchToHttp().getRequest<AuthenticatedRequest>().lease;
  if (!lease) throw ApiError.unauthorized('an update token is required');
  return lease;
});

/** The raw body bytes (already inflated) for routes registered as raw in apps/api. */
export const RawBody = createParamDecorator((_: unknown, ctx: ExecutionContext): Buffer | undefined => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().rawBody;
});

export const RequestId = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().requestId;
});

/** The stack named in the path, which the guard authorized for the route's declared scope. */
export const AuthorizedStack = createParamDecorator((_: unknown, ctx: ExecutionContext): StackEntity => {
  const stack = ctx.switchToHttp().getRequest<AuthenticatedRequest>().authorizedStack;
  if (!stack) throw new Error('AuthorizedStack used on a route without @RequiresStack');
  return stack;
});
