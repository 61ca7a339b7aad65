/**
 * Password-style sign-ins (LDAP / AD forms) are rate limited twice: per account, so guessing one
 * person's password is slow, and per source address, so spraying many accounts from one place is
 * too. A key that fails `maxFailures` times within `windowMs` is locked for `lockMs`; the window
 * restarts after a quiet `windowMs`. A success clears the account's key, not the address's.
 */
export interface ThrottlePolicy {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

export interface ThrottleState {
  failures: number;
  windowStartedAt: number;
  lockedUntil: number | null;
}

/** When a locked key may try again, or undefined when it may try now. */
export function lockedUntil(state: ThrottleState | null, now: number): number | undefined {
  return state?.lockedUntil !== null && state?.lockedUntil !== undefined && state.lockedUntil > now ? state.lockedUntil : undefined;
}

/** The state after one more failure. */
export function afterFailure(state: ThrottleState | null, now: number, policy: ThrottlePolicy): ThrottleState {
  const fresh = !state || now - state.windowStartedAt >= policy.windowMs || (state.lockedUntil !== null && state.lockedUntil <= now);
  const failures = fresh ? 1 : state.failures + 1;
  const windowStartedAt = fresh ? now : state.windowStartedAt;
  return { failures, windowStartedAt, lockedUntil: failures >= policy.maxFailures ? now + policy.lockMs : null };
}
