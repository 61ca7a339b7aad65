import type { KeyObject } from 'node:crypto';
import type { EnvelopeFailure } from '@stackyard/secrets-domain';

/** What the secrets service asks a cipher worker thread (value-cipher.worker.ts) to do. */
export type CipherTask =
  | { id: number; op: 'open'; stackId: string; keys: Array<[number, KeyObject]>; data: Uint8Array; lengths: Uint32Array }
  | { id: number; op: 'seal'; stackId: string; key: KeyObject; keyVersion: number; data: Uint8Array; lengths: Uint32Array };

/** A worker's answer: the values packed back to back, the first envelope that failed, or a fault. */
export type CipherAnswer =
  | { id: number; ok: true; data: Uint8Array; lengths: Uint32Array }
  | { id: number; ok: false; index: number; reason: EnvelopeFailure }
  | { id: number; fault: string };
