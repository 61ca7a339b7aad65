import { type EntityManager, In, type Repository } from 'typeorm';
import { ScimGroupEntity } from './scim-group.entity';
import { TeamEntity, TeamMemberEntity } from './team.entity';

/**
 * SCIM groups and their members. A group is a team plus this row; its members are the team's
 * member rows of one source (`scim:<org>`), so manual and sign-in-mapped members of the same team
 * are never touched by SCIM, and the principal's `teams` sees SCIM teams like any other.
 */
export class ScimGroupRepository {
  private readonly groups: Repository<ScimGroupEntity>;
  private readonly teams: Repository<TeamEntity>;
  private readonly members: Repository<TeamMemberEntity>;

  constructor(manager: EntityManager) {
    this.groups = manager.getRepository(ScimGroupEntity);
    this.teams = manager.getRepository(TeamEntity);
    this.members = manager.getRepository(TeamMemberEntity);
  }

  find(orgId: string, teamId: string): Promise<ScimGroupEntity | null> {
    return this.groups.findOneBy({ orgId, teamId });
  }

  findByDisplayNameKey(orgId: string, displayNameKey: string): Promise<ScimGroupEntity | null> {
    return this.groups.findOneBy({ orgId, displayNameKey });
  }

  findByExternalId(orgId: string, externalId: string): Promise<ScimGroupEntity[]> {
    return this.groups.find({ where: { orgId, externalId }, order: { createdAt: 'ASC', teamId: 'ASC' } });
  }

  count(orgId: string): Promise<number> {
    return this.groups.countBy({ orgId });
  }

  page(orgId: string, offset: number, limit: number): Promise<ScimGroupEntity[]> {
    return this.groups.find({ where: { orgId }, order: { createdAt: 'ASC', teamId: 'ASC' }, skip: offset, take: limit });
  }

  all(orgId: string): Promise<ScimGroupEntity[]> {
    return this.groups.find({ where: { orgId }, order: { createdAt: 'ASC', teamId: 'ASC' } });
  }

  /** Creates the team and the group together (call inside a transaction). */
  async insert(group: ScimGroupEntity, teamName: string): Promise<void> {
    await this.teams.insert({ id: group.teamId, orgId: group.orgId, name: teamName, kind: 'scim', createdAt: group.createdAt });
    await this.groups.insert(group);
  }

  async update(group: ScimGroupEntity): Promise<void> {
    const { teamId, orgId, ...fields } = group;
    await this.groups.update({ teamId, orgId }, fields);
  }

  /** Deletes the group, its team and every member row of the team (call inside a transaction). */
  async delete(orgId: string, teamId: string): Promise<void> {
    await this.members.delete({ teamId });
    await this.groups.delete({ orgId, teamId });
    await this.teams.delete({ id: teamId, orgId });
  }

  /** The members `source` gave each of the teams, in the order they were added. */
  async membersOf(teamIds: readonly string[], source: string): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(teamIds.map((id) => [id, []]));
    for (let i = 0; i < teamIds.length; i += 500) {
      const rows = await this.members.find({ where: { teamId: In(teamIds.slice(i, i + 500)), source }, order: { createdAt: 'ASC', userId: 'ASC' } });
      for (const row of rows) result.get(row.teamId)?.push(row.userId);
    }
    return result;
  }

  /** Makes the team's `source` members exactly `userIds`; returns who was added and removed. */
  async setMembers(teamId: string, source: string, userIds: readonly string[], now: number): Promise<{ added: string[]; removed: string[] }> {
    const current = (await this.membersOf([teamId], source)).get(teamId) ?? [];
    const wanted = new Set(userIds);
    const have = new Set(current);
    const removed = current.filter((id) => !wanted.has(id));
    const added = userIds.filter((id) => !have.has(id));
    for (let i = 0; i < removed.length; i += 500) await this.members.delete({ teamId, source, userId: In(removed.slice(i, i + 500)) });
    for (let i = 0; i < added.length; i += 500) await this.members.insert(added.slice(i, i + 500).map((userId) => ({ teamId, userId, source, createdAt: now })));
    return { added, removed };
  }

  /** Removes the user from every team `source` put them in (a SCIM user's deletion). */
  async removeMemberEverywhere(userId: string, source: string): Promise<number> {
    const result = await this.members.delete({ userId, source });
    return result.affected ?? 0;
  }
}
