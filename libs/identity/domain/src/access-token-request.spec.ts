import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TOKEN_LIFETIME_SECONDS, parseNewTokenRequest, TokenRequestError } from './access-token-request';

const NOW = 1_800_000_000_000;
const inAnHour = NOW / 1000 + 3600;

function problems(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof TokenRequestError);
    return error.message;
  }
  assert.fail('expected a TokenRequestError');
}

void describe('new access token requests (Pulumi REST shapes)', () => {
  void it('reads personal, organization and team requests', () => {
    assert.deepEqual(parseNewTokenRequest('personal', { description: 'laptop', expires: 0 }, NOW), { description: 'laptop', expiresAt: null, admin: false, roleId: null });
    assert.deepEqual(parseNewTokenRequest('organization', { name: 'ci', description: '', expires: inAnHour, admin: true }, NOW), { name: 'ci', description: '', expiresAt: inAnHour * 1000, admin: true, roleId: null });
    assert.deepEqual(parseNewTokenRequest('team', { name: 'deploy' }, NOW), { name: 'deploy', description: '', expiresAt: null, admin: false, roleId: null });
    // The provider's CreateOrgAccessTokenRequest may carry a custom role (apitype/create_org_access_token_request_.go).
    assert.equal(parseNewTokenRequest('organization', { name: 'ci', description: '', admin: false, roleID: 'r1' }, NOW).roleId, 'r1');
  });

  void it('refuses what Pulumi Cloud refuses, naming every problem', () => {
    assert.match(problems(() => parseNewTokenRequest('organization', {}, NOW)), /name is required/);
    assert.match(problems(() => parseNewTokenRequest('team', { name: 'x'.repeat(41) }, NOW)), /1–40/);
    assert.match(problems(() => parseNewTokenRequest('personal', { expires: NOW / 1000 - 1 }, NOW)), /in the future/);
    assert.match(problems(() => parseNewTokenRequest('personal', { expires: NOW / 1000 + MAX_TOKEN_LIFETIME_SECONDS + 1 }, NOW)), /two years/);
    assert.match(problems(() => parseNewTokenRequest('personal', { expires: 1.5 }, NOW)), /unix time/);
    const all = problems(() => parseNewTokenRequest('team', { name: 'a\nb', description: 7, admin: true, roleID: 'r' }, NOW));
    for (const expected of [/name must be/, /description/, /admin applies to organization tokens only/, /roleID/]) assert.match(all, expected);
    assert.match(problems(() => parseNewTokenRequest('personal', [], NOW)), /JSON object/);
    assert.match(problems(() => parseNewTokenRequest('organization', { name: 'ci', admin: true, roleID: 'r1' }, NOW)), /either admin or roleID/);
  });
});
