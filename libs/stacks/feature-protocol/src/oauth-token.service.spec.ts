import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenExchangeInternalRequest, TokenExchangeInternalResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import type { InternalClient } from '@stackyard/shared-http';
import { OAuthTokenService, readTokenRequest } from './oauth-token.service';

const FORM = 'application/x-www-form-urlencoded';

function identity(answer: TokenExchangeInternalResponse | Error) {
  const calls: TokenExchangeInternalRequest[] = [];
  const client = {
    post: (_path: string, body: TokenExchangeInternalRequest) => {
      calls.push(body);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  };
  return { service: new OAuthTokenService(client as unknown as InternalClient), calls };
}

void describe('POST /api/oauth/token', () => {
  void it('reads the form the CLI sends (and JSON, as the generated cloud SDK sends it)', () => {
    const body = Buffer.from('grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&scope=&subject_token=a.b.c&expiration=7200');
    assert.deepEqual(readTokenRequest(`${FORM}; charset=utf-8`, body), {
      parameters: { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', scope: '', subject_token: 'a.b.c', expiration: '7200' },
    });
    assert.deepEqual(readTokenRequest('application/json', Buffer.from('{"grant_type":"x","expiration":60}')), { parameters: { grant_type: 'x', expiration: '60' } });
  });

  void it('refuses repeated parameters, other media types and malformed JSON in OAuth error shape', () => {
    const refused = (contentType: string | undefined, body: string) => {
      const read = readTokenRequest(contentType, Buffer.from(body));
      assert.ok('refused' in read);
      return read.refused as { status: number; body: { error: string; error_description: string } };
    };
    assert.deepEqual(refused(FORM, 'grant_type=a&grant_type=b'), { status: 400, body: { error: 'invalid_request', error_description: 'parameter "grant_type" is given more than once' } });
    assert.equal(refused('text/plain', 'x').body.error, 'invalid_request');
    assert.equal(refused(undefined, 'x').body.error, 'invalid_request');
    assert.equal(refused('application/json', '{').body.error, 'invalid_request');
    assert.equal(refused('application/json', '{"a":{"b":1}}').body.error, 'invalid_request');
  });

  void it("relays identity's grant or refusal, and the caller's address for the audit log", async () => {
    const grant = { access_token: 'pul-x', issued_token_type: 'urn:pulumi:token-type:access_token:organization', token_type: 'Bearer', expires_in: 7200, scope: '' };
    const ok = identity({ outcome: 'granted', grant });
    assert.deepEqual(await ok.service.exchange(FORM, Buffer.from('grant_type=x'), '10.0.0.7'), { status: 200, body: grant });
    assert.deepEqual(ok.calls, [{ parameters: { grant_type: 'x' }, sourceIp: '10.0.0.7' }]);
    const no = identity({ outcome: 'refused', status: 400, error: 'invalid_request', description: 'the OIDC token is refused: it expired' });
    assert.deepEqual(await no.service.exchange(FORM, Buffer.from('grant_type=x'), undefined), { status: 400, body: { error: 'invalid_request', error_description: 'the OIDC token is refused: it expired' } });
  });

  void it('answers 503 temporarily_unavailable when identity cannot be reached (the CLI retries)', async () => {
    const down = identity(ApiError.unavailable('identity service unreachable (ECONNREFUSED)'));
    assert.deepEqual(await down.service.exchange(FORM, Buffer.from('grant_type=x'), undefined), {
      status: 503,
      body: { error: 'temporarily_unavailable', error_description: 'the identity service is unavailable; try again' },
    });
  });
});
