import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PulumiCli } from '@stackyard/testing';
import type { ExportedDeployment } from './exported-state';
import { startProgram } from './program';
import type { WorkflowProgramSpec } from './workflow-program';

export interface KillMidUpdateOptions {
  cli: PulumiCli;
  projectName: string;
  /** The stack as the CLI names it (`org/project/stack` on Stackyard, `stack` on a file:// backend). */
  stackName: string;
  /** What the update deploys; the create of `blockIndex` (a new item) is made to hang. */
  program: WorkflowProgramSpec;
  blockIndex: number;
  /** Where the blocking item's marker files go (they appear in its inputs, so in the pending operation). */
  dir: string;
  /**
   * The state as the backend stores it right now, read without the CLI (whose `stack export`
   * could wait for the running update): e.g. the api's export route, or a file:// backend's file.
   * Undefined while there is none.
   */
  readStoredState(): Promise<ExportedDeployment | undefined>;
  /** True once the stored state holds every change of the update except the blocked create. */
  settled(state: ExportedDeployment): boolean;
  /** How long to wait for `settled` before killing anyway (the caller asserts on the result). Default 30 s. */
  settleTimeoutMs?: number;
}

/**
 * A `pulumi up` killed mid-update, the way a crashed machine or `kill -9` of a CI job ends it: the
 * create of one new item blocks, the test waits until everything else the update did is in the
 * stored state, then SIGKILLs the runner, the CLI, the language host and the dynamic provider at
 * once, and releases the blocked provider (so nothing lingers). Returns `pulumi stack export` of
 * what was left behind; the update's lock is still held (`pulumi cancel` releases it).
 */
export async function killMidUpdate(options: KillMidUpdateOptions): Promise<ExportedDeployment> {
  const { cli, dir } = options;
  const startedFile = join(dir, 'started');
  const releaseFile = join(dir, 'release');
  const stuck = startProgram(cli, {
    op: 'up',
    projectName: options.projectName,
    stackName: options.stackName,
    program: { ...options.program, block: { index: options.blockIndex, startedFile, releaseFile } },
  });
  try {
    const deadline = Date.now() + 120_000;
    while (!existsSync(startedFile) && Date.now() < deadline && stuck.child.exitCode === null) await sleep(100);
    assert.ok(existsSync(startedFile), `the update never reached the blocking resource:\n${stuck.output().slice(-3_000)}`);
    // Let the rest of the update finish and be acknowledged, then kill the CLI.
    const settleDeadline = Date.now() + (options.settleTimeoutMs ?? 30_000);
    while (Date.now() < settleDeadline) {
      const state = await options.readStoredState();
      if (state && options.settled(state)) break;
      await sleep(200);
    }
  } finally {
    stuck.killTree();
  }
  const ended = await stuck.result;
  assert.equal(ended.ok, false, 'the killed update did not succeed');
  writeFileSync(releaseFile, 'go');
  return cli.json<ExportedDeployment>(['stack', 'export', '--stack', options.stackName]);
}
