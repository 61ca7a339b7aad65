import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ServiceHandle, Suite } from '@stackyard/shared-launcher';
import type { PulumiCli } from '@stackyard/testing';
import { ORG, cliFor, rawApi, request, runnerEnv, startEmbedded, startExternal, startExternalPeers, timed, waitFor, type ExternalPeers } from './support/harness';
import { exportedUrns } from './support/raw-api';
import { runOperation, startOperation } from './support/robust-runner';

/**
 * SIGKILL of the api in the middle of a `pulumi up` (docs/architecture.md: a checkpoint is stored
 * and made the head before the CLI gets its 200). A second api process on the same storage
 * watches the stack's export while the first one serves the update; once a few checkpoints are
 * in, the first api is killed. After its restart the state must contain everything that was
 * acknowledged, `pulumi cancel` must release the stack and a new `up` must finish the job.
 */

const RESOURCES = 30;
const KILL_AFTER_ITEMS = 8;

const itemsOf = (urns: string[]) => urns.filter((u) => /::item-\d+$/.test(u)).map((u) => u.slice(u.lastIndexOf('::') + 2));

async function crashMidUpdate(suite: Suite, watcher: ServiceHandle, cli: PulumiCli, project: string): Promise<void> {
  const stack = 'crash';
  const base = `/api/stacks/${ORG}/${project}/${stack}`;
  const watch = rawApi(suite, watcher.url);
  const req = request(cli, project, stack, { program: { resources: RESOURCES, createDelayMs: 200 }, parallel: 1 });
  const op = startOperation(runnerEnv(cli, suite.apiUrl), req);

  // Watch the acknowledged state through the other api process; kill the serving one mid-update.
  let lastSeen: string[] = [];
  await waitFor(
    `${KILL_AFTER_ITEMS} items in the stored state`,
    async () => {
      if (op.child.exitCode !== null) throw new Error(`the update ended before the api was killed:\n${op.output().slice(-3_000)}`);
      const res = await watch.call('GET', `${base}/export`);
      if (res.status === 404) return undefined; // the stack is not created yet
      assert.equal(res.status, 200, `export through the watching api: ${res.text.slice(0, 300)}`);
      lastSeen = exportedUrns(res.text);
      return itemsOf(lastSeen).length >= KILL_AFTER_ITEMS ? true : undefined;
    },
    90_000,
    25,
  );
  await suite.services.api.kill9();
  const seenItems = itemsOf(lastSeen);
  assert.ok(seenItems.length < RESOURCES, 'the api died in the middle of the update');

  // The CLI cannot reach its api any more: its update fails (after the client's retries).
  const outcome = await timed(`CLI gives up after the api died (${project})`, () => op.result);
  assert.equal(outcome.ok, false, 'the update could not finish without its api');
  const output = op.output();
  // Display order, deduplicated (the non-interactive display repeats status lines).
  const reported = [...new Set([...output.matchAll(/ (item-\d+) created\b/g)].map((m) => m[1]))];
  assert.ok(reported.length >= KILL_AFTER_ITEMS - 1, `the CLI reported items as created before the kill (${reported.length})`);

  await timed(`api restart (${project})`, () => suite.services.api.restart());

  // Everything the CLI was told was saved survived the crash.
  const exported = await cli.ok(['stack', 'export', '--stack', req.stackName], { cwd: req.workDir, env: { PULUMI_BACKEND_URL: suite.apiUrl } });
  const after = exportedUrns(exported.stdout);
  const missingSeen = lastSeen.filter((u) => !after.includes(u));
  assert.deepEqual(missingSeen, [], 'every resource of the last state observed before the kill is still there');
  const afterItems = itemsOf(after);
  // The engine prints "created" just before it saves the checkpoint of that step
  // (OnResourceStepPost emits the event, then SnapshotMutation.End), so with --parallel 1 only the
  // last item reported can be missing: the one whose checkpoint was in flight when the api died.
  const missingReported = reported.filter((name) => !afterItems.includes(name));
  assert.ok(
    missingReported.length === 0 || (missingReported.length === 1 && missingReported[0] === reported.at(-1)),
    `items the CLI reported as created are missing from the state: ${missingReported.join(', ')} (reported: ${reported.join(', ')}; stored: ${afterItems.join(', ')})\n${output.slice(-3_000)}`,
  );

  // The dead update still holds the stack (its lease is 5 minutes) until `pulumi cancel`.
  const api = rawApi(suite);
  const locked = await api.ok<{ currentOperation?: unknown }>('GET', base);
  assert.notEqual(locked.currentOperation, undefined, 'the interrupted update still holds the stack');
  const cancel = await cli.run(['cancel', '--yes', '--stack', req.stackName], { cwd: req.workDir, env: { PULUMI_BACKEND_URL: suite.apiUrl } });
  assert.equal(cancel.code, 0, `pulumi cancel failed:\n${cancel.stdout}\n${cancel.stderr}`);
  assert.match(cancel.stdout, /has been canceled/);

  // A new `up` completes the program.
  const again = await timed(`up after cancel (${project})`, () => runOperation(runnerEnv(cli, suite.apiUrl), { ...req, program: { resources: RESOURCES }, parallel: 8 }));
  assert.equal(again.result, 'succeeded');
  assert.ok((again.resourceChanges?.['create'] ?? 0) <= RESOURCES - afterItems.length + 1, 'items already in the state were not created again');
  const final = itemsOf(exportedUrns((await api.call('GET', `${base}/export`)).text));
  assert.equal(final.length, RESOURCES, 'the final state holds every item');
  assert.equal(new Set(final).size, RESOURCES, 'each item exactly once');

  const { updates } = await api.ok<{ updates: Array<{ result: string }> }>('GET', `${base}/updates`);
  assert.deepEqual(updates.map((u) => u.result), ['succeeded', 'failed'], 'history: the interrupted update failed, the new one succeeded');
}

describe('embedded (SQLite + disk)', () => {
  let suite: Suite;
  let watcher: ServiceHandle;
  let cli: PulumiCli;
  before(async () => {
    suite = await timed('embedded suite start', () => startEmbedded());
    watcher = await suite.startExtraApi();
    cli = await cliFor(suite);
  });
  after(async () => {
    await suite?.stop();
  });

  test('SIGKILL of the api mid-update loses no acknowledged checkpoint; cancel and a new up recover', { timeout: 300_000 }, async () => {
    await crashMidUpdate(suite, watcher, cli, 'crashembedded');
  });
});

describe('MariaDB + S3', () => {
  let peers: ExternalPeers;
  let suite: Suite;
  let watcher: ServiceHandle;
  let cli: PulumiCli;
  before(async () => {
    peers = await startExternalPeers();
    suite = await timed('external suite start', () => startExternal(peers, 'robust_crash'));
    watcher = await suite.startExtraApi();
    cli = await cliFor(suite);
  });
  after(async () => {
    await suite?.stop();
    await peers?.stop();
  });

  test('SIGKILL of the api mid-update loses no acknowledged checkpoint; cancel and a new up recover', { timeout: 300_000 }, async () => {
    await crashMidUpdate(suite, watcher, cli, 'crashexternal');
  });
});
