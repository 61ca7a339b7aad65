import { In, type EntityManager, type Repository } from 'typeorm';
import { OrganizationEntity } from './organization.entity';
import { MANUAL_TEAM_MEMBER, TeamEntity, TeamMemberEntity } from './team.entity';
import { UserEntity } from './user.entity';

export interface TeamRef {
  organization: string;
  team: string;
}

/** One of a user's teams with its ids (for loading the team's grants and roles). */
export interface UserTeamRow extends TeamRef {
  teamId: string;
  orgId: string;
}

/** A team member with who they are. */
export interface TeamMemberRow {
  userId: string;
  login: string;
  name: string;
  email: string;
  avatarUrl: string;
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

  /** The user's teams with their ids, whatever put them there: one query. */
  async teamRowsOf(userId: string): Promise<UserTeamRow[]> {
    const rows = await this.members
      .createQueryBuilder('m')
      .innerJoin(TeamEntity, 't', 't.id = m.team_id')
      .innerJoin(OrganizationEntity, 'o', 'o.id = t.org_id')
      .select(['t.id AS teamId', 't.org_id AS orgId', 'o.name AS organization', 't.name AS team'])
      .where('m.user_id = :userId', { userId })
      .distinct(true)
      .orderBy('o.name', 'ASC')
      .addOrderBy('t.name', 'ASC')
      .getRawMany<UserTeamRow>();
    return rows.map((r) => ({ teamId: r.teamId, orgId: r.orgId, organization: r.organization, team: r.team }));
  }

  listOf(orgId: string): Promise<TeamEntity[]> {
    return this.teams.find({ where: { orgId }, order: { name: 'ASC' } });
  }

  async update(id: string, changes: Pick<TeamEntity, 'displayName' | 'description'>): Promise<void> {
    await this.teams.update({ id }, changes);
  }

  /** Deletes the team; its memberships, admins, roles, grants and tokens go with it (ON DELETE CASCADE). */
  async delete(id: string): Promise<void> {
    await this.members.delete({ teamId: id });
    await this.teams.delete({ id });
  }

  /** The members of these teams (any source, once each), with who they are: one query. */
  async membersOf(teamIds: readonly string[]): Promise<Map<string, TeamMemberRow[]>> {
    const byTeam = new Map<string, TeamMemberRow[]>(teamIds.map((id) => [id, []]));
    if (teamIds.length === 0) return byTeam;
    const rows = await this.members
      .createQueryBuilder('m')
      .innerJoin(UserEntity, 'u', 'u.id = m.user_id')
      .select(['m.team_id AS teamId', 'u.id AS userId', 'u.login AS login', 'u.name AS name', 'u.email AS email', 'u.avatar_url AS avatarUrl'])
      .where('m.team_id IN (:...teamIds)', { teamIds: [...teamIds] })
      .distinct(true)
      .orderBy('u.login', 'ASC')
      .getRawMany<TeamMemberRow & { teamId: string }>();
    for (const { teamId, ...member } of rows) byTeam.get(teamId)?.push(member);
    return byTeam;
  }

  async isMember(teamId: string, userId: string): Promise<boolean> {
    return this.members.existsBy({ teamId, userId });
  }

  /** Adds the user by hand; false when they already were a manual member. */
  async addManualMember(teamId: string, userId: string, now: number): Promise<boolean> {
    if (await this.members.existsBy({ teamId, userId, source: MANUAL_TEAM_MEMBER })) return false;
    await this.members.insert({ teamId, userId, source: MANUAL_TEAM_MEMBER, createdAt: now });
    return true;
  }

  /** Removes the user from the team, whatever added them (a group mapping adds them back at their next sign-in). */
  async removeMember(teamId: string, userId: string): Promise<boolean> {
    return ((await this.members.delete({ teamId, userId })).affected ?? 0) > 0;
  }

  /** Removes the user from every team of the organization (they left it). */
  async removeFromOrganization(orgId: string, userId: string): Promise<void> {
    const teamIds = (await this.teams.find({ where: { orgId }, select: { id: true } })).map((t) => t.id);
    if (teamIds.length > 0) await this.members.delete({ userId, teamId: In(teamIds) });
  }
}
