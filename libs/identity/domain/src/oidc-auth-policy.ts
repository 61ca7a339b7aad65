import type { AuthPolicyDecision, AuthPolicyDefinition, TokenKind } from '@stackyard/shared-contracts';
import { isValidLogin } from './names';

/**
 * Authorization policies of a trusted OIDC issuer: which Stackyard token a verified JWT may be
 * exchanged for, decided on its claims. Pure rules; the exchange service feeds verified claims in.
 *
 * Evaluation: a matching `deny` rule for the requested token refuses, whatever else matches;
 * otherwise the first matching `allow` rule for the requested token grants it. No rule, no token.
 */

export const MAX_POLICY_RULES = 100;
export const MAX_CLAIM_RULES = 32;
const MAX_CLAIM_NAME = 256;
const MAX_PATTERN = 1024;
/** Team names as the rest of identity allows them. */
const TEAM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NOT_PRINTABLE = /[\u0000-\u001f\u007f]/;

/**
 * Claims an `allow` rule must constrain. Without `aud`, a token minted for another service (any
 * pod may request service-account tokens for any audience) would be accepted here; without `sub`,
 * every workload of the issuer would be.
 */
export const REQUIRED_ALLOW_CLAIMS = ['aud', 'sub'] as const;

/** Permissions a rule may grant; `admin` only to organization tokens. */
export const ADMIN_PERMISSION = 'admin';

export class AuthPolicyError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'AuthPolicyError';
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks and normalises a policy list as the REST API receives it (`PATCH …/auth/policies/{id}`):
 * Pulumi's field names, `tokenType` `org` accepted for `organization`. Every problem is reported.
 */
export function parseAuthPolicies(value: unknown): AuthPolicyDefinition[] {
  const problems: string[] = [];
  const list = isObject(value) ? value['policies'] : undefined;
  if (!Array.isArray(list)) throw new AuthPolicyError(['the body must be {"policies": [ … ]}']);
  if (list.length === 0) throw new AuthPolicyError(['the policy definition cannot be empty; delete the issuer to trust none of its tokens']);
  if (list.length > MAX_POLICY_RULES) throw new AuthPolicyError([`at most ${MAX_POLICY_RULES} policies`]);
  const policies: AuthPolicyDefinition[] = [];
  list.forEach((raw: unknown, index) => {
    const at = `policies[${index}]`;
    if (!isObject(raw)) {
      problems.push(`${at} must be an object`);
      return;
    }
    const decision = raw['decision'];
    if (decision !== 'allow' && decision !== 'deny') problems.push(`${at}.decision must be "allow" or "deny"`);
    const tokenType = raw['tokenType'] === 'org' ? 'organization' : raw['tokenType'];
    if (tokenType === 'runner') problems.push(`${at}.tokenType "runner" is not supported (there are no deployment runners)`);
    else if (tokenType !== 'organization' && tokenType !== 'team' && tokenType !== 'personal') problems.push(`${at}.tokenType must be "organization", "team" or "personal"`);
    const teamName = raw['teamName'] === '' || raw['teamName'] === null ? undefined : raw['teamName'];
    const userLogin = raw['userLogin'] === '' || raw['userLogin'] === null ? undefined : raw['userLogin'];
    if (tokenType === 'team') {
      if (typeof teamName !== 'string' || !TEAM_NAME.test(teamName)) problems.push(`${at}.teamName must name the team a team token is issued for`);
    } else if (teamName !== undefined) problems.push(`${at}.teamName applies to team tokens only`);
    if (tokenType === 'personal') {
      if (!isValidLogin(userLogin)) problems.push(`${at}.userLogin must name the user a personal token is issued for`);
    } else if (userLogin !== undefined) problems.push(`${at}.userLogin applies to personal tokens only`);
    for (const unsupported of ['runnerID', 'roleID']) {
      const v = raw[unsupported];
      if (v !== undefined && v !== null && v !== '') problems.push(`${at}.${unsupported} is not supported yet`);
    }
    const permissions = raw['authorizedPermissions'] ?? [];
    if (!Array.isArray(permissions) || permissions.some((p) => p !== ADMIN_PERMISSION)) {
      problems.push(`${at}.authorizedPermissions may only contain "${ADMIN_PERMISSION}"`);
    } else if (permissions.length > 0 && tokenType !== 'organization') {
      problems.push(`${at}.authorizedPermissions: "${ADMIN_PERMISSION}" applies to organization tokens only`);
    }
    const rules = raw['rules'];
    if (!isObject(rules) || Object.keys(rules).length === 0) {
      problems.push(`${at}.rules must map at least one claim to the value it must match`);
    } else {
      const entries = Object.entries(rules);
      if (entries.length > MAX_CLAIM_RULES) problems.push(`${at}.rules: at most ${MAX_CLAIM_RULES} claims`);
      for (const [claim, pattern] of entries) {
        if (claim.length === 0 || claim.length > MAX_CLAIM_NAME || NOT_PRINTABLE.test(claim)) problems.push(`${at}.rules: claim names must be 1–${MAX_CLAIM_NAME} printable characters`);
        if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > MAX_PATTERN || NOT_PRINTABLE.test(pattern)) {
          problems.push(`${at}.rules.${claim.slice(0, 64)} must be a string of 1–${MAX_PATTERN} printable characters ("*" matches any run of characters)`);
        }
      }
      if (decision === 'allow') {
        for (const required of REQUIRED_ALLOW_CLAIMS) {
          if (!(required in rules)) problems.push(`${at}: an allow rule must constrain "${required}" (use "*" to accept any value deliberately)`);
        }
      }
    }
    if (problems.length === 0) {
      policies.push({
        decision: decision as AuthPolicyDecision,
        tokenType: tokenType as TokenKind,
        ...(typeof teamName === 'string' ? { teamName } : {}),
        ...(typeof userLogin === 'string' ? { userLogin } : {}),
        authorizedPermissions: [...(permissions as string[])],
        rules: { ...(rules as Record<string, string>) },
      });
    }
  });
  if (problems.length > 0) throw new AuthPolicyError(problems);
  return policies;
}

/**
 * The value of a claim by name or dotted path. Claim names may contain dots themselves
 * (`kubernetes.io`), so at each level the longest name that exists wins:
 * `kubernetes.io.serviceaccount.name` → `claims["kubernetes.io"]["serviceaccount"]["name"]`.
 */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '.') continue;
    const head = path.slice(0, i);
    const nested = Object.hasOwn(claims, head) ? claims[head] : undefined;
    if (isObject(nested)) {
      const found = claimAt(nested, path.slice(i + 1));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The strings a claim value offers for matching: itself, or each element of a list (objects never match). */
function comparableValues(value: unknown): string[] {
  const scalar = (v: unknown): string[] => (typeof v === 'string' ? [v] : typeof v === 'number' || typeof v === 'boolean' ? [String(v)] : []);
  return Array.isArray(value) ? value.flatMap(scalar) : scalar(value);
}

/** `*` matches any run of characters (including none); everything else matches itself, case-sensitively. */
export function matchesPattern(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(value);
}

/** Whether every rule's claim has a value matching its pattern. */
export function rulesMatch(rules: Record<string, string>, claims: Record<string, unknown>): boolean {
  return Object.entries(rules).every(([claim, pattern]) => comparableValues(claimAt(claims, claim)).some((value) => matchesPattern(pattern, value)));
}

/** The token a caller asks for: its kind, for whom (team or user), and whether as an organization admin. */
export interface RequestedToken {
  kind: TokenKind;
  team?: string;
  user?: string;
  admin: boolean;
}

export type ExchangeDecision =
  | { allowed: true; policyIndex: number }
  | { allowed: false; reason: 'denied'; policyIndex: number }
  | { allowed: false; reason: 'admin-not-authorized'; policyIndex: number }
  | { allowed: false; reason: 'no-match' };

function appliesTo(policy: AuthPolicyDefinition, requested: RequestedToken): boolean {
  if (policy.tokenType !== requested.kind) return false;
  if (requested.kind === 'team') return policy.teamName === requested.team;
  if (requested.kind === 'personal') return policy.userLogin === requested.user;
  return true;
}

/** Decides one exchange from the issuer's policies and the verified claims (see the module comment). */
export function decideExchange(policies: readonly AuthPolicyDefinition[], claims: Record<string, unknown>, requested: RequestedToken): ExchangeDecision {
  const relevant = policies.map((policy, index) => ({ policy, index })).filter(({ policy }) => appliesTo(policy, requested) && rulesMatch(policy.rules, claims));
  const denied = relevant.find(({ policy }) => policy.decision === 'deny');
  if (denied) return { allowed: false, reason: 'denied', policyIndex: denied.index };
  let adminRefused: number | undefined;
  for (const { policy, index } of relevant) {
    if (policy.decision !== 'allow') continue;
    if (requested.admin && !policy.authorizedPermissions.includes(ADMIN_PERMISSION)) {
      adminRefused ??= index;
      continue;
    }
    return { allowed: true, policyIndex: index };
  }
  return adminRefused === undefined ? { allowed: false, reason: 'no-match' } : { allowed: false, reason: 'admin-not-authorized', policyIndex: adminRefused };
}
