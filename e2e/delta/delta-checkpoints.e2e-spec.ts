import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PulumiCli, tempDir } from '@stackyard/testing';
import { RawApi } from '../robustness/support/raw-api';
import { apiLogText, countOccurrences, type ExportedDeployment, normalizeExportedState } from '../support/exported-state';
import { runProgram } from '../support/program';
import type { RunnerRequest } from '../support/program-runner';
import { UPLOAD_MODE_ENV } from '../support/upload-mode';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';

/**
 * Delta checkpoint uploads (pulumi-protocol.md §3.5, capability `delta-checkpoint-uploads-v2`)
 * with the real CLI. One suite offers deltas (journaling off) with a cutoff small enough that the
 * CLI sends deltas from its second save on; a second suite offers neither (plain `checkpoint`
 * PATCHes). The same program runs on both and every exported state must
 * be the same once the values that legitimately differ between runs are masked.
 */

const PROJECT = 'e2e-delta';
const STACK = 'dev';
const DB_PASSWORD = 'delta password';
const DELTA_ENV = { ...UPLOAD_MODE_ENV.delta, STACKYARD_CHECKPOINT_CUTOFF_BYTES: '2048' };
/** The operations both sides run, in order: create, delete some, update all, destroy. */
const STEPS: Array<{ name: string; op: RunnerRequest['op']; resources: number; generation: number }> = [
  { name: 'up: 34 resources', op: 'up', resources: 34, generation: 1 },
  { name: 'up: 4 resources removed', op: 'up', resources: 30, generation: 1 },
  { name: 'up: every resource updated', op: 'up', resources: 30, generation: 2 },
  { name: 'destroy', op: 'destroy', resources: 30, generation: 2 },
];

interface Side {
  started: StartedSuite;
  cli: PulumiCli;
  projectDir: string;
  states: unknown[];
}

async function prepare(started: StartedSuite, binary: string): Promise<Side> {
  const projectDir = tempDir('stackyard-e2e-delta-project');
  writeFileSync(join(projectDir, 'Pulumi.yaml'), `name: ${PROJECT}\nruntime: nodejs\ndescription: Stackyard delta checkpoints\n`);
  const cli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: started.suite.adminToken, cwd: projectDir });
  await cli.login(started.suite.apiUrl);
  await cli.ok(['stack', 'init', `${started.suite.org}/${PROJECT}/${STACK}`]);
  await cli.ok(['config', 'set', '--secret', 'dbPassword', DB_PASSWORD]);
  return { started, cli, projectDir, states: [] };
}

async function runStep(side: Side, step: (typeof STEPS)[number]): Promise<void> {
  const r = await runProgram(side.cli, {
    op: step.op,
    projectName: PROJECT,
    stackName: `${side.started.suite.org}/${PROJECT}/${STACK}`,
    program: { resources: step.resources, generation: step.generation },
  });
  assert.equal(r.result, 'succeeded', `${step.name}: ${r.result}`);
  const exported = await side.cli.json<ExportedDeployment>(['stack', 'export']);
  side.states.push(normalizeExportedState(exported, { projectDir: side.projectDir, apiUrl: side.started.suite.apiUrl }));
}

for (const mode of selectedModes()) {
  void describe(`delta checkpoint uploads with the real CLI — ${MODE_TITLES[mode]}`, { timeout: 20 * 60_000 }, () => {
    let on: Side;
    let off: Side;
    let raw: RawApi;

    before(async () => {
      const [binary, deltaSuite, plainSuite] = await Promise.all([
        PulumiCli.binaryPath(),
        startSuiteInMode(mode, { extraEnv: DELTA_ENV }),
        startSuiteInMode(mode, { extraEnv: UPLOAD_MODE_ENV.checkpoint }),
      ]);
      [on, off] = await Promise.all([prepare(deltaSuite, binary), prepare(plainSuite, binary)]);
      raw = new RawApi(on.started.suite.apiUrl, readFileSync(on.started.suite.caFile), on.started.suite.adminToken);
    });

    after(async () => {
      await Promise.all([on?.started.stop(), off?.started.stop()]);
    });

    void it('advertises delta-checkpoint-uploads-v2 with the configured cutoff only when enabled', async () => {
      const caps = await raw.ok<{ capabilities: Array<{ capability: string; version?: number; configuration?: Record<string, unknown> }> }>('GET', '/api/capabilities', {
        authorization: null,
      });
      const delta = caps.capabilities.find((c) => c.capability === 'delta-checkpoint-uploads-v2');
      assert.deepEqual(delta, { capability: 'delta-checkpoint-uploads-v2', version: 2, configuration: { checkpointCutoffSizeBytes: 2048 } });
      const plain = new RawApi(off.started.suite.apiUrl, readFileSync(off.started.suite.caFile), off.started.suite.adminToken);
      const offCaps = await plain.ok<{ capabilities: Array<{ capability: string }> }>('GET', '/api/capabilities', { authorization: null });
      assert.deepEqual(
        offCaps.capabilities.map((c) => c.capability),
        ['batch-encrypt', 'deployment-schema-version'],
      );
    });

    for (const [i, step] of STEPS.entries()) {
      void it(`${step.name}: the same state with and without deltas`, async () => {
        await Promise.all([runStep(on, step), runStep(off, step)]);
        assert.deepEqual(on.states[i], off.states[i]);
      });
    }

    void it('the CLI really sent deltas, and the api applied every one of them', (t) => {
      const log = apiLogText(on.started);
      const applied = countOccurrences(log, 'checkpoint delta applied');
      const rejected = countOccurrences(log, 'checkpoint delta rejected');
      const verbatim = countOccurrences(log, 'checkpoint verbatim stored');
      t.diagnostic(`api log: ${verbatim} verbatim uploads, ${applied} deltas applied, ${rejected} refused`);
      assert.ok(applied >= 30, `expected many applied deltas, got ${applied} (verbatim ${verbatim})`);
      assert.equal(rejected, 0, `the api refused ${rejected} deltas:\n${log.split('\n').filter((l) => l.includes('checkpoint delta rejected')).slice(0, 5).join('\n')}`);
      assert.ok(verbatim >= STEPS.length, `each update starts with a verbatim upload (${verbatim})`);
      const plainLog = apiLogText(off.started);
      assert.equal(countOccurrences(plainLog, 'checkpoint delta') + countOccurrences(plainLog, 'checkpoint verbatim'), 0, 'with the flag off the CLI only sends plain checkpoints');
    });

    void it('continues an update across api replicas from the stored baseline (raw protocol)', async () => {
      const { suite } = on.started;
      const replica = await suite.startExtraApi({ extraEnv: DELTA_ENV });
      const other = raw.withBase(replica.url);
      const base = `/api/stacks/${suite.org}/raw-delta/replicas`;
      await raw.ok('POST', `/api/stacks/${suite.org}/raw-delta`, { body: { stackName: 'replicas' } });
      const { updateID } = await raw.ok<{ updateID: string }>('POST', `${base}/update`, { body: { options: { dryRun: false } } });
      const { token, version } = await raw.ok<{ token: string; version: number }>('POST', `${base}/update/${updateID}`, { body: {} });
      const auth = { authorization: `update-token ${token}`, gzip: true };
      const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      const res = (n: string, note: string) => `{"urn":"urn:pulumi:replicas::raw-delta::e2e:Thing::${n}","custom":true,"type":"e2e:Thing","outputs":{"note":"${note}"}}`;
      const text = (rs: string[]) => Buffer.from(`{"version":3,"deployment":{"manifest":{"time":"t","magic":"m","version":"v"},"metadata":{},"resources":[${rs.join(',')}]}}`, 'utf8');
      const edit = (before: Buffer, oldJson: string, newJson: string) => {
        const start = before.indexOf(Buffer.from(oldJson));
        const end = start + Buffer.byteLength(oldJson);
        return {
          after: Buffer.concat([before.subarray(0, start), Buffer.from(newJson), before.subarray(end)]),
          delta: [{ Span: { uri: '', start: { line: 1, column: 1, offset: start }, end: { line: 1, column: 1, offset: end } }, NewText: newJson }],
        };
      };
      const patchDelta = (api: RawApi, delta: unknown, hash: string, seq: number) =>
        api.call('PATCH', `${base}/update/${updateID}/checkpointdelta`, { ...auth, body: { version: 3, checkpointHash: hash, sequenceNumber: seq, deploymentDelta: delta } });

      const v1 = text([res('a', 'ünï \\u003c'), res('b', 'one')]);
      const verbatim = Buffer.concat([Buffer.from('{"version":3,"untypedDeployment":'), v1, Buffer.from(',"sequenceNumber":1}')]);
      assert.equal((await raw.call('PATCH', `${base}/update/${updateID}/checkpointverbatim`, { ...auth, body: verbatim })).status, 200);

      // Replica two has never seen this update: it reads the baseline back from the object store.
      const step2 = edit(v1, res('b', 'one'), res('b', 'two ✓'));
      let r = await patchDelta(other, step2.delta, sha(step2.after), 2);
      assert.equal(r.status, 200, r.text);
      // The CLI retrying that delta against replica one (whose cache is older) is still a success.
      r = await patchDelta(raw, step2.delta, sha(step2.after), 2);
      assert.equal(r.status, 200, r.text);
      const step3 = edit(step2.after, res('a', 'ünï \\u003c'), res('a', 'three'));
      r = await patchDelta(other, step3.delta, sha(step3.after), 3);
      assert.equal(r.status, 200, r.text);

      // Refusals are 4xx with the Pulumi error body, so the CLI falls back to verbatim.
      r = await patchDelta(raw, step3.delta, sha(Buffer.from('not it')), 4);
      assert.equal(r.status, 409);
      assert.equal((JSON.parse(r.text) as { code: number }).code, 409);
      r = await patchDelta(raw, [], sha(step3.after), 9);
      assert.equal(r.status, 409);

      const exported = await other.call('GET', `${base}/export`, { headers: { 'accept-encoding': 'identity' } });
      assert.equal(exported.status, 200);
      assert.ok(exported.body.equals(step3.after), `the head is the delta result byte for byte:\n${exported.text}`);
      const stack = await raw.ok<{ version: number }>('GET', base);
      assert.equal(stack.version, version);
      await raw.ok('POST', `${base}/update/${updateID}/complete`, { authorization: `update-token ${token}`, body: { status: 'succeeded' } });
      // A finished update's token writes nothing more.
      r = await patchDelta(raw, [], sha(step3.after), 4);
      assert.equal(r.status, 409);
      await replica.stop();
    });
  });
}
