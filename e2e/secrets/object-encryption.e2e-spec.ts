import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { s3TestClient } from '@stackyard/testing';
import { RawApi } from '../robustness/support/raw-api';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';
import { newMarker } from './support/marker-scan';
import { isSealedObject } from './support/stored-bytes';

/**
 * Object encryption at rest through the running suite (raw protocol, no CLI needed): imports are
 * stored sealed and export both ways; a secrets service that cannot be reached is a retryable 503
 * for a cold api; a damaged sealed object is a 500 whose detail stays in the log; objects stored
 * with encryption off (as before this feature) keep exporting after it is turned on.
 */

const PROJECT = 'e2e-object-encryption';

/** A minimal UntypedDeployment whose stack output carries `marker`. */
function deployment(stack: string, marker: string): Record<string, unknown> {
  return {
    version: 3,
    deployment: {
      manifest: { time: new Date().toISOString(), magic: '', version: 'v3.274.1' },
      resources: [{ urn: `urn:pulumi:${stack}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${stack}`, custom: false, type: 'pulumi:pulumi:Stack', outputs: { marker } }],
    },
  };
}

/** Raw bytes of the object store in either mode (the disk directory, or the suite's bucket). */
interface RawObjects {
  get(key: string): Promise<Buffer>;
  put(key: string, bytes: Buffer): Promise<void>;
}

function rawObjects(started: StartedSuite): RawObjects {
  if (!started.external) {
    const path = (key: string) => join(started.suite.dataDir, 'objects', ...key.split('/'));
    return {
      get: (key) => Promise.resolve(readFileSync(path(key))),
      put: (key, bytes) => Promise.resolve(writeFileSync(path(key), bytes)),
    };
  }
  const s3 = started.external.s3;
  const client = s3TestClient(s3);
  return {
    get: async (key) => {
      const chunks: Buffer[] = [];
      for await (const chunk of (await client.getObject(s3.bucket, key)) as AsyncIterable<Buffer>) chunks.push(chunk);
      return Buffer.concat(chunks);
    },
    put: async (key, bytes) => void (await client.putObject(s3.bucket, key, bytes, bytes.length)),
  };
}

for (const mode of selectedModes()) {
  void describe(`object encryption at rest — ${MODE_TITLES[mode]}`, { timeout: 10 * 60_000 }, () => {
    let started: StartedSuite;
    let api: RawApi;
    let objects: RawObjects;
    let base: string;
    let stackId: string;
    const markers = { sealed: newMarker('sealed'), legacy: newMarker('legacy') };
    const checkpoint = (version: number) => `stacks/${stackId}/checkpoints/${version}.json.gz`;
    const exportVersion = (version: number, gzip: boolean) =>
      api.call('GET', `${base}/export/${version}`, { headers: gzip ? { 'accept-encoding': 'gzip' } : {} });
    const stateOf = (res: { status: number; body: Buffer; headers: Record<string, unknown>; text: string }) => {
      assert.equal(res.status, 200, res.text.slice(0, 300));
      const text = res.headers['content-encoding'] === 'gzip' ? gunzipSync(res.body).toString('utf8') : res.text;
      return JSON.parse(text) as { deployment: { resources: Array<{ outputs: { marker: string } }> } };
    };
    const apiLog = () => (existsSync(started.suite.services.api.logFile) ? readFileSync(started.suite.services.api.logFile, 'utf8') : '');

    before(async () => {
      started = await startSuiteInMode(mode);
      api = new RawApi(started.suite.apiUrl, readFileSync(started.suite.caFile), started.suite.adminToken);
      objects = rawObjects(started);
      base = `/api/stacks/${started.suite.org}/${PROJECT}/dev`;
      await api.ok('POST', `/api/stacks/${started.suite.org}/${PROJECT}`, { body: { stackName: 'dev' } });
      stackId = (await api.ok<{ id: string }>('GET', base)).id;
    });
    after(async () => {
      await started?.stop();
    });

    void it('an import is stored sealed and exports as sent, gzip and plain', async () => {
      await api.ok('POST', `${base}/import`, { body: deployment('dev', markers.sealed), gzip: true });
      const stored = await objects.get(checkpoint(1));
      assert.ok(isSealedObject(stored), 'the checkpoint object starts with SYO1');
      assert.ok(!stored.includes(markers.sealed), 'and does not hold the state in plaintext');
      assert.equal(stateOf(await exportVersion(1, true)).deployment.resources[0].outputs.marker, markers.sealed);
      assert.equal(stateOf(await exportVersion(1, false)).deployment.resources[0].outputs.marker, markers.sealed);
    });

    void it('with the secrets service down, a cold api answers 503 (retryable), and recovers', async () => {
      await started.suite.services.secrets.stop();
      try {
        await started.suite.services.api.restart(); // no cached object keys
        const exported = await exportVersion(1, true);
        assert.equal(exported.status, 503, exported.text);
        assert.match(exported.text, /secrets service unreachable/);
        const imported = await api.call('POST', `${base}/import`, { body: deployment('dev', markers.sealed), gzip: true });
        assert.equal(imported.status, 503, imported.text);
      } finally {
        await started.suite.services.secrets.restart();
      }
      assert.equal(stateOf(await exportVersion(1, true)).deployment.resources[0].outputs.marker, markers.sealed);
    });

    void it('a damaged sealed object is a 500 with the detail in the log only, never wrong data', async () => {
      const good = await objects.get(checkpoint(1));
      const flipped = Buffer.from(good);
      flipped[good.length - 20] ^= 0x01;
      await objects.put(checkpoint(1), flipped);
      try {
        for (const gzip of [true, false]) {
          const res = await exportVersion(1, gzip);
          assert.equal(res.status, 500, res.text);
          assert.match(res.text, /an internal error occurred \(request id /);
          assert.doesNotMatch(res.text, /sealed|stored object|authentication/);
        }
        assert.match(apiLog(), /stored object stacks\/[^ ]+\/checkpoints\/1\.json\.gz of stack [^ ]+ cannot be read: sealed object authentication failed/);
      } finally {
        await objects.put(checkpoint(1), good);
      }
      assert.equal(stateOf(await exportVersion(1, true)).deployment.resources[0].outputs.marker, markers.sealed);
    });

    void it('objects stored with encryption off keep exporting after it is turned on; new ones are sealed', async () => {
      await started.suite.restartService('api', { STACKYARD_OBJECT_ENCRYPTION: 'false' });
      assert.match(apiLog(), /object encryption at rest: OFF/);
      await api.ok('POST', `${base}/import`, { body: deployment('dev', markers.legacy), gzip: true });
      const legacyVersion = (await api.ok<{ version: number }>('GET', base)).version;
      const legacy = await objects.get(checkpoint(legacyVersion));
      assert.deepEqual([legacy[0], legacy[1]], [0x1f, 0x8b], 'stored as plain gzip, as before this feature');
      assert.ok(gunzipSync(legacy).includes(markers.legacy));
      // Sealed objects still open with encryption off.
      assert.equal(stateOf(await exportVersion(1, true)).deployment.resources[0].outputs.marker, markers.sealed);

      await started.suite.restartService('api', { STACKYARD_OBJECT_ENCRYPTION: undefined });
      for (const gzip of [true, false]) {
        assert.equal(stateOf(await exportVersion(legacyVersion, gzip)).deployment.resources[0].outputs.marker, markers.legacy);
        assert.equal(stateOf(await api.call('GET', `${base}/export`, { headers: gzip ? { 'accept-encoding': 'gzip' } : {} })).deployment.resources[0].outputs.marker, markers.legacy);
      }
      await api.ok('POST', `${base}/import`, { body: deployment('dev', markers.sealed), gzip: true });
      const next = (await api.ok<{ version: number }>('GET', base)).version;
      assert.ok(isSealedObject(await objects.get(checkpoint(next))));
      assert.deepEqual(await objects.get(checkpoint(legacyVersion)), legacy, 'the legacy object is left as it was');
    });
  });
}
