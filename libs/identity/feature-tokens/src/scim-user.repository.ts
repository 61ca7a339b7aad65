import { type EntityManager, In, type Repository } from 'typeorm';
import { ScimUserEntity } from './scim-user.entity';

/** SCIM-provisioned users of organizations; lists are ordered by creation, then id (stable paging). */
export class ScimUserRepository {
  private readonly repo: Repository<ScimUserEntity>;

  constructor(manager: EntityManager) {
    this.repo = manager.getRepository(ScimUserEntity);
  }

  find(orgId: string, userId: string): Promise<ScimUserEntity | null> {
    return this.repo.findOneBy({ orgId, userId });
  }

  findByUserNameKey(orgId: string, userNameKey: string): Promise<ScimUserEntity | null> {
    return this.repo.findOneBy({ orgId, userNameKey });
  }

  findByExternalId(orgId: string, externalId: string): Promise<ScimUserEntity[]> {
    return this.repo.find({ where: { orgId, externalId }, order: { createdAt: 'ASC', userId: 'ASC' } });
  }

  /** The SCIM user rows of `userId` in any organization (an org-managed user belongs to one). */
  findByUser(userId: string): Promise<ScimUserEntity[]> {
    return this.repo.findBy({ userId });
  }

  /** Whether an organization's SCIM deactivated the user (`active: false`): they may not sign in. */
  isDeactivated(userId: string): Promise<boolean> {
    return this.repo.existsBy({ userId, active: false });
  }

  count(orgId: string): Promise<number> {
    return this.repo.countBy({ orgId });
  }

  page(orgId: string, offset: number, limit: number): Promise<ScimUserEntity[]> {
    return this.repo.find({ where: { orgId }, order: { createdAt: 'ASC', userId: 'ASC' }, skip: offset, take: limit });
  }

  all(orgId: string): Promise<ScimUserEntity[]> {
    return this.repo.find({ where: { orgId }, order: { createdAt: 'ASC', userId: 'ASC' } });
  }

  /** Which of `userIds` are SCIM users of the organization. */
  async existing(orgId: string, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const found = new Set<string>();
    // Chunked: a group PUT may name thousands of members, more than one IN list should hold.
    for (let i = 0; i < userIds.length; i += 500) {
      const rows = await this.repo.find({ select: { userId: true }, where: { orgId, userId: In(userIds.slice(i, i + 500)) } });
      for (const row of rows) found.add(row.userId);
    }
    return found;
  }

  async insert(user: ScimUserEntity): Promise<void> {
    await this.repo.insert(user);
  }

  async update(user: ScimUserEntity): Promise<void> {
    const { orgId, userId, ...fields } = user;
    await this.repo.update({ orgId, userId }, fields);
  }

  async delete(orgId: string, userId: string): Promise<void> {
    await this.repo.delete({ orgId, userId });
  }
}
