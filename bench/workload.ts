import type { OpMap } from '@pulumi/pulumi/automation';
import { type WorkloadBackend, PROJECT } from './backends';
import { errorText, progress, seconds } from './log';
import { type BenchOptions, maxSizeOf } from './options';
import { runOperation } from './program/start-runner';
import type { OpMeasurement, ResultsRecorder, WorkloadOp } from './results';

/** The seed of every resource's padding: all backends store byte-identical outputs. */
export const PAYLOAD_SEED = 'stackyard-bench-v1';

export function runsAtSize(backend: WorkloadBackend, size: number, options: BenchOptions): boolean {
  return size <= maxSizeOf(backend.id, options);
}

const changed = (changes: OpMap | undefined) => Object.entries(changes ?? {}).filter(([kind, n]) => kind !== 'same' && (n ?? 0) > 0);

async function operation(backend: WorkloadBackend, size: number, op: WorkloadOp, options: BenchOptions): Promise<OpMeasurement> {
  const result = await runOperation({
    cli: backend.cli,
    env: backend.env,
    timeoutMs: options.opTimeoutMs,
    request: {
      op: op === 'destroy' ? 'destroy' : 'up',
      projectName: PROJECT,
      stackName: backend.stackName(size),
      workDir: backend.projectDir,
      program: { resources: size, payloadBytes: options.payloadBytes, seed: PAYLOAD_SEED },
      parallel: options.parallel,
    },
  });
  const measurement: OpMeasurement = { ok: result.ok, ms: result.cliMs, automationMs: result.automationMs, changes: result.resourceChanges };
  if (!result.ok) return { ...measurement, error: result.error };
  // Each operation must have done exactly its job, or its time means something else.
  const creates = result.resourceChanges?.['create'] ?? 0;
  const deletes = result.resourceChanges?.['delete'] ?? 0;
  if (op === 'up' && creates < size) return { ...measurement, ok: false, error: `expected ${size} creates, got ${JSON.stringify(result.resourceChanges)}` };
  if (op === 'noop' && changed(result.resourceChanges).length > 0) return { ...measurement, ok: false, error: `not a no-op: ${JSON.stringify(result.resourceChanges)}` };
  if (op === 'destroy' && deletes < size) return { ...measurement, ok: false, error: `expected ${size} deletes, got ${JSON.stringify(result.resourceChanges)}` };
  return measurement;
}

async function recordStateBytes(backend: WorkloadBackend, size: number, recorder: ResultsRecorder): Promise<void> {
  if (recorder.results.stateBytes[String(size)] !== undefined) return;
  const exported = await backend.cli.run(['stack', 'export', '--stack', backend.stackName(size)], { env: backend.env, timeoutMs: 600_000 });
  if (exported.code === 0) recorder.results.stateBytes[String(size)] = Buffer.byteLength(exported.stdout);
}

/**
 * One backend at one size: a fresh stack, `up` (N creates), `up` again (no changes), `destroy`,
 * each timed as the wall clock of the `pulumi` process; then the stack is removed. Failures are
 * recorded, never thrown.
 */
export async function runWorkloadCell(backend: WorkloadBackend, size: number, options: BenchOptions, recorder: ResultsRecorder): Promise<void> {
  const cell = recorder.cell(backend.id, size);
  const label = `${backend.id} N=${size}`;
  try {
    await backend.initStack(size);
  } catch (error) {
    cell.error = `stack init failed: ${errorText(error)}`;
    recorder.save();
    progress(`${label}: ${cell.error.split('\n')[0]}`);
    return;
  }
  let upOk = false;
  for (const op of ['up', 'noop', 'destroy'] as const) {
    if (op !== 'up' && !upOk) {
      cell.ops[op] = { ok: false, error: 'not run: the create failed' };
      continue;
    }
    progress(`${label}: ${op}…`);
    const measured = await operation(backend, size, op, options);
    cell.ops[op] = measured;
    recorder.save();
    progress(`${label}: ${op} ${measured.ok ? seconds(measured.ms) : `FAILED: ${(measured.error ?? '').split('\n')[0]}`}`);
    if (op === 'up') {
      upOk = measured.ok;
      if (upOk) {
        await recordStateBytes(backend, size, recorder).catch(() => undefined);
        recorder.save();
      }
    }
  }
  if (!upOk) {
    // Leave nothing behind for the next size: a failed create may have made some resources.
    await operation(backend, size, 'destroy', options).catch(() => undefined);
  }
  await backend.removeStack(size).catch(() => undefined);
}
