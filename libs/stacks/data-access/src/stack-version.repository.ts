import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { StackVersionEntity } from './stack-version.entity';

@Injectable()
export class StackVersionRepository {
  private readonly repo: Repository<StackVersionEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(StackVersionEntity);
  }

  find(stackId: string, version: number): Promise<StackVersionEntity | null> {
    return this.repo.findOneBy({ stackId, version });
  }

  /** Records (or re-records, on a retried checkpoint) which object holds `version`. */
  async upsert(row: StackVersionEntity): Promise<void> {
    await this.repo
      .createQueryBuilder()
      .insert()
      .into(StackVersionEntity)
      .values(row)
      .orUpdate(['object_key', 'resource_count', 'update_id'], ['stack_id', 'version'])
      .execute();
  }

  async deleteForStack(stackId: string): Promise<void> {
    await this.repo.delete({ stackId });
  }
}
