import { parentPort } from 'node:worker_threads';
import { openBatch, packBuffers, sealBatch, unpackBuffers } from '@stackyard/secrets-domain';
import type { CipherAnswer, CipherTask } from './value-cipher.messages';

/**
 * A cipher worker thread of the secrets service (see value-cipher-pool.ts): opens or seals one part
 * of a large batch while the service's main thread does another. It holds no state between tasks;
 * the data keys arrive with each task and are dropped with it.
 */
function run(task: CipherTask): { answer: CipherAnswer; transfer: ArrayBuffer[] } {
  const values = unpackBuffers(task);
  if (task.op === 'open') {
    const outcome = openBatch(new Map(task.keys), task.stackId, values);
    if (!outcome.ok) return { answer: { id: task.id, ok: false, index: outcome.index, reason: outcome.reason }, transfer: [] };
    return answerWith(task.id, outcome.values);
  }
  return answerWith(task.id, sealBatch(task.key, task.keyVersion, task.stackId, values));
}

function answerWith(id: number, values: Buffer[]): { answer: CipherAnswer; transfer: ArrayBuffer[] } {
  const packed = packBuffers(values);
  return { answer: { id, ok: true, ...packed }, transfer: [packed.data.buffer as ArrayBuffer, packed.lengths.buffer as ArrayBuffer] };
}

parentPort?.on('message', (task: CipherTask) => {
  try {
    const { answer, transfer } = run(task);
    parentPort!.postMessage(answer, transfer);
  } catch (error) {
    // Never a value or key in the message: only what kind of fault it was.
    parentPort!.postMessage({ id: task.id, fault: (error as Error).name || 'Error' } satisfies CipherAnswer);
  }
});
