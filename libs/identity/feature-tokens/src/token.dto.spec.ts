import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '@stackyard/shared-errors';
import { MAX_TOKEN_LIFETIME_SECONDS, parseCreateTokenRequest } from './token.dto';

function rejects400(body: unknown, pattern: RegExp): void {
  assert.throws(() => parseCreateTokenRequest(body), (error: unknown) => error instanceof ApiError && error.status === 400 && pattern.test(error.message));
}

void describe('parseCreateTokenRequest', () => {
  void it('accepts login and name, with an optional lifetime', () => {
    assert.deepEqual(parseCreateTokenRequest({ login: 'bob', name: 'ci' }), { login: 'bob', name: 'ci' });
    assert.deepEqual(parseCreateTokenRequest({ login: 'bob', name: 'ci', expiresInSeconds: 60 }), { login: 'bob', name: 'ci', expiresInSeconds: 60 });
  });

  void it('reports every problem at once', () => {
    rejects400({ login: 'bad login', name: '', expiresInSeconds: 1.5 }, /login must be .*; name must be .*; expiresInSeconds must be/);
  });

  void it('rejects non-objects, zero or negative lifetimes and absurd ones', () => {
    rejects400(null, /JSON object/);
    rejects400([], /JSON object/);
    rejects400({ login: 'bob', name: 'ci', expiresInSeconds: 0 }, /expiresInSeconds/);
    rejects400({ login: 'bob', name: 'ci', expiresInSeconds: '60' }, /expiresInSeconds/);
    rejects400({ login: 'bob', name: 'ci', expiresInSeconds: MAX_TOKEN_LIFETIME_SECONDS + 1 }, /expiresInSeconds/);
  });
});
