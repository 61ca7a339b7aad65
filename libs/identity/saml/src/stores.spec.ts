import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemoryAssertionReplayStore, InMemoryRequestIdStore } from './stores';

const SP = 'https://stackyard.test/login/acme/sso/saml/metadata';
const OTHER_SP = 'https://stackyard.test/login/other/sso/saml/metadata';
const IDP = 'https://idp.acme.test/metadata';

/** A clock the test moves by hand. */
function manualClock(start = Date.UTC(2026, 0, 1)): { now: () => number; advance: (ms: number) => void; at: (ms: number) => Date } {
  let current = start;
  return { now: () => current, advance: (ms) => (current += ms), at: (ms) => new Date(current + ms) };
}

void describe('InMemoryRequestIdStore', () => {
  void it('answers an outstanding request exactly once', async () => {
    const clock = manualClock();
    const store = new InMemoryRequestIdStore({ now: clock.now });
    await store.save('_req1', SP, clock.at(60_000));
    assert.equal(await store.consume('_req1', SP), true);
    assert.equal(await store.consume('_req1', SP), false);
    assert.equal(await store.consume('_never', SP), false);
  });

  void it('keeps a request for its own SP: another SP can neither consume nor burn it', async () => {
    const clock = manualClock();
    const store = new InMemoryRequestIdStore({ now: clock.now });
    await store.save('_req1', SP, clock.at(60_000));
    assert.equal(await store.consume('_req1', OTHER_SP), false);
    assert.equal(await store.consume('_req1', SP), true);
  });

  void it('forgets a request at its expiry', async () => {
    const clock = manualClock();
    const store = new InMemoryRequestIdStore({ now: clock.now });
    await store.save('_req1', SP, clock.at(60_000));
    await store.save('_req2', SP, clock.at(120_000));
    clock.advance(59_999);
    assert.equal(store.size, 2);
    clock.advance(1);
    assert.equal(await store.consume('_req1', SP), false, 'expired exactly at expiresAt');
    assert.equal(store.size, 1, 'pruned, not just hidden');
    assert.equal(await store.consume('_req2', SP), true);
  });

  void it('drops the oldest requests beyond maxEntries (anyone can start sign-ins)', async () => {
    const clock = manualClock();
    const store = new InMemoryRequestIdStore({ now: clock.now, maxEntries: 3 });
    for (const id of ['_a', '_b', '_c', '_d']) await store.save(id, SP, clock.at(60_000));
    assert.equal(store.size, 3);
    assert.equal(await store.consume('_a', SP), false);
    assert.equal(await store.consume('_d', SP), true);
  });
});

void describe('InMemoryAssertionReplayStore', () => {
  void it('accepts an assertion ID once until it expires, then forgets it', async () => {
    const clock = manualClock();
    const store = new InMemoryAssertionReplayStore({ now: clock.now });
    assert.equal(await store.markConsumed(IDP, '_a1', clock.at(300_000)), true);
    assert.equal(await store.markConsumed(IDP, '_a1', clock.at(300_000)), false);
    clock.advance(299_999);
    assert.equal(await store.markConsumed(IDP, '_a1', clock.at(300_000)), false, 'still remembered just before expiry');
    clock.advance(1);
    assert.equal(store.size, 0, 'pruned at expiry');
    // By then the assertion is refused as expired by the SP's time checks; the store may forget it.
    assert.equal(await store.markConsumed(IDP, '_a1', clock.at(300_000)), true);
  });

  void it('keys by issuer and assertion ID: one IdP cannot burn another IdP\'s IDs', async () => {
    const store = new InMemoryAssertionReplayStore();
    const until = new Date(Date.now() + 60_000);
    assert.equal(await store.markConsumed(IDP, '_same', until), true);
    assert.equal(await store.markConsumed('https://idp.other.test/metadata', '_same', until), true);
    assert.equal(await store.markConsumed(IDP, '_same', until), false);
  });

  void it('refuses new assertions when full rather than forgetting consumed ones', async () => {
    const clock = manualClock();
    const store = new InMemoryAssertionReplayStore({ now: clock.now, maxEntries: 2 });
    await store.markConsumed(IDP, '_a', clock.at(1_000));
    await store.markConsumed(IDP, '_b', clock.at(60_000));
    await assert.rejects(store.markConsumed(IDP, '_c', clock.at(60_000)), /replay store is full/);
    assert.equal(await store.markConsumed(IDP, '_a', clock.at(1_000)), false, 'consumed entries survive');
    clock.advance(1_000); // _a expires and frees a slot
    assert.equal(await store.markConsumed(IDP, '_c', clock.at(60_000)), true);
  });
});
