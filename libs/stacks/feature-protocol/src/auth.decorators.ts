import { SetMetadata } from '@nestjs/common';

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
