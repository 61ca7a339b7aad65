import type { EntityManager, Repository } from 'typeorm';
import { OrganizationEntity } from './organization.entity';

export class OrganizationRepository {
  private readonly repo: Repository<OrganizationEntity>;

  constructor(manager: EntityManager) {
    this.repo = manager.getRepository(OrganizationEntity);
  }

  findById(id: string): Promise<OrganizationEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByName(name: string): Promise<OrganizationEntity | null> {
    return this.repo.findOneBy({ name });
  }

  async insert(org: OrganizationEntity): Promise<void> {
    await this.repo.insert(org);
  }
}
