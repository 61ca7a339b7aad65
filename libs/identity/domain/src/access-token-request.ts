import type { TokenKind } from '@stackyard/shared-contracts';

/**
 * Rules for tokens created through Pulumi's REST API (`POST /api/user/tokens`,
 * `/api/orgs/{org}/tokens`, `/api/orgs/{org}/teams/{team}/tokens`), as Pulumi Cloud states them:
 * organization and team tokens need a name of 1–40 characters (unique in the organization, revoked
 * ones included), `expires` is unix seconds up to two years ahead or 0 for never.
 */

export const MAX_MACHINE_TOKEN_NAME = 40;
export const MAX_PERSONAL_TOKEN_NAME = 100;
export const MAX_TOKEN_DESCRIPTION = 255;
export const MAX_TOKEN_LIFETIME_SECONDS = 2 * 366 * 86_400;
const NOT_PRINTABLE = /[\u0000-\u001f\u007f]/;

export interface NewTokenRequest {
  /** Undefined for a personal token that was not given one (the server names it). */
  name?: string;
  description: string;
  /** Epoch milliseconds, or null for a token that does not expire. */
  expiresAt: number | null;
  admin: boolean;
  /** Organization tokens only: the custom role (`roleID`) the token acts with; null for the built-in role. */
  roleId: string | null;
}

export class TokenRequestError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'TokenRequestError';
  }
}

export function parseNewTokenRequest(kind: TokenKind, body: unknown, nowMs: number): NewTokenRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new TokenRequestError(['the body must be a JSON object']);
  const { name, description, expires, admin, roleID } = body as Record<string, unknown>;
  const problems: string[] = [];
  const maxName = kind === 'personal' ? MAX_PERSONAL_TOKEN_NAME : MAX_MACHINE_TOKEN_NAME;
  const named = name !== undefined && name !== null && name !== '';
  if (named && (typeof name !== 'string' || name.trim().length === 0 || name.length > maxName || NOT_PRINTABLE.test(name))) {
    problems.push(`name must be 1–${maxName} printable characters`);
  } else if (!named && kind !== 'personal') {
    problems.push(`name is required: 1–${maxName} printable characters, unique in the organization (names of revoked tokens stay taken)`);
  }
  if (description !== undefined && description !== null && (typeof description !== 'string' || description.length > MAX_TOKEN_DESCRIPTION || NOT_PRINTABLE.test(description))) {
    problems.push(`description must be at most ${MAX_TOKEN_DESCRIPTION} printable characters`);
  }
  let expiresAt: number | null = null;
  if (expires !== undefined && expires !== null && expires !== 0) {
    const latest = Math.floor(nowMs / 1000) + MAX_TOKEN_LIFETIME_SECONDS;
    if (typeof expires !== 'number' || !Number.isInteger(expires) || expires * 1000 <= nowMs || expires > latest) {
      problems.push('expires must be a unix time in seconds, in the future and at most two years ahead (0: never)');
    } else {
      expiresAt = expires * 1000;
    }
  }
  if (admin !== undefined && admin !== null && typeof admin !== 'boolean') problems.push('admin must be true or false');
  if (admin === true && kind !== 'organization') problems.push('admin applies to organization tokens only');
  const hasRole = roleID !== undefined && roleID !== null && roleID !== '';
  if (hasRole && (typeof roleID !== 'string' || roleID.length > 64)) problems.push('roleID must be the id of a custom role');
  else if (hasRole && kind !== 'organization') problems.push('roleID applies to organization tokens only');
  else if (hasRole && admin === true) problems.push('give either admin or roleID, not both');
  if (problems.length > 0) throw new TokenRequestError(problems);
  return {
    ...(named ? { name: name as string } : {}),
    description: typeof description === 'string' ? description : '',
    expiresAt,
    admin: admin === true,
    roleId: hasRole ? (roleID as string) : null,
  };
}
