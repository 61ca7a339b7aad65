import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpsRequest, startSuite, type Suite } from '@stackyard/shared-launcher';
import { findSamples, parsePrometheusText, type PrometheusExposition, tempDir } from '@stackyard/testing';

/**
 * `/metrics` on every service's main listener, against the real built services (embedded mode):
 * Prometheus text that a strict parser accepts, served without credentials (internal services still
 * need a certificate from the installation's CA at the TLS handshake, but no particular peer), while
 * the services' normal routes keep demanding theirs.
 */
void describe('/metrics on every service (real services)', { timeout: 180_000 }, () => {
  let suite: Suite;
  let ca: string;
  const certOf = (service: 'api' | 'secrets' | 'identity' | 'console-backend') => ({
    cert: readFileSync(suite.pki.services[service].certFile),
    key: readFileSync(suite.pki.services[service].keyFile),
  });
  const scrape = async (url: string, cert: { cert?: Buffer; key?: Buffer } = {}): Promise<PrometheusExposition> => {
    const res = await httpsRequest(`${url}/metrics`, { ca, ...cert });
    assert.equal(res.status, 200, res.text);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(res.text);
  };
  const assertCommon = (metrics: PrometheusExposition, service: string) => {
    assert.equal(metrics.types.get('process_cpu_user_seconds_total'), 'counter');
    assert.ok(findSamples(metrics, 'process_resident_memory_bytes', { service }).length === 1, `${service}: process metrics labelled with the service`);
    assert.ok(findSamples(metrics, 'nodejs_eventloop_lag_seconds', { service }).length === 1);
    assert.equal(metrics.types.get('stackyard_http_request_duration_seconds'), 'histogram');
  };

  before(async () => {
    suite = await startSuite({ dataDir: join(tempDir('stackyard-metrics-it'), 'data') });
    ca = readFileSync(suite.caFile, 'utf8');
  });
  after(async () => {
    await suite?.stop();
  });

  it('api: /metrics needs no token, a normal route still does; routes are labelled by template, never by stack name', async () => {
    const auth = { authorization: `token ${suite.adminToken}` };
    assert.equal((await httpsRequest(`${suite.apiUrl}/api/user`, { ca })).status, 401, 'a normal route without a token');
    assert.equal((await httpsRequest(`${suite.apiUrl}/api/user`, { ca, headers: auth })).status, 200);
    const created = await httpsRequest(`${suite.apiUrl}/api/stacks/${suite.org}/metrics-proj`, { ca, method: 'POST', headers: auth, body: { stackName: 'very-secret-stack-name' } });
    assert.equal(created.status, 200, created.text);
    assert.equal((await httpsRequest(`${suite.apiUrl}/api/stacks/${suite.org}/metrics-proj/very-secret-stack-name`, { ca, headers: auth })).status, 200);
    assert.equal((await httpsRequest(`${suite.apiUrl}/no/such/route/very-secret-stack-name`, { ca, headers: auth })).status, 404);

    const res = await httpsRequest(`${suite.apiUrl}/metrics`, { ca });
    assert.equal(res.status, 200);
    assert.ok(!res.text.includes('very-secret-stack-name') && !res.text.includes('metrics-proj'), 'no stack or project names in labels');
    assert.ok(!res.text.includes(suite.adminToken));
    const metrics = parsePrometheusText(res.text);
    assertCommon(metrics, 'api');
    const count = (labels: Record<string, string>) => findSamples(metrics, 'stackyard_http_request_duration_seconds_count', { service: 'api', ...labels })[0]?.value ?? 0;
    assert.equal(count({ route: '/api/user', method: 'GET', status: '401' }), 1);
    assert.equal(count({ route: '/api/user', method: 'GET', status: '200' }), 1);
    const stackRoutes = findSamples(metrics, 'stackyard_http_request_duration_seconds_count', { method: 'GET', status: '200' }).map((s) => s.labels['route']);
    assert.ok(stackRoutes.some((route) => /^\/api\/stacks\/:[a-zA-Z]+\/:[a-zA-Z]+\/:[a-zA-Z]+$/.test(route)), `a templated stack route among ${stackRoutes.join(', ')}`);
    assert.equal(count({ route: 'unmatched', status: '404' }), 1, 'an unknown path is "unmatched"');
    const buckets = findSamples(metrics, 'stackyard_http_request_duration_seconds_bucket', { route: '/api/user', status: '200' });
    assert.equal(buckets.find((b) => b.labels['le'] === '+Inf')?.value, 1);
  });

  it('console-backend: /metrics needs no session, its api still does', async () => {
    assert.equal((await httpsRequest(`${suite.consoleUrl}/console/api/stacks`, { ca })).status, 401);
    assertCommon(await scrape(suite.consoleUrl), 'console-backend');
  });

  it('identity: /metrics answers any verified certificate (not only its callers), with the leader gauge; normal routes keep the peer check', async () => {
    const url = suite.services.identity.url;
    // secrets is no caller of identity: its certificate is refused on a normal route…
    const refused = await httpsRequest(`${url}/internal/v1/tokens`, { ca, method: 'POST', body: {}, ...certOf('secrets') });
    assert.equal(refused.status, 403, refused.text);
    // …but may scrape.
    const metrics = await scrape(url, certOf('secrets'));
    assertCommon(metrics, 'identity');
    const leader = findSamples(metrics, 'stackyard_leader_election_is_leader', { lease: 'stackyard-identity' });
    assert.equal(leader.length, 1);
    assert.ok([0, 1].includes(leader[0].value));
    // Without any certificate the handshake itself fails, for /metrics as for everything else.
    await assert.rejects(httpsRequest(`${url}/metrics`, { ca }), /certificate required/);
  });

  it('secrets: /metrics answers any verified certificate; normal routes keep the peer check', async () => {
    const url = suite.services.secrets.url;
    const refused = await httpsRequest(`${url}/internal/v1/stacks/x/object-key`, { ca, method: 'POST', body: {}, ...certOf('secrets') });
    assert.equal(refused.status, 403, refused.text);
    assertCommon(await scrape(url, certOf('secrets')), 'secrets');
  });
});
