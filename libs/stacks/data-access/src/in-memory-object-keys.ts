import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import type { ObjectKeys } from './stack-objects';

/**
 * Object keys held in this process, random per stack and version, for tests and tools that run
 * the stores without a secrets service. `rotate` adds a version; `calls` counts lookups.
 */
export class InMemoryObjectKeys implements ObjectKeys {
  private readonly keys = new Map<string, KeyObject>();
  private readonly latest = new Map<string, number>();
  calls = 0;

  forSealing(stackId: string): Promise<{ version: number; key: KeyObject }> {
    this.calls++;
    const version = this.latest.get(stackId) ?? 1;
    this.latest.set(stackId, version);
    return Promise.resolve({ version, key: this.keyOf(stackId, version) });
  }

  forOpening(stackId: string, version: number): Promise<KeyObject> {
    this.calls++;
    if (version > (this.latest.get(stackId) ?? 0)) return Promise.reject(new Error(`stack ${stackId} has no object key v${version}`));
    return Promise.resolve(this.keyOf(stackId, version));
  }

  rotate(stackId: string): number {
    const version = (this.latest.get(stackId) ?? 0) + 1;
    this.latest.set(stackId, version);
    return version;
  }

  private keyOf(stackId: string, version: number): KeyObject {
    const id = `${stackId}#${version}`;
    let key = this.keys.get(id);
    if (!key) {
      key = createSecretKey(randomBytes(32));
      this.keys.set(id, key);
    }
    return key;
  }
}
