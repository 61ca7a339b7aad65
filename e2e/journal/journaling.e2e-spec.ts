import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PulumiCli, tempDir } from '@stackyard/testing';
import { RawApi } from '../robustness/support/raw-api';
import { apiLogText, countOccurrences, type ExportedDeployment, normalizeExportedState } from '../support/exported-state';
import { killMidUpdate } from '../support/kill-mid-update';
import { runProgram } from '../support/program';
import type { RunnerRequest } from '../support/program-runner';
import type { WorkflowProgramSpec } from '../support/workflow-program';
import { UPLOAD_MODE_ENV } from '../support/upload-mode';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';

/**
 * Journaling uploads (pulumi-protocol.md §3.6) with the real CLI. One suite runs with
 * STACKYARD_JOURNALING=true, so every non-dry-run start the CLI makes is answered with
 * `journalVersion: 1` and the CLI sends journal entries instead of checkpoints; a second suite has
 * journaling and deltas switched off (plain checkpoints). The same operations run on both and
 * every exported state must be the same once the values that legitimately differ between runs
 * are masked.
 */

const PROJECT = 'e2e-journal';
const STACK = 'dev';
const DB_PASSWORD = 'journal password';
const MAX_BATCH_BYTES = 1024 * 1024;
const JOURNAL_ENV = { ...UPLOAD_MODE_ENV.journal, STACKYARD_JOURNAL_MAX_BATCH_BYTES: String(MAX_BATCH_BYTES) };
/** Create, remove some and relabel some, refresh, update all, destroy. */
const STEPS: Array<{ name: string; op: RunnerRequest['op']; program: WorkflowProgramSpec }> = [
  { name: 'up: 34 resources', op: 'up', program: { resources: 34, generation: 1 } },
  { name: 'up: 4 removed, 5 relabelled', op: 'up', program: { resources: 30, generation: 1, relabel: [1, 7, 13, 21, 29] } },
  { name: 'refresh', op: 'refresh', program: { resources: 30, generation: 1, relabel: [1, 7, 13, 21, 29] } },
  { name: 'up: every resource updated', op: 'up', program: { resources: 30, generation: 2 } },
  { name: 'destroy', op: 'destroy', program: { resources: 30, generation: 2 } },
];

interface Side {
  started: StartedSuite;
  cli: PulumiCli;
  projectDir: string;
  states: unknown[];
}

async function prepare(started: StartedSuite, binary: string): Promise<Side> {
  const projectDir = tempDir('stackyard-e2e-journal-project');
  writeFileSync(join(projectDir, 'Pulumi.yaml'), `name: ${PROJECT}\nruntime: nodejs\ndescription: Stackyard journaling\n`);
  const cli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: started.suite.adminToken, cwd: projectDir });
  await cli.login(started.suite.apiUrl);
  await cli.ok(['stack', 'init', `${started.suite.org}/${PROJECT}/${STACK}`]);
  await cli.ok(['config', 'set', '--secret', 'dbPassword', DB_PASSWORD]);
  return { started, cli, projectDir, states: [] };
}

async function runStep(side: Side, step: (typeof STEPS)[number]): Promise<void> {
  const r = await runProgram(side.cli, { op: step.op, projectName: PROJECT, stackName: `${side.started.suite.org}/${PROJECT}/${STACK}`, program: step.program });
  assert.equal(r.result, 'succeeded', `${step.name}: ${r.result}`);
  const exported = await side.cli.json<ExportedDeployment>(['stack', 'export']);
  side.states.push(normalizeExportedState(exported, { projectDir: side.projectDir, apiUrl: side.started.suite.apiUrl }));
}

const itemsOf = (state: ExportedDeployment) => (state.deployment.resources ?? []).map((r) => r.urn).filter((u) => /::item-\d+$/.test(u));

/**
 * Starts an `up` of 30 items whose item 20 blocks in create, waits until the rest are in the stored
 * state, SIGKILLs the CLI (runner, engine, provider), then `pulumi cancel`, `refresh` and `up`.
 * Returns the final state, normalised.
 */
async function killAndRecover(side: Side): Promise<unknown> {
  const { suite } = side.started;
  const { cli } = side;
  const stack = `${suite.org}/${PROJECT}/crash`;
  const RESOURCES = 30;
  const program = { resources: RESOURCES, generation: 1 };
  const raw = new RawApi(suite.apiUrl, readFileSync(suite.caFile), suite.adminToken);
  await cli.ok(['stack', 'init', stack]);
  await cli.ok(['config', 'set', '--secret', 'dbPassword', DB_PASSWORD, '--stack', stack]);
  const dir = tempDir('stackyard-e2e-journal-kill');
  const partial = await killMidUpdate({
    cli,
    projectName: PROJECT,
    stackName: stack,
    program,
    blockIndex: 20,
    dir,
    readStoredState: () => raw.ok<ExportedDeployment>('GET', `/api/stacks/${suite.org}/${PROJECT}/crash/export`),
    settled: (state) => itemsOf(state).length >= RESOURCES - 1,
  });
  assert.equal(itemsOf(partial).length, RESOURCES - 1, 'every acknowledged create is in the state');
  assert.equal(partial.deployment.pending_operations?.length, 1, 'the blocked create is a pending operation');

  const cancel = await cli.ok(['cancel', '--yes', '--stack', stack]);
  assert.match(cancel.stdout, /has been canceled/);
  const refresh = await runProgram(cli, { op: 'refresh', projectName: PROJECT, stackName: stack, program });
  assert.equal(refresh.result, 'succeeded');
  const again = await runProgram(cli, { op: 'up', projectName: PROJECT, stackName: stack, program });
  assert.equal(again.result, 'succeeded');
  assert.equal(again.resourceChanges?.['create'], 1, `only the interrupted item is created: ${JSON.stringify(again.resourceChanges)}`);
  const final = await cli.json<ExportedDeployment>(['stack', 'export', '--stack', stack]);
  assert.equal(itemsOf(final).length, RESOURCES, 'the final state holds every item');
  assert.equal(new Set(itemsOf(final)).size, RESOURCES, 'each item exactly once');
  // The pending create of the interrupted item keeps its inputs, which name this run's files.
  return JSON.parse(JSON.stringify(normalizeExportedState(final, { projectDir: side.projectDir, apiUrl: suite.apiUrl })).split(dir).join('<kill-dir>')) as unknown;
}

for (const mode of selectedModes()) {
  void describe(`journaling with the real CLI — ${MODE_TITLES[mode]}`, { timeout: 20 * 60_000 }, () => {
    let on: Side;
    let off: Side;
    let raw: RawApi;

    before(async () => {
      const [binary, journalSuite, plainSuite] = await Promise.all([PulumiCli.binaryPath(), startSuiteInMode(mode, { extraEnv: JOURNAL_ENV }), startSuiteInMode(mode, { extraEnv: UPLOAD_MODE_ENV.checkpoint })]);
      [on, off] = await Promise.all([prepare(journalSuite, binary), prepare(plainSuite, binary)]);
      raw = new RawApi(on.started.suite.apiUrl, readFileSync(on.started.suite.caFile), on.started.suite.adminToken);
    });

    after(async () => {
      await Promise.all([on?.started.stop(), off?.started.stop()]);
    });

    for (const [i, step] of STEPS.entries()) {
      void it(`${step.name}: the same state with and without journaling`, async () => {
        await Promise.all([runStep(on, step), runStep(off, step)]);
        assert.deepEqual(on.states[i], off.states[i]);
      });
    }

    void it('the CLI really sent journal entries, and the api applied every batch', (t) => {
      const log = apiLogText(on.started);
      const applied = countOccurrences(log, 'journal entries applied');
      const rejected = countOccurrences(log, 'journal entries rejected');
      t.diagnostic(`api log: ${applied} journal batches applied, ${rejected} refused`);
      assert.ok(applied >= STEPS.length, `expected journal batches for every update, got ${applied}`);
      assert.equal(rejected, 0, `the api refused ${rejected} batches:\n${log.split('\n').filter((l) => l.includes('journal entries rejected')).slice(0, 5).join('\n')}`);
      const plainLog = apiLogText(off.started);
      assert.equal(countOccurrences(plainLog, 'journal entries'), 0, 'with the flag off the CLI only sends checkpoints');
    });

    void it('grants journalVersion 1 only to non-dry-run starts that ask; refuses bad and oversized batches (raw protocol)', async () => {
      const { suite } = on.started;
      const plain = new RawApi(off.started.suite.apiUrl, readFileSync(off.started.suite.caFile), off.started.suite.adminToken);
      const begin = async (api: RawApi, stack: string, dryRun: boolean, journalVersion?: number) => {
        const base = `/api/stacks/${suite.org}/raw-journal/${stack}`;
        if ((await api.call('GET', base)).status === 404) await api.ok('POST', `/api/stacks/${suite.org}/raw-journal`, { body: { stackName: stack } });
        const { updateID } = await api.ok<{ updateID: string }>('POST', `${base}/${dryRun ? 'preview' : 'update'}`, { body: { options: { dryRun } } });
        const started = await api.ok<{ token: string; journalVersion?: number }>('POST', `${base}/update/${updateID}`, { body: journalVersion === undefined ? {} : { journalVersion } });
        return { base, updateID, ...started };
      };
      const finish = (api: RawApi, u: { base: string; updateID: string; token: string }) =>
        api.ok('POST', `${u.base}/update/${u.updateID}/complete`, { authorization: `update-token ${u.token}`, body: { status: 'succeeded' } });

      const notAsked = await begin(raw, 'granted', false);
      assert.equal(notAsked.journalVersion, undefined);
      await finish(raw, notAsked);
      const preview = await begin(raw, 'granted', true, 1);
      assert.equal(preview.journalVersion, undefined, 'previews write no state');
      await finish(raw, preview);
      const offStart = await begin(plain, 'granted', false, 1);
      assert.equal(offStart.journalVersion, undefined, 'journaling switched off');
      const offPatch = await plain.call('PATCH', `${offStart.base}/update/${offStart.updateID}/journalentries`, {
        authorization: `update-token ${offStart.token}`,
        gzip: true,
        body: { entries: [{ version: 1, kind: 0, sequenceID: 1 }] },
      });
      assert.equal(offPatch.status, 404);
      await finish(plain, offStart);

      const u = await begin(raw, 'granted', false, 1);
      assert.equal(u.journalVersion, 1);
      const patch = (body: unknown) => raw.call('PATCH', `${u.base}/update/${u.updateID}/journalentries`, { authorization: `update-token ${u.token}`, gzip: true, body });
      const thing = { urn: `urn:pulumi:granted::raw-journal::e2e:Thing::a`, custom: true, type: 'e2e:Thing', id: 'a-1', outputs: {} };
      let r = await patch({ entries: [{ version: 1, kind: 1, sequenceID: 1, operationID: 1, state: thing }] });
      assert.equal(r.status, 200, r.text);
      r = await patch({ entries: [{ version: 1, kind: 1, sequenceID: 1, operationID: 1, state: thing }] });
      assert.equal(r.status, 200, 'a retried batch succeeds');
      r = await patch({ entries: [{ version: 1, kind: 1, sequenceID: 1, operationID: 1, state: { ...thing, id: 'other' } }] });
      assert.equal(r.status, 409, r.text);
      assert.equal((JSON.parse(r.text) as { code: number }).code, 409);
      r = await patch({ entries: [{ kind: 1 }] });
      assert.equal(r.status, 400, r.text);
      assert.equal((JSON.parse(r.text) as { code: number }).code, 400);
      const big = { version: 1, kind: 4, sequenceID: 2, operationID: 2, removeNew: 1, state: { ...thing, outputs: { pad: 'x'.repeat(MAX_BATCH_BYTES) } } };
      r = await patch({ entries: [big] });
      assert.equal(r.status, 413, 'an oversized batch is a 413, which makes the CLI halve it');
      const state = await raw.ok<ExportedDeployment>('GET', `${u.base}/export`);
      assert.deepEqual(itemsOf(state), [], 'not an item');
      assert.deepEqual(
        (state.deployment.resources ?? []).map((res) => res.urn),
        [thing.urn],
      );
      await finish(raw, u);
    });

    void it('a CLI killed mid-update leaves a state that cancel + refresh + up accept, the same as with checkpoints', async () => {
      const [journaled, plain] = await Promise.all([killAndRecover(on), killAndRecover(off)]);
      assert.deepEqual(journaled, plain);
    });
  });
}
