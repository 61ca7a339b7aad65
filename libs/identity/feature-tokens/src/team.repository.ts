import { In, type EntityManager, type Repository } from 'typeorm';
import { OrganizationEntity } from './organization.entity';
import { TeamEntity, TeamMemberEntity } from './team.entity';

export interface TeamRef {
  organization: string;
  team: string;
}

export class TeamRepository {
  private readonly teams: Repository<TeamEntity>;
  private readonly members: Repository<TeamMemberEntity>;

  constructor(manager: EntityManager) {
    this.teams = manager.getRepository(TeamEntity);
    this.members = manager.getRepository(TeamMemberEntity);
  }

  findByName(orgId: string, name: string): Promise<TeamEntity | null> {
    return this.teams.findOneBy({ orgId, name });
  }

  findById(id: string): Promise<TeamEntity | null> {
    return this.teams.findOneBy({ id });
  }

  async insert(team: TeamEntity): Promise<void> {
    await this.teams.insert(team);
  }

  /**
   * Makes the user's memberships from `source` exactly `teamIds`: rows of other sources (manual,
   * other providers) are left alone. Returns the team ids added and removed.
   */
  async syncMemberships(userId: string, source: string, teamIds: readonly string[], now: number): Promise<{ added: string[]; removed: string[] }> {
    const current = await this.members.findBy({ userId, source });
    const have = new Set(current.map((m) => m.teamId));
    const removed = current.map((m) => m.teamId).filter((id) => !teamIds.includes(id));
    if (removed.length > 0) await this.members.delete({ userId, source, teamId: In(removed) });
    const added = teamIds.filter((id) => !have.has(id));
    if (added.length > 0) await this.members.insert(added.map((teamId) => ({ teamId, userId, source, createdAt: now })));
    return { added, removed };
  }

  /** The user's teams by organization and name, whatever put them there. */
  async teamsOf(userId: string): Promise<TeamRef[]> {
    const rows = await this.members
      .createQueryBuilder('m')
      .innerJoin(TeamEntity, 't', 't.id = m.team_id')
      .innerJoin(OrganizationEntity, 'o', 'o.id = t.org_id')
      .select(['o.name AS organization', 't.name AS team'])
      .where('m.user_id = :userId', { userId })
      .distinct(true)
      .orderBy('o.name', 'ASC')
      .addOrderBy('t.name', 'ASC')
      .getRawMany<TeamRef>();
    return rows.map((r) => ({ organization: r.organization, team: r.team }));
  }
}
