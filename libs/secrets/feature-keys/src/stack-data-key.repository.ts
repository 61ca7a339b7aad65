import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { isUniqueViolation } from './database-errors.util';
import { StackDataKeyEntity } from './stack-data-key.entity';

@Injectable()
export class StackDataKeyRepository {
  private readonly repo: Repository<StackDataKeyEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(StackDataKeyEntity);
  }

  find(stackId: string): Promise<StackDataKeyEntity | null> {
    return this.repo.findOneBy({ stackId });
  }

  /** Inserts unless the stack already has a key; false means another writer got there first. */
  async insertIfAbsent(row: StackDataKeyEntity): Promise<boolean> {
    try {
      await this.repo.insert(row);
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }
}
