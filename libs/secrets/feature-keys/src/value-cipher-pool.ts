import type { KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type BatchOutcome, type DataKeysByVersion, openBatch, packBuffers, sealBatch, unpackBuffers } from '@stackyard/secrets-domain';
import { SECRETS_KEYS_OPTIONS, type SecretsKeysOptions } from './secrets-keys.options';
import type { CipherAnswer, CipherTask } from './value-cipher.messages';

/**
 * Below this many values per part a batch stays on one thread: handing a part to a worker costs
 * about 0.1–0.3 ms (copy, post, wake-up), what ~50 values cost to open.
 */
export const MIN_VALUES_PER_PART = 128;

/** Worker threads when not configured: one per core beyond the main thread's, at most three. */
export function defaultCipherWorkers(): number {
  return Math.max(0, Math.min(3, availableParallelism() - 1));
}

type Settled = Exclude<CipherAnswer, { fault: string }>;
type TaskBody = CipherTask extends infer T ? (T extends CipherTask ? Omit<T, 'id'> : never) : never;

/** One worker thread and the tasks it has been given; gone for good once it faults or exits. */
class CipherWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (answer: Settled) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  alive = true;

  constructor() {
    // No inherited --require hooks (the launcher's parent guard is for processes, not threads).
    this.worker = new Worker(join(__dirname, 'value-cipher.worker.js'), { execArgv: [] });
    this.worker.unref();
    this.worker.on('message', (answer: CipherAnswer) => {
      const waiting = this.pending.get(answer.id);
      this.pending.delete(answer.id);
      if ('fault' in answer) waiting?.reject(new Error(`cipher worker fault: ${answer.fault}`));
      else waiting?.resolve(answer);
    });
    this.worker.on('error', (error: Error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`cipher worker exited with code ${code}`)));
  }

  run(body: TaskBody): Promise<Settled> {
    const id = this.nextId++;
    return new Promise<Settled>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const task = { ...body, id };
      this.worker.postMessage(task, [task.data.buffer as ArrayBuffer, task.lengths.buffer as ArrayBuffer]);
    });
  }

  async terminate(): Promise<void> {
    this.alive = false;
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.alive = false;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

/**
 * Opens and seals large batches on several cores: the batch is cut into parts of about equal
 * bytes, the main thread does the first while worker threads do the others, and the outcome is
 * exactly what one thread would give — the values in order, or the first value that failed.
 *
 * Each value costs an AES-GCM context (~4–6 µs here, OpenSSL's set-up, not the bytes), so a
 * 1,000-value `batch-decrypt` is ~5 ms of CPU on one thread; the CLI asks for every secret of a
 * stack at once. A worker that faults or exits is replaced, and its part done on the main thread,
 * so a lost thread costs time, never a request.
 */
@Injectable()
export class ValueCipherPool implements OnModuleDestroy {
  private readonly size: number;
  private readonly workers: CipherWorker[] = [];
  private turn = 0;

  constructor(@Inject(SECRETS_KEYS_OPTIONS) options: SecretsKeysOptions) {
    this.size = options.cipherWorkers ?? defaultCipherWorkers();
  }

  /** The envelopes opened in order, or the index of the first that does not open and why. */
  async open(stackId: string, keys: DataKeysByVersion, envelopes: Buffer[]): Promise<BatchOutcome> {
    const keyList = [...keys.entries()];
    const outcomes = await this.inParts(
      envelopes,
      (part) => openBatch(keys, stackId, part),
      (packed) => ({ op: 'open', stackId, keys: keyList, ...packed }),
    );
    const values: Buffer[] = [];
    for (const { start, outcome } of outcomes) {
      if (!outcome.ok) return { ok: false, index: start + outcome.index, reason: outcome.reason };
      values.push(...outcome.values);
    }
    return { ok: true, values };
  }

  /** The plaintexts sealed in order with one data-key version. */
  async seal(stackId: string, key: KeyObject, keyVersion: number, plaintexts: Buffer[]): Promise<Buffer[]> {
    const outcomes = await this.inParts(
      plaintexts,
      (part) => ({ ok: true, values: sealBatch(key, keyVersion, stackId, part) }),
      (packed) => ({ op: 'seal', stackId, key, keyVersion, ...packed }),
    );
    return outcomes.flatMap(({ outcome }) => (outcome.ok ? outcome.values : []));
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }

  /** Parts in batch order; each outcome's indexes are within its part, which begins at `start`. */
  private async inParts(
    items: Buffer[],
    here: (part: Buffer[]) => BatchOutcome,
    task: (packed: { data: Uint8Array; lengths: Uint32Array }) => TaskBody,
  ): Promise<Array<{ start: number; outcome: BatchOutcome }>> {
    const parts = splitByBytes(items, Math.min(this.size + 1, Math.floor(items.length / MIN_VALUES_PER_PART)));
    if (parts.length <= 1) return [{ start: 0, outcome: here(items) }];
    // Hand the other parts out first, so the workers run while this thread does the first part.
    const elsewhere = parts.slice(1).map(({ start, end }) => {
      const part = items.slice(start, end);
      return this.worker()
        .run(task(packBuffers(part)))
        .then(
          (answer): BatchOutcome => {
            return answer.ok ? { ok: true, values: unpackBuffers(answer) } : { ok: false, index: answer.index, reason: answer.reason };
          },
          (): BatchOutcome => here(part),
        )
        .then((outcome) => ({ start, outcome }));
    });
    const first = { start: 0, outcome: here(items.slice(0, parts[0].end)) };
    return [first, ...(await Promise.all(elsewhere))];
  }

  private worker(): CipherWorker {
    const index = this.turn++ % this.size;
    let worker = this.workers[index];
    if (!worker?.alive) {
      worker = new CipherWorker();
      this.workers[index] = worker;
    }
    return worker;
  }
}

/** Up to `count` consecutive ranges of about equal bytes, none empty. */
export function splitByBytes(items: readonly Buffer[], count: number): Array<{ start: number; end: number }> {
  if (count <= 1 || items.length <= 1) return [{ start: 0, end: items.length }];
  const total = items.reduce((sum, b) => sum + b.length, 0);
  const ranges: Array<{ start: number; end: number }> = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < items.length; i++) {
    bytes += items[i].length;
    const boundary = (total * (ranges.length + 1)) / count;
    if (bytes >= boundary && ranges.length < count - 1 && i + 1 < items.length) {
      ranges.push({ start, end: i + 1 });
      start = i + 1;
    }
  }
  ranges.push({ start, end: items.length });
  return ranges;
}
