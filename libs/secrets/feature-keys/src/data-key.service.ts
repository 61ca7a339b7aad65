import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { BoundedTtlCache, KeyProviderUnavailableError, type KeyProvider, stackKeyContext } from '@stackyard/secrets-domain';
import { ApiError } from '@stackyard/shared-errors';
import type { StackDataKeyEntity } from './stack-data-key.entity';
import { StackDataKeyRepository } from './stack-data-key.repository';
import { KEY_PROVIDER, SECRETS_KEYS_OPTIONS, type SecretsKeysOptions } from './secrets-keys.options';

export interface DataKey {
  /** The version written into each value envelope; one key per stack today, so always 1. */
  version: number;
  key: KeyObject;
}

export const DATA_KEY_VERSION = 1;

/**
 * Per-stack data keys: created on a stack's first encryption, stored wrapped by the KEK, and kept
 * unwrapped in a bounded, expiring cache so the hot path costs no database read and no KEK call.
 */
@Injectable()
export class DataKeyService {
  private readonly cache: BoundedTtlCache<string, DataKey>;
  /** One database/KEK round trip per stack at a time, however many requests arrive together. */
  private readonly inFlight = new Map<string, Promise<DataKey | undefined>>();
  private readonly now: () => number;

  constructor(
    private readonly repository: StackDataKeyRepository,
    @Inject(KEY_PROVIDER) private readonly provider: KeyProvider,
    @Inject(SECRETS_KEYS_OPTIONS) options: SecretsKeysOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.cache = new BoundedTtlCache(options.cacheMaxEntries, options.cacheTtlMs, this.now);
  }

  /** The stack's key, creating it on first use. */
  async forEncrypt(stackId: string): Promise<DataKey> {
    const key = await this.load(stackId, true);
    if (!key) throw new Error(`no data key could be created for stack ${stackId}`);
    return key;
  }

  /** The stack's key, or undefined when nothing was ever encrypted for the stack. */
  forDecrypt(stackId: string): Promise<DataKey | undefined> {
    return this.load(stackId, false);
  }

  private load(stackId: string, create: boolean): Promise<DataKey | undefined> {
    const cached = this.cache.get(stackId);
    if (cached) return Promise.resolve(cached);
    const flightKey = `${create ? 'c' : 'r'}:${stackId}`;
    let flight = this.inFlight.get(flightKey);
    if (!flight) {
      flight = this.fetch(stackId, create).finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, flight);
    }
    return flight;
  }

  private async fetch(stackId: string, create: boolean): Promise<DataKey | undefined> {
    let row = await this.repository.find(stackId);
    if (!row) {
      if (!create) return undefined;
      const created = await this.create(stackId);
      if (created) return this.remember(stackId, created);
      // Another replica (or request) inserted first: its key is the stack's key, not ours.
      row = await this.repository.find(stackId);
      if (!row) throw new Error(`the data key of stack ${stackId} was inserted concurrently but cannot be read back`);
    }
    return this.remember(stackId, await this.unwrap(row));
  }

  /** A fresh key, if this call's insert won; undefined if a concurrent writer's did. */
  private async create(stackId: string): Promise<DataKey | undefined> {
    const raw = randomBytes(32);
    try {
      const wrapped = await this.provider.wrap(raw, stackKeyContext(stackId)).catch((error: unknown) => {
        throw providerDown(error) ?? error;
      });
      const inserted = await this.repository.insertIfAbsent({
        stackId,
        wrappedKey: wrapped.wrapped.toString('base64'),
        kekId: wrapped.keyId,
        kekVersion: wrapped.keyVersion,
        createdAt: this.now(),
      });
      return inserted ? { version: DATA_KEY_VERSION, key: createSecretKey(raw) } : undefined;
    } finally {
      raw.fill(0);
    }
  }

  private async unwrap(row: StackDataKeyEntity): Promise<DataKey> {
    let raw: Buffer;
    try {
      raw = await this.provider.unwrap(
        { keyId: row.kekId, keyVersion: row.kekVersion, wrapped: Buffer.from(row.wrappedKey, 'base64') },
        stackKeyContext(row.stackId),
      );
    } catch (error) {
      const down = providerDown(error);
      if (down) throw down;
      // A server-side fault (wrong KEK slipped past the canary, or an altered row): a 500 whose
      // detail goes to the log, not to the caller.
      throw new Error(`the data key of stack ${row.stackId} cannot be unwrapped: ${(error as Error).message}`);
    }
    try {
      return { version: DATA_KEY_VERSION, key: createSecretKey(raw) };
    } finally {
      raw.fill(0);
    }
  }

  private remember(stackId: string, key: DataKey): DataKey {
    this.cache.set(stackId, key);
    return key;
  }
}

/** Vault or a KMS that cannot be reached is a 503 (the caller may retry), not a 500. */
function providerDown(error: unknown): ApiError | undefined {
  return error instanceof KeyProviderUnavailableError ? ApiError.unavailable(`the key-encryption key provider (${error.provider}) is unavailable; retry later`) : undefined;
}
