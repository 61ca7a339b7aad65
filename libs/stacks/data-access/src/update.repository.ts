import { Injectable } from '@nestjs/common';
import { DataSource, In, type Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { UpdateEntity, type UpdateStatusRecord } from './update.entity';

@Injectable()
export class UpdateRepository {
  private readonly repo: Repository<UpdateEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(UpdateEntity);
  }

  async insert(update: UpdateEntity): Promise<void> {
    await this.repo.insert(update as QueryDeepPartialEntity<UpdateEntity>);
  }

  findById(id: string): Promise<UpdateEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findRunningByLeaseHash(stackId: string, leaseTokenHash: string): Promise<UpdateEntity | null> {
    return this.repo.findOneBy({ stackId, leaseTokenHash, status: 'running' });
  }

  async save(update: UpdateEntity): Promise<void> {
    await this.repo.save(update);
  }

  /** Moves an update between states only from the expected ones, so racing calls decide once. */
  async transition(id: string, from: UpdateStatusRecord[], to: UpdateStatusRecord, fields: Partial<UpdateEntity> = {}): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update(UpdateEntity)
      .set({ ...fields, status: to } as QueryDeepPartialEntity<UpdateEntity>)
      .where({ id, status: In(from) })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async setLease(id: string, leaseExpiresAt: number): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update(UpdateEntity)
      .set({ leaseExpiresAt })
      .where({ id, status: 'running' })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async setFields(id: string, fields: Partial<UpdateEntity>): Promise<void> {
    await this.repo.update({ id }, fields as QueryDeepPartialEntity<UpdateEntity>);
  }

  /** Non-dry-run updates, newest first (pulumi stack history). */
  history(stackId: string, page: number, pageSize: number): Promise<UpdateEntity[]> {
    return this.repo
      .createQueryBuilder('u')
      .where('u.stack_id = :stackId AND u.dry_run = :dry AND u.status <> :notStarted', { stackId, dry: false, notStarted: 'not-started' })
      .orderBy('u.version', 'DESC')
      .addOrderBy('u.created_at', 'DESC')
      .skip((page - 1) * pageSize)
      .take(pageSize)
      .getMany();
  }

  /** Running updates whose lease ran out (the sweeper marks them failed). */
  expiredRunning(now: number, limit: number): Promise<UpdateEntity[]> {
    return this.repo
      .createQueryBuilder('u')
      .where('u.status = :s AND u.lease_expires_at < :now', { s: 'running', now })
      .take(limit)
      .getMany();
  }

  async deleteForStack(stackId: string): Promise<string[]> {
    const ids = (await this.repo.find({ select: { id: true }, where: { stackId } })).map((u) => u.id);
    await this.repo.delete({ stackId });
    return ids;
  }
}
