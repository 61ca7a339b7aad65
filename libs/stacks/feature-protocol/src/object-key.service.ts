import { createSecretKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { UpstreamError } from '@stackyard/shared-http';
import type { ObjectKeyResponse } from '@stackyard/shared-contracts';
import type { ObjectKeys } from '@stackyard/stacks-data-access';
import { BoundedTtlCache } from '@stackyard/shared-cache';
import { PROTOCOL_SETTINGS, type ProtocolSettings } from './protocol-settings';
import { SecretsGateway } from './secrets.client';

export const DEFAULT_OBJECT_KEY_CACHE_SIZE = 10_000;
export const DEFAULT_OBJECT_KEY_CACHE_TTL_MS = 300_000;

interface ObjectKey {
  version: number;
  key: KeyObject;
}

/**
 * The stacks' object-storage keys (StackObjects seals and opens with them), asked of the secrets
 * service, which derives them from each stack's data key. Kept in a bounded, expiring cache with
 * one request per key in flight, so the hot path (a journal batch every ~50 ms) costs no secrets
 * call once warm: sealing uses the newest version as of at most the TTL ago (a rotated data key
 * reaches new objects within this TTL plus the secrets service's own), opening the version the
 * envelope names.
 *
 * The trade-off: the api holds the derived keys (not the data keys) of recently used stacks in
 * memory for up to the TTL. A secrets service that cannot be reached is a 503 (retryable);
 * anything else it refuses is a server fault (500).
 */
@Injectable()
export class ObjectKeyService implements ObjectKeys {
  private readonly cache: BoundedTtlCache<string, ObjectKey>;
  private readonly inFlight = new Map<string, Promise<ObjectKey>>();

  constructor(
    private readonly secrets: SecretsGateway,
    @Inject(PROTOCOL_SETTINGS) settings: ProtocolSettings,
  ) {
    this.cache = new BoundedTtlCache(
      settings.objectKeyCacheSize ?? DEFAULT_OBJECT_KEY_CACHE_SIZE,
      settings.objectKeyCacheTtlMs ?? DEFAULT_OBJECT_KEY_CACHE_TTL_MS,
    );
  }

  forSealing(stackId: string): Promise<ObjectKey> {
    return this.load(`latest:${stackId}`, stackId, undefined);
  }

  async forOpening(stackId: string, version: number): Promise<KeyObject> {
    return (await this.load(`v${version}:${stackId}`, stackId, version)).key;
  }

  private load(cacheKey: string, stackId: string, version: number | undefined): Promise<ObjectKey> {
    const cached = this.cache.get(cacheKey);
    if (cached) return Promise.resolve(cached);
    let flight = this.inFlight.get(cacheKey);
    if (!flight) {
      flight = this.fetch(stackId, version)
        .then((key) => {
          this.cache.set(cacheKey, key);
          // What is sealed with the newest key is opened next, by version: no second call for it.
          if (version === undefined) this.cache.set(`v${key.version}:${stackId}`, key);
          return key;
        })
        .finally(() => this.inFlight.delete(cacheKey));
      this.inFlight.set(cacheKey, flight);
    }
    return flight;
  }

  private async fetch(stackId: string, version: number | undefined): Promise<ObjectKey> {
    let answer: ObjectKeyResponse;
    try {
      answer = await this.secrets.objectKey(stackId, version);
    } catch (error) {
      // Its 4xx (no such key version, a refused caller) means our data or wiring is wrong: a 500
      // for the CLI, with the reason in the log. Unreachable or failing secrets stay 503s.
      if (error instanceof UpstreamError) {
        throw new Error(`the secrets service refused the object key of stack ${stackId}${version === undefined ? '' : ` v${version}`}: ${error.message}`, { cause: error });
      }
      throw error;
    }
    const bytes = typeof answer?.key === 'string' ? Buffer.from(answer.key, 'base64') : Buffer.alloc(0);
    try {
      const versionOk = Number.isInteger(answer?.keyVersion) && answer.keyVersion >= 1 && (version === undefined || answer.keyVersion === version);
      if (!versionOk || bytes.length !== 32) {
        throw new Error(`the secrets service answered a malformed object key for stack ${stackId} (version ${String(answer?.keyVersion)}, ${bytes.length} bytes)`);
      }
      return { version: answer.keyVersion, key: createSecretKey(bytes) };
    } finally {
      bytes.fill(0);
    }
  }
}
