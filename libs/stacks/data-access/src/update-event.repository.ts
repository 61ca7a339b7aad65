import { Injectable } from '@nestjs/common';
import { DataSource, In, type Repository } from 'typeorm';
import { UpdateEventEntity } from './update-event.entity';

@Injectable()
export class UpdateEventRepository {
  private readonly repo: Repository<UpdateEventEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(UpdateEventEntity);
  }

  /** Inserts the batch; events whose (update, sequence) already exist are left as they are. */
  async insertIgnoringDuplicates(events: UpdateEventEntity[]): Promise<void> {
    const chunk = 200;
    for (let i = 0; i < events.length; i += chunk) {
      await this.repo.createQueryBuilder().insert().into(UpdateEventEntity).values(events.slice(i, i + chunk)).orIgnore().execute();
    }
  }

  page(updateId: string, afterSequence: number, limit: number, kinds?: string[], urn?: string): Promise<UpdateEventEntity[]> {
    const qb = this.repo.createQueryBuilder('e').where('e.update_id = :updateId AND e.sequence > :after', { updateId, after: afterSequence });
    if (kinds && kinds.length > 0) qb.andWhere('e.kind IN (:...kinds)', { kinds });
    if (urn !== undefined) qb.andWhere('e.urn = :urn', { urn });
    return qb.orderBy('e.sequence', 'ASC').take(limit).getMany();
  }

  async deleteForUpdates(updateIds: string[]): Promise<void> {
    for (let i = 0; i < updateIds.length; i += 500) {
      await this.repo.delete({ updateId: In(updateIds.slice(i, i + 500)) });
    }
  }
}
