import type { EntityManager, Repository } from 'typeorm';
import { UserEntity } from './user.entity';

export class UserRepository {
  private readonly repo: Repository<UserEntity>;

  constructor(manager: EntityManager) {
    this.repo = manager.getRepository(UserEntity);
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByLogin(login: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ login });
  }

  siteAdminExists(): Promise<boolean> {
    return this.repo.existsBy({ siteAdmin: true });
  }

  countSiteAdmins(): Promise<number> {
    return this.repo.countBy({ siteAdmin: true });
  }

  async insert(user: UserEntity): Promise<void> {
    await this.repo.insert(user);
  }

  async updateProfile(id: string, name: string, email: string): Promise<void> {
    await this.repo.update({ id }, { name, email });
  }

  async makeSiteAdmin(id: string): Promise<void> {
    await this.repo.update({ id }, { siteAdmin: true });
  }
}
