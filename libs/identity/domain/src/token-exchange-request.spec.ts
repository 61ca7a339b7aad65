import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTokenExchange } from './token-exchange-request';

/** What `pulumi login --oidc-token … --oidc-org acme` posts (client.go `ExchangeOidcToken`, v3.274.1). */
const cli = {
  audience: 'urn:pulumi:org:acme',
  grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
  requested_token_type: 'urn:pulumi:token-type:access_token:organization',
  scope: '',
  subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
  subject_token: 'eyJ.eyJ.sig',
  expiration: '7200',
};

function refusal(parameters: Record<string, string>): { error: string; description: string } {
  const parsed = parseTokenExchange(parameters);
  if (parsed.ok) assert.fail('the request was accepted');
  return parsed;
}

void describe('token exchange request', () => {
  void it('reads the CLI request for organization, team and personal tokens', () => {
    assert.deepEqual(parseTokenExchange(cli), {
      ok: true,
      request: { organization: 'acme', requested: { kind: 'organization', admin: false }, scope: '', subjectToken: 'eyJ.eyJ.sig', expirationSeconds: 7200 },
    });
    const team = parseTokenExchange({ ...cli, requested_token_type: 'urn:pulumi:token-type:access_token:team', scope: 'team:platform' });
    assert.ok(team.ok && team.request.requested.kind === 'team' && team.request.requested.team === 'platform');
    const personal = parseTokenExchange({ ...cli, requested_token_type: 'urn:pulumi:token-type:access_token:personal', scope: 'user:alice', expiration: '0' });
    assert.ok(personal.ok && personal.request.requested.user === 'alice' && personal.request.expirationSeconds === undefined);
    const admin = parseTokenExchange({ ...cli, scope: 'admin' });
    assert.ok(admin.ok && admin.request.requested.admin);
  });

  void it('refuses other grants, token types and audiences with the OAuth error code', () => {
    assert.equal(refusal({ ...cli, grant_type: 'refresh_token' }).error, 'unsupported_grant_type');
    assert.equal(refusal({ ...cli, grant_type: 'client_credentials' }).error, 'unsupported_grant_type');
    assert.equal(refusal({ ...cli, grant_type: '' }).error, 'invalid_request');
    assert.equal(refusal({ ...cli, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' }).error, 'invalid_request');
    assert.equal(refusal({ ...cli, subject_token: '' }).error, 'invalid_request');
    assert.equal(refusal({ ...cli, audience: 'acme' }).error, 'invalid_target');
    assert.equal(refusal({ ...cli, audience: 'urn:pulumi:org:../x' }).error, 'invalid_target');
    assert.equal(refusal({ ...cli, requested_token_type: 'urn:pulumi:token-type:access_token:runner' }).error, 'invalid_request');
    assert.equal(refusal({ ...cli, actor_token: 'x' }).error, 'invalid_request');
    assert.equal(refusal({ ...cli, expiration: '-5' }).error, 'invalid_request');
  });

  void it('refuses scopes that do not fit the requested token', () => {
    assert.equal(refusal({ ...cli, scope: 'write' }).error, 'invalid_scope');
    assert.equal(refusal({ ...cli, scope: 'team:platform' }).error, 'invalid_scope');
    assert.equal(refusal({ ...cli, requested_token_type: 'urn:pulumi:token-type:access_token:team', scope: '' }).error, 'invalid_scope');
    assert.equal(refusal({ ...cli, requested_token_type: 'urn:pulumi:token-type:access_token:personal', scope: 'user:alice admin' }).error, 'invalid_scope');
    assert.equal(refusal({ ...cli, requested_token_type: 'urn:pulumi:token-type:access_token:team', scope: 'team:a team:b' }).error, 'invalid_scope');
  });
});
