import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { isUniqueViolation } from './database-errors.util';
import { StackDataKeyEntity } from './stack-data-key.entity';

/** Which KEK wrapped a stored data key, as written by the provider. */
export interface StoredKekReference {
  kekId: string;
  kekVersion: number;
}

@Injectable()
export class StackDataKeyRepository {
  private readonly repo: Repository<StackDataKeyEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(StackDataKeyEntity);
  }

  /** One version of a stack's key. */
  find(stackId: string, keyVersion: number): Promise<StackDataKeyEntity | null> {
    return this.repo.findOneBy({ stackId, keyVersion });
  }

  /** The stack's newest key version: the one that seals new values. */
  findLatest(stackId: string): Promise<StackDataKeyEntity | null> {
    return this.repo.findOne({ where: { stackId }, order: { keyVersion: 'DESC' } });
  }

  /** Inserts unless that version exists; false means another writer got there first. */
  async insertIfAbsent(row: StackDataKeyEntity): Promise<boolean> {
    try {
      await this.repo.insert(row);
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /**
   * Keyset pagination over every stored key in (stack, version) order: a walk that stays correct
   * while other writers insert, and never holds more than one page in memory.
   */
  async page(after: { stackId: string; keyVersion: number } | undefined, limit: number): Promise<StackDataKeyEntity[]> {
    const query = this.repo.createQueryBuilder('k').orderBy('k.stack_id', 'ASC').addOrderBy('k.key_version', 'ASC').limit(limit);
    if (after) {
      query.where('k.stack_id > :stackId OR (k.stack_id = :stackId AND k.key_version > :keyVersion)', after);
    }
    return query.getMany();
  }

  /** Distinct stack ids with at least one key, in order, one page at a time. */
  async stackIds(after: string | undefined, limit: number): Promise<string[]> {
    const query = this.repo.createQueryBuilder('k').select('k.stack_id', 'stackId').distinct(true).orderBy('k.stack_id', 'ASC').limit(limit);
    if (after !== undefined) query.where('k.stack_id > :after', { after });
    return (await query.getRawMany<{ stackId: string }>()).map((r) => r.stackId);
  }

  /**
   * Replaces the wrapping of one key only if it is still the one the caller read (compare and
   * swap), so a re-wrap never overwrites a concurrent re-wrap; the key itself never changes.
   */
  async replaceWrapping(row: StackDataKeyEntity, next: { wrappedKey: string } & StoredKekReference): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update(StackDataKeyEntity)
      .set({ wrappedKey: next.wrappedKey, kekId: next.kekId, kekVersion: next.kekVersion })
      .where('stack_id = :stackId AND key_version = :keyVersion AND wrapped_key = :wrappedKey', { stackId: row.stackId, keyVersion: row.keyVersion, wrappedKey: row.wrappedKey })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /** How many keys each KEK (id and version) wraps. */
  async countByKek(): Promise<Array<StoredKekReference & { keys: number }>> {
    const rows = await this.repo
      .createQueryBuilder('k')
      .select('k.kek_id', 'kekId')
      .addSelect('k.kek_version', 'kekVersion')
      .addSelect('COUNT(*)', 'keys')
      .groupBy('k.kek_id')
      .addGroupBy('k.kek_version')
      .orderBy('k.kek_id')
      .addOrderBy('k.kek_version')
      .getRawMany<{ kekId: string; kekVersion: number | string; keys: number | string }>();
    return rows.map((r) => ({ kekId: r.kekId, kekVersion: Number(r.kekVersion), keys: Number(r.keys) }));
  }
}
