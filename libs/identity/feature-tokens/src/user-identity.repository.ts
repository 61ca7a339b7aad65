import type { EntityManager, Repository } from 'typeorm';
import { UserIdentityEntity } from './user-identity.entity';

export class UserIdentityRepository {
  private readonly repo: Repository<UserIdentityEntity>;

  constructor(manager: EntityManager) {
    this.repo = manager.getRepository(UserIdentityEntity);
  }

  find(provider: string, subject: string): Promise<UserIdentityEntity | null> {
    return this.repo.findOneBy({ provider, subject });
  }

  async insert(identity: UserIdentityEntity): Promise<void> {
    await this.repo.insert(identity);
  }

  async recordSignIn(provider: string, subject: string, username: string, now: number): Promise<void> {
    await this.repo.update({ provider, subject }, { username, lastSignInAt: now });
  }
}
