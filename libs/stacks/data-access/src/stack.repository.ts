import { Injectable } from '@nestjs/common';
import { DataSource, type Repository, QueryFailedError } from 'typeorm';
import { StackEntity, type StackOperationRecord } from './stack.entity';

/** Raised when (org, project, stack) is already taken; the unique index decides, not a pre-check. */
export class DuplicateStackError extends Error {}

export interface StackListFilter {
  /** Owners the caller may see. */
  owners: string[];
  organization?: string;
  project?: string;
}

export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = (error as QueryFailedError & { driverError?: { code?: string; errno?: number } }).driverError;
  const code = driverError?.code ?? '';
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || driverError?.errno === 1062;
}

@Injectable()
export class StackRepository {
  private readonly repo: Repository<StackEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(StackEntity);
  }

  findByName(org: string, project: string, stack: string): Promise<StackEntity | null> {
    return this.repo.findOneBy({ orgName: org, projectName: project, stackName: stack });
  }

  findById(id: string): Promise<StackEntity | null> {
    return this.repo.findOneBy({ id });
  }

  async projectExists(org: string, project: string): Promise<boolean> {
    return (await this.repo.countBy({ orgName: org, projectName: project })) > 0;
  }

  /** Stacks of the given owners in name order; filtering by tag happens in the service. */
  async list(filter: StackListFilter): Promise<StackEntity[]> {
    if (filter.owners.length === 0) return [];
    const qb = this.repo.createQueryBuilder('s').where('s.org_name IN (:...owners)', { owners: filter.owners });
    if (filter.organization !== undefined) qb.andWhere('s.org_name = :org', { org: filter.organization });
    if (filter.project !== undefined) qb.andWhere('s.project_name = :project', { project: filter.project });
    return qb.orderBy('s.org_name', 'ASC').addOrderBy('s.project_name', 'ASC').addOrderBy('s.stack_name', 'ASC').getMany();
  }

  async insert(stack: StackEntity): Promise<void> {
    try {
      await this.repo.insert(stack);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateStackError();
      throw error;
    }
  }

  /**
   * Takes the stack lock for `updateId` and hands out the next version, in one conditional
   * statement: it succeeds only if nobody holds an unexpired lease and the version is still
   * `expectedVersion`. This is what keeps two api replicas from both running an update.
   */
  async tryAcquireLock(args: {
    stackId: string;
    expectedVersion: number;
    updateId: string;
    leaseExpiresAt: number;
    now: number;
    operation: StackOperationRecord;
    tags?: Record<string, string>;
  }): Promise<boolean> {
    const set: Record<string, unknown> = {
      activeUpdateId: args.updateId,
      leaseExpiresAt: args.leaseExpiresAt,
      version: args.expectedVersion + 1,
      currentOperation: args.operation,
      latestUpdateId: args.updateId,
      updatedAt: args.now,
    };
    if (args.tags) set['tags'] = args.tags;
    const result = await this.repo
      .createQueryBuilder()
      .update(StackEntity)
      .set(set)
      .where('id = :id AND version = :version', { id: args.stackId, version: args.expectedVersion })
      .andWhere('(active_update_id IS NULL OR lease_expires_at < :now)', { now: args.now })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /** Takes the lock without a new version (rename, delete with an expired lease cleanup). */
  async tryLockWithoutVersion(stackId: string, updateId: string, leaseExpiresAt: number, now: number): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update(StackEntity)
      .set({ activeUpdateId: updateId, leaseExpiresAt, updatedAt: now })
      .where('id = :id', { id: stackId })
      .andWhere('(active_update_id IS NULL OR lease_expires_at < :now)', { now })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async renewLock(stackId: string, updateId: string, leaseExpiresAt: number): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update(StackEntity)
      .set({ leaseExpiresAt })
      .where('id = :id AND active_update_id = :u', { id: stackId, u: updateId })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async releaseLock(stackId: string, updateId: string, now: number): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update(StackEntity)
      .set({ activeUpdateId: null, leaseExpiresAt: null, currentOperation: null, lastUpdateAt: now, updatedAt: now })
      .where('id = :id AND active_update_id = :u', { id: stackId, u: updateId })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /** Makes `version` the current state, only while `updateId` still holds the lock. */
  async setHeadWhileLocked(stackId: string, updateId: string, version: number, resourceCount: number, now: number): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update(StackEntity)
      .set({ headVersion: version, resourceCount, updatedAt: now })
      .where('id = :id AND active_update_id = :u', { id: stackId, u: updateId })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async setHead(stackId: string, version: number, resourceCount: number, now: number): Promise<void> {
    await this.repo.update({ id: stackId }, { headVersion: version, resourceCount, updatedAt: now });
  }

  async setLatestUpdate(stackId: string, updateId: string): Promise<void> {
    await this.repo.update({ id: stackId }, { latestUpdateId: updateId });
  }

  async setTags(stackId: string, tags: Record<string, string>, now: number): Promise<void> {
    await this.repo.update({ id: stackId }, { tags, updatedAt: now });
  }

  async rename(stackId: string, project: string, stack: string, now: number): Promise<void> {
    try {
      await this.repo.update({ id: stackId }, { projectName: project, stackName: stack, updatedAt: now });
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateStackError();
      throw error;
    }
  }

  /** Moves the stack to another organization, only while no update holds it (false otherwise). */
  async transfer(stackId: string, organization: string, now: number): Promise<boolean> {
    try {
      const result = await this.repo
        .createQueryBuilder()
        .update(StackEntity)
        .set({ orgName: organization, updatedAt: now })
        .where('id = :stackId AND (active_update_id IS NULL OR lease_expires_at < :now)', { stackId, now })
        .execute();
      return (result.affected ?? 0) > 0;
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateStackError();
      throw error;
    }
  }

  async delete(stackId: string): Promise<void> {
    await this.repo.delete({ id: stackId });
  }
}
