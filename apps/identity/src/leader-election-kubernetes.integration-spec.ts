import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { generateAccessToken } from '@stackyard/identity-domain';
import { JOB_RUNS_ANNOTATION, KubernetesLeaseStore, LeaseElector, parseJobRuns } from '@stackyard/shared-leader-election';
import { runElectionScenarios } from '@stackyard/shared-leader-election-scenarios';
import { ensureEmbeddedPki } from '@stackyard/shared-tls';
import { type KubeApiserverPeer, startKubeApiserver, tempDir, waitUntil } from '@stackyard/testing';
import { loadIdentityConfig } from './identity.config';
import { type RunningIdentity, startIdentity } from './start-identity';

const NAMESPACE = 'stackyard';
/** The identity pods' service account, as the chart binds it: one user for every replica. */
const ELECTOR = 'system:serviceaccount:stackyard:stackyard-identity';
const OUTSIDER = 'outsider';
const timings = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };

interface LeaseObject {
  metadata: { resourceVersion: string; annotations?: Record<string, string> };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; acquireTime?: string; leaseTransitions?: number };
}

/**
 * The Kubernetes Lease backend against a real kube-apiserver v1.37 (with etcd), authorized by RBAC
 * exactly as the chart's Role grants it: get, create and update on leases in its namespace, nothing else.
 */
void describe('leader election on a Kubernetes Lease (real kube-apiserver)', () => {
  let kube: KubeApiserverPeer;
  const storeAs = (user: string, leaseName: string) => KubernetesLeaseStore.connect({ leaseName, namespace: NAMESPACE, kubeconfigPath: kube.kubeconfigPath(user) });
  const lease = async (name: string) => (await kube.request('admin', 'GET', `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/${name}`)).body as LeaseObject;

  before(async () => {
    kube = await startKubeApiserver({ users: [ELECTOR, OUTSIDER] });
    await kube.apply('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    await kube.apply('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'stackyard-leader-election' },
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }],
    });
    await kube.apply('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'stackyard-leader-election' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'stackyard-leader-election' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: ELECTOR }],
    });
  });

  after(async () => {
    await kube?.stop();
  });

  void it('one leader, each period once, handover on stop, a cut-off leader steps down before its successor starts', async () => {
    await runElectionScenarios(() => storeAs(ELECTOR, 'scenario'), { leaseName: 'scenario', timings, intervalMs: 1_000, runMs: 200 });
    // What the API server holds: a well-formed coordination.k8s.io/v1 Lease written by the last leader.
    const stored = await lease('scenario');
    assert.equal(stored.spec.leaseDurationSeconds, 1, 'released by the last leader (as client-go does)');
    assert.equal(stored.spec.holderIdentity, '');
    assert.ok((stored.spec.leaseTransitions ?? 0) >= 3, `transitions ${stored.spec.leaseTransitions}`);
    assert.match(stored.spec.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'MicroTime');
    assert.ok(parseJobRuns(stored.metadata.annotations?.[JOB_RUNS_ANNOTATION])['singleton'] > 0);
  });

  void it('writes are compare-and-set on resourceVersion: a stale version is a 409, which the store reports as a conflict', async () => {
    const store = await storeAs(ELECTOR, 'cas');
    const created = await store.create({ holderIdentity: 'a', leaseDurationMs: 3_000, acquireTime: Date.now(), renewTime: Date.now(), leaseTransitions: 0, jobRuns: {} });
    assert.notEqual(created, 'conflict');
    if (created === 'conflict') return;
    assert.equal(await store.create(created.record), 'conflict', 'a second create');
    const renewed = await store.replace({ ...created.record, renewTime: Date.now() }, created.version);
    assert.notEqual(renewed, 'conflict');
    assert.equal(await store.replace({ ...created.record, holderIdentity: 'b' }, created.version), 'conflict', 'a write based on the old version');
    const raw = await lease('cas');
    const stale = await kube.request('admin', 'PUT', `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/cas`, { ...raw, metadata: { ...raw.metadata, resourceVersion: created.version } });
    assert.equal(stale.status, 409, stale.text);
    assert.equal((await lease('cas')).spec.holderIdentity, 'a');
  });

  void it('RBAC: the Role allows leases only; a user without it cannot lead', async () => {
    for (const path of [`/api/v1/namespaces/${NAMESPACE}/secrets`, `/api/v1/namespaces/${NAMESPACE}/configmaps`, '/apis/coordination.k8s.io/v1/namespaces/default/leases/x', `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases`]) {
      const res = await kube.request(ELECTOR, 'GET', path);
      assert.equal(res.status, 403, `${path}: ${res.text}`);
    }
    assert.equal((await kube.request(ELECTOR, 'DELETE', `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/cas`)).status, 403, 'no delete');
    await assert.rejects((await storeAs(OUTSIDER, 'scenario')).get(), /HTTP 403 .*cannot get resource "leases"/);
    const outsider = new LeaseElector({ store: await storeAs(OUTSIDER, 'outsider-lease'), leaseName: 'outsider-lease', identity: 'outsider-pod', timings });
    outsider.start();
    await sleep(1_500);
    assert.equal(outsider.isLeader(), false);
    await outsider.stop();
    assert.equal((await kube.request('admin', 'GET', `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/outsider-lease`)).status, 404);
  });

  void it('identity with the chart\'s settings (kubernetes, namespace, POD_NAME) leads and runs its sweeper under the Lease', async () => {
    const dir = tempDir('stackyard-identity-kube-it');
    const pki = await ensureEmbeddedPki(join(dir, 'pki'), []);
    let running: RunningIdentity | undefined;
    try {
      running = await startIdentity(
        loadIdentityConfig({
          STACKYARD_PORT: '0',
          STACKYARD_DATABASE_URL: `sqlite:${join(dir, 'identity.db')}`,
          STACKYARD_TLS_CERT_FILE: pki.services.identity.certFile,
          STACKYARD_TLS_KEY_FILE: pki.services.identity.keyFile,
          STACKYARD_INTERNAL_CA_FILE: pki.caFile,
          STACKYARD_BOOTSTRAP_ADMIN_TOKEN: generateAccessToken(),
          STACKYARD_LEADER_ELECTION: 'kubernetes',
          STACKYARD_LEADER_ELECTION_NAMESPACE: NAMESPACE,
          STACKYARD_LEADER_ELECTION_KUBECONFIG: kube.kubeconfigPath(ELECTOR),
          STACKYARD_LEADER_ELECTION_LEASE_SECONDS: '3',
          STACKYARD_LEADER_ELECTION_RENEW_DEADLINE_SECONDS: '2',
          STACKYARD_LEADER_ELECTION_RETRY_PERIOD_SECONDS: '0.5',
          STACKYARD_SWEEP_INTERVAL_SECONDS: '1',
          POD_NAME: 'stackyard-identity-7d9f-abcde',
        }),
      );
      const sweeperPeriod = async (): Promise<number | undefined> => parseJobRuns((await lease('stackyard-identity')).metadata?.annotations?.[JOB_RUNS_ANNOTATION])['identity-sweeper'];
      await waitUntil(async () => (await lease('stackyard-identity')).spec?.holderIdentity === 'stackyard-identity-7d9f-abcde', { timeoutMs: 10_000, what: 'identity to take the Lease' });
      await waitUntil(async () => (await sweeperPeriod()) !== undefined, { timeoutMs: 3_000, what: 'the sweeper to claim a period' });
      const first = (await sweeperPeriod()) ?? 0;
      await sleep(2_200);
      const later = (await sweeperPeriod()) ?? 0;
      assert.ok(later >= first + 2, `periods ${first} → ${later}`);
      await running.close();
      running = undefined;
      // Shutdown released the Lease for the next pod.
      assert.equal((await lease('stackyard-identity')).spec.holderIdentity, '');
    } finally {
      await running?.close();
    }
  });
});
