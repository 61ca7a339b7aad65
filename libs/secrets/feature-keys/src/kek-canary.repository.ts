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

  /** Compare and swap, like StackDataKeyRepository.replaceWrapping. */
  async replaceWrapping(row: KekCanaryEntity, next: Pick<KekCanaryEntity, 'wrappedValue' | 'kekId' | 'kekVersion'>): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update(KekCanaryEntity)
      .set(next)
      .where('name = :name AND wrapped_value = :wrappedValue', { name: row.name, wrappedValue: row.wrappedValue })
      .execute();
    return (result.affected ?? 0) === 1;
  }
}
