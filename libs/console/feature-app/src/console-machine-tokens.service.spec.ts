import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '@stackyard/shared-errors';
import { machineTokenRequest } from './console-machine-tokens.service';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const org = { kind: 'organization', org: 'acme' } as const;
const team = { kind: 'team', org: 'acme', team: 'ops' } as const;

void describe('machineTokenRequest', () => {
  void it('turns the form into the api body: expiry in unix seconds, admin only for organization tokens', () => {
    assert.deepEqual(machineTokenRequest(org, { name: 'ci', description: 'deploys', expiresInDays: 30, admin: true }, NOW), {
      name: 'ci',
      description: 'deploys',
      expires: NOW / 1000 + 30 * 86_400,
      admin: true,
    });
    assert.deepEqual(machineTokenRequest(team, { name: 'ci' }, NOW), { name: 'ci', description: '', expires: 0 });
    assert.deepEqual(machineTokenRequest(org, { name: 'ci', expiresInDays: 0 }, NOW), { name: 'ci', description: '', expires: 0, admin: false });
  });

  void it('refuses wrong shapes with a 400 before the api is asked', () => {
    const refused = (owner: typeof org | typeof team, body: unknown, message: RegExp) =>
      assert.throws(
        () => machineTokenRequest(owner, body, NOW),
        (error: unknown) => error instanceof ApiError && error.status === 400 && message.test(error.message),
      );
    refused(org, null, /JSON object/);
    refused(org, [], /JSON object/);
    refused(org, { description: 'x' }, /name is required/);
    refused(org, { name: 'ci', expiresInDays: 12 }, /expiresInDays must be one of/);
    refused(org, { name: 'ci', expiresInDays: '30' }, /expiresInDays/);
    refused(org, { name: 'ci', admin: 'yes' }, /admin must be true or false/);
    refused(team, { name: 'ci', admin: true }, /organization tokens only/);
    refused(org, { name: 'ci', description: 7 }, /description must be text/);
  });
});
