import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { KeyProviderUnavailableError, type KeyProvider, stackKeyContext } from '@stackyard/secrets-domain';
import { BoundedTtlCache } from '@stackyard/shared-cache';
import { ApiError } from '@stackyard/shared-errors';
import type { StackDataKeyEntity } from './stack-data-key.entity';
import { StackDataKeyRepository } from './stack-data-key.repository';
import { KEY_PROVIDER, SECRETS_KEYS_OPTIONS, type SecretsKeysOptions } from './secrets-keys.options';

export interface DataKey {
  /** The version written into each value envelope this key seals. */
  version: number;
  key: KeyObject;
}

export const FIRST_DATA_KEY_VERSION = 1;
const MAX_ROTATE_ATTEMPTS = 20;

/**
 * Per-stack data keys: created on a stack's first encryption, stored wrapped by the KEK, and kept
 * unwrapped in a bounded, expiring cache so the hot path costs no database read and no KEK call.
 * A stack may have several versions (data-key rotation); new values are sealed with the newest,
 * which every replica picks up within the cache TTL, and each older one still opens its values.
 */
@Injectable()
export class DataKeyService {
  private readonly cache: BoundedTtlCache<string, DataKey>;
  /** One database/KEK round trip per key at a time, however many requests arrive together. */
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

  /** The stack's newest key, creating version 1 on first use. */
  async forEncrypt(stackId: string): Promise<DataKey> {
    const key = await this.load(`latest:${stackId}`, async () => {
      const latest = await this.fetchLatest(stackId);
      // What it seals is decrypted next, by version: no second unwrap for the same key.
      this.cache.set(`v${latest.version}:${stackId}`, latest);
      return latest;
    });
    if (!key) throw new Error(`no data key could be created for stack ${stackId}`);
    return key;
  }

  /** One version of the stack's key, or undefined when the stack has no such version. */
  forDecrypt(stackId: string, version: number): Promise<DataKey | undefined> {
    return this.load(`v${version}:${stackId}`, () => this.fetchVersion(stackId, version));
  }

  /**
   * Adds the next version of the stack's key (the stack's first if it has none) and returns its
   * number. Values sealed before keep opening with their version; this replica seals with the new
   * one at once, other replicas within the cache TTL.
   */
  async rotate(stackId: string): Promise<number> {
    for (let attempt = 0; attempt < MAX_ROTATE_ATTEMPTS; attempt++) {
      const latest = await this.repository.findLatest(stackId);
      const version = (latest?.keyVersion ?? 0) + 1;
      const created = await this.create(stackId, version);
      if (created) {
        this.cache.set(`latest:${stackId}`, created);
        this.cache.set(`v${version}:${stackId}`, created);
        return version;
      }
      // A concurrent rotation took this number; take the next one.
    }
    throw new Error(`could not add a data key version to stack ${stackId} after ${MAX_ROTATE_ATTEMPTS} attempts (concurrent rotations?)`);
  }

  /** Opens a stored key with the configured provider(s); used by re-wrapping too. */
  async unwrapRow(row: StackDataKeyEntity): Promise<Buffer> {
    try {
      return await this.provider.unwrap(
        { keyId: row.kekId, keyVersion: row.kekVersion, wrapped: Buffer.from(row.wrappedKey, 'base64') },
        stackKeyContext(row.stackId),
      );
    } catch (error) {
      const down = providerDown(error);
      if (down) throw down;
      // A server-side fault (wrong KEK slipped past the canary, or an altered row): a 500 whose
      // detail goes to the log, not to the caller.
      throw new Error(`data key v${row.keyVersion} of stack ${row.stackId} cannot be unwrapped: ${(error as Error).message}`);
    }
  }

  private load(cacheKey: string, fetch: () => Promise<DataKey | undefined>): Promise<DataKey | undefined> {
    const cached = this.cache.get(cacheKey);
    if (cached) return Promise.resolve(cached);
    let flight = this.inFlight.get(cacheKey);
    if (!flight) {
      flight = fetch()
        .then((key) => {
          if (key) this.cache.set(cacheKey, key);
          return key;
        })
        .finally(() => this.inFlight.delete(cacheKey));
      this.inFlight.set(cacheKey, flight);
    }
    return flight;
  }

  private async fetchLatest(stackId: string): Promise<DataKey> {
    let row = await this.repository.findLatest(stackId);
    if (!row) {
      const created = await this.create(stackId, FIRST_DATA_KEY_VERSION);
      if (created) return created;
      // Another replica (or request) inserted first: its key is the stack's key, not ours.
      row = await this.repository.findLatest(stackId);
      if (!row) throw new Error(`the data key of stack ${stackId} was inserted concurrently but cannot be read back`);
    }
    return this.toDataKey(row);
  }

  private async fetchVersion(stackId: string, version: number): Promise<DataKey | undefined> {
    const row = await this.repository.find(stackId, version);
    return row ? this.toDataKey(row) : undefined;
  }

  /** A fresh key as `version`, if this call's insert won; undefined if a concurrent writer's did. */
  private async create(stackId: string, version: number): Promise<DataKey | undefined> {
    const raw = randomBytes(32);
    try {
      const wrapped = await this.provider.wrap(raw, stackKeyContext(stackId)).catch((error: unknown) => {
        throw providerDown(error) ?? error;
      });
      const inserted = await this.repository.insertIfAbsent({
        stackId,
        keyVersion: version,
        wrappedKey: wrapped.wrapped.toString('base64'),
        kekId: wrapped.keyId,
        kekVersion: wrapped.keyVersion,
        createdAt: this.now(),
      });
      return inserted ? { version, key: createSecretKey(raw) } : undefined;
    } finally {
      raw.fill(0);
    }
  }

  private async toDataKey(row: StackDataKeyEntity): Promise<DataKey> {
    const raw = await this.unwrapRow(row);
    try {
      return { version: row.keyVersion, key: createSecretKey(raw) };
    } finally {
      raw.fill(0);
    }
  }
}

/** Vault or a KMS that cannot be reached is a 503 (the caller may retry), not a 500. */
function providerDown(error: unknown): ApiError | undefined {
  return error instanceof KeyProviderUnavailableError ? ApiError.unavailable(`the key-encryption key provider (${error.provider}) is unavailable; retry later`) : undefined;
}
