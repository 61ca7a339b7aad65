import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Suite } from '@stackyard/shared-launcher';
import { type PulumiCli, tempDir } from '@stackyard/testing';
import { ORG, rawApi, request, runnerEnv, timed, waitFor } from './harness';
import { exportedUrns } from './raw-api';
import { runOperation, startOperation, type RobustRunResult } from './robust-runner';

/** What the CLI prints when `start` answers 409 (the Automation API matches the same text). */
export const CONFLICT_TEXT = '[409] Conflict: Another update is currently in progress.';

const GATE_WAIT_MS = 120_000;

/**
 * Two `pulumi up` of one stack at once, the first through `urls[0]`, the second through `urls[1]`
 * (the same url twice for one api process). Each program's first create blocks until the test
 * releases it, so whichever update takes the stack holds it while the other one tries: the loser
 * must fail with the CLI's conflicting-update error, the winner must then finish.
 */
export async function competingUps(suite: Suite, cli: PulumiCli, project: string, urls: [string, string]): Promise<void> {
  const stack = 'shared';
  // The stack exists with state before the race (no `stack init` race between the two).
  await runOperation(runnerEnv(cli, urls[0]), request(cli, project, stack, { program: { resources: 0 } }));

  const gates = tempDir('stackyard-robust-gate');
  const releaseFile = join(gates, 'release');
  const gate = (who: string) => ({ index: 0, startedFile: join(gates, `started-${who}`), releaseFile, maxWaitMs: GATE_WAIT_MS });
  const ops = (['a', 'b'] as const).map((who, i) =>
    startOperation(runnerEnv(cli, urls[i]), request(cli, project, stack, { program: { resources: 2, gate: gate(who) } })),
  );
  let released = false;
  const release = () => {
    if (!released) writeFileSync(releaseFile, 'go');
    released = true;
  };
  try {
    // The first to finish must be the loser, while the winner is still blocked in its create.
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), GATE_WAIT_MS - 10_000).unref());
    const first = await Promise.race([...ops.map((op, i) => op.result.then((r) => ({ i, r }))), timeout]);
    assert.notEqual(first, 'timeout', 'neither update ended while both were running: the two updates did not conflict');
    const { i: loserIndex, r: loser } = first as { i: number; r: RobustRunResult };
    const winnerIndex = 1 - loserIndex;
    assert.equal(loser.ok, false, `the first update to end should have been refused, but it succeeded:\n${ops[loserIndex].output().slice(-3_000)}`);
    assert.ok(loser.error?.includes(CONFLICT_TEXT), `the loser failed, but not with "${CONFLICT_TEXT}":\n${loser.error}`);
    assert.equal(loser.concurrentUpdate, true, 'the Automation API recognised the CLI error as ConcurrentUpdateError');
    // The winner holds the stack and reaches its (blocked) create; the loser never created anything.
    await waitFor('the winner to reach its first create', () => (existsSync(gate(winnerIndex === 0 ? 'a' : 'b').startedFile) ? true : undefined), 60_000);
    assert.equal(ops[winnerIndex].child.exitCode, null, 'the winner is still running');
    assert.ok(!existsSync(gate(loserIndex === 0 ? 'a' : 'b').startedFile), 'the loser never got to create anything');

    release();
    const winner = await ops[winnerIndex].result;
    assert.equal(winner.ok, true, `the winning update failed: ${winner.error}`);
    assert.equal(winner.resourceChanges?.['create'], 2, 'the winner created both items');
  } finally {
    release();
    await Promise.all(ops.map((op) => op.result));
  }

  // The stack is free again and its history has exactly the two successful updates.
  const api = rawApi(suite);
  const base = `/api/stacks/${ORG}/${project}/${stack}`;
  const info = await api.ok<{ currentOperation?: unknown; version: number }>('GET', base);
  assert.equal(info.currentOperation, undefined, 'no update holds the stack any more');
  const { updates } = await api.ok<{ updates: Array<{ result: string; version: number }> }>('GET', `${base}/updates`);
  assert.deepEqual(
    updates.map((u) => u.result),
    ['succeeded', 'succeeded'],
    'history: the seed and the winner, nothing from the refused update',
  );
  const exported = await api.call('GET', `${base}/export`);
  assert.equal(exported.status, 200);
  const items = exportedUrns(exported.text).filter((u) => /::item-\d+$/.test(u));
  assert.equal(items.length, 2, 'the state holds the winner’s two items once each');
}

/** `count` `pulumi up` on `count` different stacks at once, spread over `urls`: all succeed. */
export async function parallelUps(suite: Suite, cli: PulumiCli, project: string, count: number, urls: string[]): Promise<void> {
  const ops = Array.from({ length: count }, (_, i) =>
    startOperation(runnerEnv(cli, urls[i % urls.length]), request(cli, project, `s${i}`, { program: { resources: 2, createDelayMs: 100 } })),
  );
  const results = await timed(`${count} parallel ups (${project})`, () => Promise.all(ops.map((op) => op.result)));
  const failed = results.map((r, i) => ({ r, i })).filter(({ r }) => !r.ok);
  assert.deepEqual(
    failed.map(({ i, r }) => `s${i}: ${r.error?.slice(0, 2_000)}`),
    [],
    'every update on its own stack succeeded',
  );
  for (const r of results) assert.equal(r.resourceChanges?.['create'], 3, 'stack + 2 items created');
  // Overlap check: the updates really ran at the same time.
  const latestStart = Math.max(...results.map((r) => r.startedAt));
  const earliestEnd = Math.min(...results.map((r) => r.endedAt));
  assert.ok(latestStart < earliestEnd, 'all runners were alive at the same moment');

  const api = rawApi(suite);
  const { stacks } = await api.ok<{ stacks: Array<{ projectName: string; resourceCount?: number }> }>('GET', `/api/user/stacks?organization=${ORG}&project=${project}`);
  assert.equal(stacks.length, count, 'every stack exists');
  for (const s of stacks) assert.equal(s.resourceCount, 4, 'each stack holds its stack resource, provider and 2 items');
}
