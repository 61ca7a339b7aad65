/**
 * User logins and organization names appear in stack paths (`org/project/stack`) and URLs, so they
 * follow Pulumi's rules: letters, digits, `-`, `_` and `.`, starting with a letter or digit.
 * Logins allow 39 characters (GitHub's limit, since many come from there); organization names 40
 * (the api's `org_name` column).
 */
const LOGIN_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,38}$/;
const ORG_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

export function isValidLogin(value: unknown): value is string {
  return typeof value === 'string' && LOGIN_PATTERN.test(value);
}

export function isValidOrganizationName(value: unknown): value is string {
  return typeof value === 'string' && ORG_NAME_PATTERN.test(value);
}

/** Token names are labels shown in listings: 1–100 printable characters, no control characters. */
export function isValidTokenName(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0 && value.length <= 100 && !/[\u0000-\u001f\u007f]/.test(value);
}

export const LOGIN_RULE = '1–39 letters, digits, "-", "_" or ".", starting with a letter or digit';
export const ORG_NAME_RULE = '1–40 letters, digits, "-", "_" or ".", starting with a letter or digit';
export const TOKEN_NAME_RULE = '1–100 printable characters';
