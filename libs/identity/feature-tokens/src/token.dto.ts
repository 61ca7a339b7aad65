import { isValidLogin, isValidTokenName, LOGIN_RULE, TOKEN_NAME_RULE } from '@stackyard/identity-domain';
import { ApiError } from '@stackyard/shared-errors';

/** `POST /internal/v1/tokens`: mint a personal token for `login` (created on first use). */
export interface CreateTokenRequest {
  login: string;
  name: string;
  /** Lifetime in seconds; absent means the token does not expire. */
  expiresInSeconds?: number;
}

/** The token value appears in this response only; identity keeps its hash. */
export interface CreateTokenResponse {
  id: string;
  token: string;
}

export const TOKENS_PATH = '/internal/v1/tokens';

/** Ten years: long enough for any deliberate use, short enough to catch unit mistakes (ms vs s). */
export const MAX_TOKEN_LIFETIME_SECONDS = 10 * 365 * 86_400;

export function parseCreateTokenRequest(body: unknown): CreateTokenRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw ApiError.badRequest('request body must be a JSON object');
  const { login, name, expiresInSeconds } = body as Record<string, unknown>;
  const problems: string[] = [];
  if (!isValidLogin(login)) problems.push(`login must be ${LOGIN_RULE}`);
  if (!isValidTokenName(name)) problems.push(`name must be ${TOKEN_NAME_RULE}`);
  if (
    expiresInSeconds !== undefined &&
    (typeof expiresInSeconds !== 'number' || !Number.isInteger(expiresInSeconds) || expiresInSeconds <= 0 || expiresInSeconds > MAX_TOKEN_LIFETIME_SECONDS)
  ) {
    problems.push(`expiresInSeconds must be a whole number of seconds between 1 and ${MAX_TOKEN_LIFETIME_SECONDS}`);
  }
  if (problems.length > 0) throw ApiError.badRequest(problems.join('; '));
  const request: CreateTokenRequest = { login: login as string, name: name as string };
  if (expiresInSeconds !== undefined) request.expiresInSeconds = expiresInSeconds as number;
  return request;
}
