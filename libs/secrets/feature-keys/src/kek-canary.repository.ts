import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { isUniqueViolation } from './database-errors.util';
import { KekCanaryEntity } from './kek-canary.entity';

@Injectable()
export class KekCanaryRepository {
  private readonly repo: Repository<KekCanaryEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(KekCanaryEntity);
  }

  find(name: string): Promise<KekCanaryEntity | null> {
    return this.repo.findOneBy({ name });
  }

  async insertIfAbsent(row: KekCanaryEntity): Promise<boolean> {
    try {
      await this.repo.insert(row);
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }
}
