import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import type { ScimRelayRequest, ScimRelayResponse } from '@stackyard/shared-contracts';
import type { InternalClient } from '@stackyard/shared-http';
import type { AuthenticatedRequest } from './request-context';
import { bearerTokenHash, ScimGateway, ScimGatewayError } from './scim-gateway.service';

const TOKEN = `scim-${'ab'.repeat(32)}`;

/** What ServerResponse calls the gateway makes, recorded. */
function recordingResponse() {
  const headers: Record<string, string | number> = {};
  const recorded = { status: 0, headers, body: '' };
  const res = {
    headersSent: false,
    set statusCode(value: number) {
      recorded.status = value;
    },
    setHeader: (name: string, value: string | number) => {
      headers[name.toLowerCase()] = value;
    },
    end: (text?: string) => {
      recorded.body = text ?? '';
    },
  };
  return { res: res as unknown as ServerResponse, recorded };
}

function request(overrides: Partial<AuthenticatedRequest> & { authorization?: string; host?: string } = {}): AuthenticatedRequest {
  const { authorization, host = 'api.example.test:8443', ...rest } = overrides;
  return {
    method: 'GET',
    path: '/scim/v2/acme/Users',
    query: { filter: 'userName eq "a"', count: ['5', '6'] },
    headers: { host, ...(authorization === undefined ? {} : { authorization }) },
    socket: { encrypted: true, remoteAddress: '203.0.113.9' },
    requestId: 'req-1',
    ...rest,
  } as unknown as AuthenticatedRequest;
}

function gateway(answer: ScimRelayResponse) {
  const calls: Array<{ path: string; body: ScimRelayRequest }> = [];
  const identity = {
    post: (path: string, body: ScimRelayRequest) => {
      calls.push({ path, body });
      return Promise.resolve(answer);
    },
  };
  return { sut: new ScimGateway(identity as unknown as InternalClient), calls };
}

void describe('ScimGateway (the api relaying SCIM to identity)', () => {
  void it('sends identity the SHA-256 of the bearer token, never the token, with path, query and public base URL', async () => {
    const { sut, calls } = gateway({ status: 200, body: { totalResults: 0 } });
    const { res, recorded } = recordingResponse();
    await sut.relay(request({ authorization: `Bearer ${TOKEN}` }), res);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].path, '/internal/v1/scim/acme/requests');
    assert.deepEqual(calls[0].body, {
      tokenHash: createHash('sha256').update(TOKEN).digest('hex'),
      method: 'GET',
      path: '/Users',
      query: { filter: 'userName eq "a"', count: '5' },
      baseUrl: 'https://api.example.test:8443/scim/v2/acme',
      sourceIp: '203.0.113.9',
    });
    assert.ok(!JSON.stringify(calls[0].body).includes(TOKEN));
    assert.equal(recorded.status, 200);
    assert.match(String(recorded.headers['content-type']), /^application\/scim\+json/);
    assert.deepEqual(JSON.parse(recorded.body), { totalResults: 0 });
  });

  void it('relays the raw body, the Location of a 201, and nothing for a 204', async () => {
    const created = gateway({ status: 201, body: { id: 'u1' }, location: 'https://api.example.test:8443/scim/v2/acme/Users/u1' });
    const first = recordingResponse();
    await created.sut.relay(request({ method: 'POST', authorization: `Bearer ${TOKEN}`, rawBody: Buffer.from('{"userName":"a"}') }), first.res);
    assert.equal(created.calls[0].body.body, '{"userName":"a"}');
    assert.equal(first.recorded.headers['location'], 'https://api.example.test:8443/scim/v2/acme/Users/u1');
    const deleted = gateway({ status: 204 });
    const second = recordingResponse();
    await deleted.sut.relay(request({ method: 'DELETE', path: '/scim/v2/acme/Users/u1', authorization: `Bearer ${TOKEN}` }), second.res);
    assert.deepEqual([second.recorded.status, second.recorded.body, second.recorded.headers['content-type']], [204, '', undefined]);
  });

  void it('forwards requests without a usable token (identity refuses and audits them), with WWW-Authenticate on the 401', async () => {
    const { sut, calls } = gateway({ status: 401, body: { status: '401' } });
    const { res, recorded } = recordingResponse();
    await sut.relay(request({ authorization: `token ${TOKEN}` }), res);
    assert.equal(calls[0].body.tokenHash, null);
    assert.equal(recorded.headers['www-authenticate'], 'Bearer realm="scim"');
  });

  void it('answers methods SCIM does not have and malformed hosts itself', async () => {
    const { sut, calls } = gateway({ status: 200 });
    await assert.rejects(sut.relay(request({ method: 'OPTIONS' }), recordingResponse().res), (error: unknown) => error instanceof ScimGatewayError && error.status === 405);
    await assert.rejects(sut.relay(request({ host: 'evil.example/path?' }), recordingResponse().res), /Host header/);
    assert.equal(calls.length, 0);
  });

  void it('reads only plausible bearer tokens', () => {
    assert.equal(bearerTokenHash(`Bearer ${TOKEN}`), createHash('sha256').update(TOKEN).digest('hex'));
    assert.equal(bearerTokenHash(`bearer   ${TOKEN}  `), createHash('sha256').update(TOKEN).digest('hex'));
    for (const header of [undefined, '', 'Bearer', 'Bearer short', `Basic ${TOKEN}`, `Bearer ${TOKEN} extra`]) assert.equal(bearerTokenHash(header), null, String(header));
  });
});
