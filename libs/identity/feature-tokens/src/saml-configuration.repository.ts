import type { EntityManager, Repository } from 'typeorm';
import { OrganizationEntity } from './organization.entity';
import { SamlConfigurationEntity } from './saml-configuration.entity';

export class SamlConfigurationRepository {
  private readonly repo: Repository<SamlConfigurationEntity>;

  constructor(manager: EntityManager) {
    this.repo = manager.getRepository(SamlConfigurationEntity);
  }

  find(orgId: string): Promise<SamlConfigurationEntity | null> {
    return this.repo.findOneBy({ orgId });
  }

  /** Insert or replace the organization's configuration (one row per organization). */
  async save(config: SamlConfigurationEntity): Promise<void> {
    await this.repo.upsert(config, ['orgId']);
  }

  /** Names of the organizations whose SAML sign-in is enabled, for the sign-in page. */
  async enabledOrganizations(): Promise<string[]> {
    const rows = await this.repo
      .createQueryBuilder('c')
      .innerJoin(OrganizationEntity, 'o', 'o.id = c.org_id')
      .select('o.name', 'name')
      .where('c.enabled = :enabled', { enabled: true })
      .orderBy('o.name', 'ASC')
      .getRawMany<{ name: string }>();
    return rows.map((row) => row.name);
  }
}
