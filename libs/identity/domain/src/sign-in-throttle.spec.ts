import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterFailure, lockedUntil, type ThrottleState } from './sign-in-throttle';

const policy = { maxFailures: 3, windowMs: 60_000, lockMs: 300_000 };

void describe('sign-in throttle', () => {
  void it('locks after maxFailures within the window, until lockMs has passed', () => {
    let state: ThrottleState | null = null;
    for (let i = 0; i < 2; i++) state = afterFailure(state, 1_000 + i, policy);
    assert.equal(lockedUntil(state, 2_000), undefined);
    state = afterFailure(state, 2_000, policy);
    assert.equal(lockedUntil(state, 2_001), 302_000);
    assert.equal(lockedUntil(state, 302_000), undefined);
    // After the lock, counting starts over.
    assert.equal(afterFailure(state, 302_001, policy).failures, 1);
  });

  void it('forgets failures older than the window', () => {
    const state = afterFailure(afterFailure(null, 0, policy), 1, policy);
    assert.equal(afterFailure(state, 60_001, policy).failures, 1);
    assert.equal(afterFailure(state, 59_999, policy).lockedUntil, 359_999);
  });
});
