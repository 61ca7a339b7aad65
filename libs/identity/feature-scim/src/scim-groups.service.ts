import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { IdentityDatabase, type IdentityRepositories, type OrganizationEntity, type ScimGroupEntity } from '@stackyard/identity-feature-tokens';
import {
  applyPatch,
  equalityLookup,
  type Filter,
  filterContext,
  GROUP_DEFINITION,
  groupAttributesFrom,
  groupResource,
  type JsonObject,
  listResponse,
  type ListQuery,
  lookupPath,
  matchesFilter,
  parseGroupBody,
  parsePatchRequest,
  projectResource,
  renderGroup,
  ScimError,
  type ScimGroupAttributes,
  teamNameCandidates,
} from '@stackyard/identity-scim';
import { scimMemberSource } from './saml-organizations';
import { ScimAudit } from './scim-audit';
import type { ScimReply, ScimRequestContext } from './scim-request';
import { SCIM_OPTIONS, type ScimOptions } from './scim.options';

const MAX_TEAM_NAME_CANDIDATES = 50;
/** How many refused member ids an error names (the rest are counted). */
const NAMED_REFUSALS = 5;

/**
 * SCIM Groups of a SAML organization: each is a team (kind `scim`) whose name is derived from the
 * group's displayName at creation, and whose members — SCIM-provisioned Users of the same
 * organization only — are team members of source `scim:<org>`. Members an admin added by hand, or
 * that a sign-in group mapping added, are never touched.
 */
@Injectable()
export class ScimGroupsService {
  private readonly now: () => number;

  constructor(
    private readonly database: IdentityDatabase,
    @Inject(SCIM_OPTIONS) options: ScimOptions,
    private readonly audit: ScimAudit,
  ) {
    this.now = options.now ?? Date.now;
  }

  async create(context: ScimRequestContext, body: unknown): Promise<ScimReply> {
    const { organization } = context;
    const attributes = parseGroupBody(body);
    const source = scimMemberSource(organization.name);
    const outcome = await this.database.transaction(async (repos) => {
      const now = this.now();
      await this.assertNameFree(repos, organization, attributes.displayName);
      await this.assertMembers(repos, organization, attributes.members);
      const teamName = await freeTeamName(repos, organization.id, attributes.displayName);
      const row: ScimGroupEntity = {
        teamId: randomUUID(),
        orgId: organization.id,
        displayName: attributes.displayName,
        displayNameKey: attributes.displayName.toLowerCase(),
        externalId: attributes.externalId,
        createdAt: now,
        updatedAt: now,
      };
      await repos.scimGroups.insert(row, teamName);
      await repos.scimGroups.setMembers(row.teamId, source, attributes.members, now);
      return { row, teamName };
    });
    this.audit.record('scim.group.created', { organization: organization.name, groupId: outcome.row.teamId, displayName: outcome.row.displayName, team: outcome.teamName, members: attributes.members });
    return {
      status: 201,
      body: this.project(context, this.render(context, outcome.row, attributes.members)),
      location: `${context.baseUrl}/Groups/${outcome.row.teamId}`,
    };
  }

  async get(context: ScimRequestContext, id: string): Promise<ScimReply> {
    const repos = this.database.repositories;
    const row = await repos.scimGroups.find(context.organization.id, id);
    if (!row) throw notFound(id);
    const members = (await repos.scimGroups.membersOf([row.teamId], scimMemberSource(context.organization.name))).get(row.teamId) ?? [];
    return { status: 200, body: this.project(context, this.render(context, row, members)) };
  }

  async list(context: ScimRequestContext, query: ListQuery): Promise<ScimReply> {
    const { organization } = context;
    const repos = this.database.repositories;
    if (!query.filter) {
      const total = await repos.scimGroups.count(organization.id);
      const rows = query.count === 0 ? [] : await repos.scimGroups.page(organization.id, query.startIndex - 1, query.count);
      return { status: 200, body: listResponse((await this.rendered(context, rows)).map((r) => this.project(context, r, query)), total, query.startIndex) };
    }
    const matching = await this.matching(context, query.filter);
    const page = matching.slice(query.startIndex - 1, query.startIndex - 1 + query.count);
    return { status: 200, body: listResponse(page.map((r) => this.project(context, r, query)), matching.length, query.startIndex) };
  }

  /** Every Group of the organization the filter matches (all without one), rendered with members, in list order. */
  async matching(context: ScimRequestContext, filter: Filter | undefined): Promise<JsonObject[]> {
    const { organization } = context;
    const repos = this.database.repositories;
    const lookup = filter ? equalityLookup(filter) : undefined;
    const indexed = lookup ? lookupPath(GROUP_DEFINITION, lookup.path) : undefined;
    const by = lookup && indexed && !indexed.subAttribute ? indexed.attribute.name : undefined;
    let rows: ScimGroupEntity[];
    if (lookup && by === 'displayName') {
      const row = await repos.scimGroups.findByDisplayNameKey(organization.id, lookup.value.toLowerCase());
      rows = row ? [row] : [];
    } else if (lookup && by === 'externalId') {
      rows = await repos.scimGroups.findByExternalId(organization.id, lookup.value);
    } else if (lookup && by === 'id') {
      const row = await repos.scimGroups.find(organization.id, lookup.value);
      rows = row ? [row] : [];
    } else {
      rows = await repos.scimGroups.all(organization.id);
    }
    const rules = filterContext(GROUP_DEFINITION);
    const resources = await this.rendered(context, rows);
    return filter ? resources.filter((resource) => matchesFilter(filter, resource, rules)) : resources;
  }

  /** The groups with their members (one query for all of them). */
  private async rendered(context: ScimRequestContext, rows: ScimGroupEntity[]): Promise<JsonObject[]> {
    const members = await this.database.repositories.scimGroups.membersOf(
      rows.map((r) => r.teamId),
      scimMemberSource(context.organization.name),
    );
    return rows.map((row) => this.render(context, row, members.get(row.teamId) ?? []));
  }

  replace(context: ScimRequestContext, id: string, body: unknown): Promise<ScimReply> {
    const replacement = parseGroupBody(body);
    return this.change(context, id, () => replacement);
  }

  patch(context: ScimRequestContext, id: string, body: unknown): Promise<ScimReply> {
    const operations = parsePatchRequest(body);
    return this.change(context, id, (current) => groupAttributesFrom(applyPatch(groupResource(current, context.baseUrl), operations, GROUP_DEFINITION)));
  }

  async delete(context: ScimRequestContext, id: string): Promise<ScimReply> {
    const { organization } = context;
    const outcome = await this.database.transaction(async (repos) => {
      const row = await repos.scimGroups.find(organization.id, id);
      if (!row) throw notFound(id);
      await repos.scimGroups.delete(organization.id, id);
      return row;
    });
    this.audit.record('scim.group.deleted', { organization: organization.name, groupId: id, displayName: outcome.displayName });
    return { status: 204 };
  }

  private async change(context: ScimRequestContext, id: string, next: (current: ScimGroupAttributes) => ScimGroupAttributes): Promise<ScimReply> {
    const { organization } = context;
    const source = scimMemberSource(organization.name);
    const outcome = await this.database.transaction(async (repos) => {
      const row = await repos.scimGroups.find(organization.id, id);
      if (!row) throw notFound(id);
      const members = (await repos.scimGroups.membersOf([id], source)).get(id) ?? [];
      const attributes = next({ displayName: row.displayName, externalId: row.externalId, members });
      const renamed = attributes.displayName.toLowerCase() !== row.displayNameKey;
      if (renamed) await this.assertNameFree(repos, organization, attributes.displayName);
      const current = new Set(members);
      await this.assertMembers(
        repos,
        organization,
        attributes.members.filter((m) => !current.has(m)),
      );
      const now = this.now();
      const updated: ScimGroupEntity = { ...row, displayName: attributes.displayName, displayNameKey: attributes.displayName.toLowerCase(), externalId: attributes.externalId, updatedAt: now };
      await repos.scimGroups.update(updated);
      const change = await repos.scimGroups.setMembers(id, source, attributes.members, now);
      return { updated, members: attributes.members, renamed, ...change };
    });
    this.audit.record('scim.group.updated', {
      organization: organization.name,
      groupId: id,
      displayName: outcome.updated.displayName,
      renamed: outcome.renamed,
      membersAdded: outcome.added,
      membersRemoved: outcome.removed,
    });
    return { status: 200, body: this.project(context, this.render(context, outcome.updated, outcome.members)) };
  }

  private async assertNameFree(repos: IdentityRepositories, organization: OrganizationEntity, displayName: string): Promise<void> {
    if (await repos.scimGroups.findByDisplayNameKey(organization.id, displayName.toLowerCase())) {
      throw ScimError.conflict(`a Group with displayName '${displayName}' already exists in organization '${organization.name}'`);
    }
  }

  /** Members must be Users this organization provisioned through SCIM (Pulumi's rule too). */
  private async assertMembers(repos: IdentityRepositories, organization: OrganizationEntity, userIds: readonly string[]): Promise<void> {
    const known = await repos.scimUsers.existing(organization.id, userIds);
    const unknown = userIds.filter((id) => !known.has(id));
    if (unknown.length === 0) return;
    const named = unknown
      .slice(0, NAMED_REFUSALS)
      .map((id) => `'${id.slice(0, 64)}'`)
      .join(', ');
    const more = unknown.length > NAMED_REFUSALS ? ` and ${unknown.length - NAMED_REFUSALS} more` : '';
    throw ScimError.badRequest('invalidValue', `members must be Users provisioned through SCIM in organization '${organization.name}'; not such a User: ${named}${more}`);
  }

  private render(context: ScimRequestContext, row: ScimGroupEntity, members: string[]): JsonObject {
    return renderGroup({ id: row.teamId, displayName: row.displayName, externalId: row.externalId, members, created: row.createdAt, lastModified: row.updatedAt }, context.baseUrl);
  }

  private project(context: ScimRequestContext, resource: JsonObject, query: Pick<ListQuery, 'attributes' | 'excludedAttributes'> = context.projection): JsonObject {
    return projectResource(resource, query.attributes, query.excludedAttributes);
  }
}

function notFound(id: string): ScimError {
  return ScimError.notFound(`no Group with id '${id.slice(0, 64)}'`);
}

/** The group's team name, numbered when another team of the organization has it. */
async function freeTeamName(repos: IdentityRepositories, orgId: string, displayName: string): Promise<string> {
  let tried = 0;
  for (const candidate of teamNameCandidates(displayName)) {
    if (!(await repos.teams.findByName(orgId, candidate))) return candidate;
    if (++tried >= MAX_TEAM_NAME_CANDIDATES) break;
  }
  throw ScimError.conflict(`no free team name derived from '${displayName}' after ${MAX_TEAM_NAME_CANDIDATES} tries`);
}
