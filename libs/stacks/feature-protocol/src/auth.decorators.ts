import { SetMetadata } from '@nestjs/common';
import type { OrganizationScope, StackScope } from '@stackyard/shared-contracts';

export const AUTH_MODE = 'stackyard:auth-mode';

/**
 * How a route authenticates. The default (no decorator) is an access token (`Authorization:
 * token …`). Every other mode is declared on the route, so a reviewer sees it there.
 */
export type AuthMode = 'token' | 'update-token' | 'token-or-update-token' | 'public';

/** Deliberately unauthenticated (capabilities discovery). */
export const Public = () => SetMetadata(AUTH_MODE, 'public' satisfies AuthMode);
/** Calls made with the lease token of the update named in the path. */
export const UpdateTokenAuth = () => SetMetadata(AUTH_MODE, 'update-token' satisfies AuthMode);
/** Secrets calls, which the CLI makes with either credential depending on the command. */
export const TokenOrUpdateTokenAuth = () => SetMetadata(AUTH_MODE, 'token-or-update-token' satisfies AuthMode);

export const AUTHORIZATION = 'stackyard:authorization';

/**
 * What a route authorizes, declared on every route that takes an access token (the guard refuses a
 * route that declares nothing, so a new route cannot be unguarded by accident):
 *  - `stack`: the path names a stack (`:org/:project/:stack`); the caller needs `scope` on it —
 *    the guard decides (404 when they have no access, 403 when some) and hands the stack over;
 *  - `organization`: the path names an organization (`:org`) and the api decides `scope` in it;
 *  - `identity`: forwarded with the caller's own token hash; identity, which owns the data, decides
 *    with the same policy functions;
 *  - `self`: about the caller only (who am I, my stacks filtered by access, my tokens).
 * Update-token routes need none of this: the lease the api issued is the authority.
 */
export type Authorization =
  | { kind: 'stack'; scope: StackScope }
  | { kind: 'organization'; scope: OrganizationScope }
  | { kind: 'identity' }
  | { kind: 'self' };

export const RequiresStack = (scope: StackScope) => SetMetadata(AUTHORIZATION, { kind: 'stack', scope } satisfies Authorization);
export const RequiresOrganization = (scope: OrganizationScope) => SetMetadata(AUTHORIZATION, { kind: 'organization', scope } satisfies Authorization);
export const DecidedByIdentity = () => SetMetadata(AUTHORIZATION, { kind: 'identity' } satisfies Authorization);
export const AboutCaller = () => SetMetadata(AUTHORIZATION, { kind: 'self' } satisfies Authorization);
