import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { loginCandidates } from '@stackyard/identity-domain';
import { IdentityDatabase, type IdentityRepositories, type ScimUserEntity } from '@stackyard/identity-feature-tokens';
import {
  applyPatch,
  equalityLookup,
  type Filter,
  filterContext,
  isActive,
  type JsonObject,
  listResponse,
  type ListQuery,
  lookupPath,
  matchesFilter,
  parsePatchRequest,
  parseUserBody,
  projectResource,
  renderUser,
  ScimError,
  type ScimUserAttributes,
  USER_DEFINITION,
  userAttributesFrom,
  userDisplayName,
  userEmail,
  userResource,
} from '@stackyard/identity-scim';
import { samlProvider, scimMemberSource } from './saml-organizations';
import { ScimAudit } from './scim-audit';
import type { ScimReply, ScimRequestContext } from './scim-request';
import { SCIM_OPTIONS, type ScimOptions } from './scim.options';

/** How many numbered logins (`alice-2`, …) to try before giving up on a name. */
const MAX_LOGIN_CANDIDATES = 50;

function attributesOf(row: ScimUserEntity): ScimUserAttributes {
  return {
    userName: row.userName,
    externalId: row.externalId,
    displayName: row.displayName,
    givenName: row.givenName,
    familyName: row.familyName,
    formattedName: row.formattedName,
    emails: row.emails ?? [],
    active: row.active,
  };
}

function rowOf(orgId: string, userId: string, user: ScimUserAttributes, createdAt: number, updatedAt: number): ScimUserEntity {
  return {
    orgId,
    userId,
    userName: user.userName,
    userNameKey: user.userName.toLowerCase(),
    externalId: user.externalId,
    displayName: user.displayName,
    givenName: user.givenName,
    familyName: user.familyName,
    formattedName: user.formattedName,
    emails: user.emails,
    active: user.active,
    createdAt,
    updatedAt,
  };
}

/** What deactivating (or deleting) a user ends at once: their console sessions and personal access tokens. */
async function revokeCredentials(repos: IdentityRepositories, userId: string, now: number): Promise<{ tokensRevoked: number; sessionsRevoked: number }> {
  return { tokensRevoked: await repos.tokens.revokeAllOfUser(userId, now), sessionsRevoked: await repos.sessions.revokeAllOfUser(userId, now) };
}

/**
 * SCIM Users of a SAML organization. A User is the person SAML sign-in finds: userName is their
 * NameID, the subject of their `saml:<org>` identity. Creating one provisions that user (or takes
 * over the one an earlier SAML sign-in created), a member of the organization; `active: false`
 * revokes their sessions and personal tokens and refuses their sign-ins until reactivated;
 * deleting removes them from the organization and its SCIM teams (the user and their history stay).
 */
@Injectable()
export class ScimUsersService {
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
    const attributes = parseUserBody(body);
    const provider = samlProvider(organization.name);
    const outcome = await this.database.transaction(async (repos) => {
      const now = this.now();
      if (await repos.scimUsers.findByUserNameKey(organization.id, attributes.userName.toLowerCase())) {
        throw ScimError.conflict(`a User with userName '${attributes.userName}' already exists in organization '${organization.name}'`);
      }
      const known = await repos.identities.find(provider, attributes.userName);
      let user = known ? await repos.users.findById(known.userId) : null;
      const adopted = user !== null;
      if (user) {
        // Signed in through SAML before SCIM was set up: the same person, now managed by SCIM.
        if (await repos.scimUsers.find(organization.id, user.id)) throw ScimError.conflict(`the person with userName '${attributes.userName}' is already a User`);
        await repos.users.updateProfile(user.id, userDisplayName(attributes), userEmail(attributes));
      } else {
        user = { id: randomUUID(), login: await freeLogin(repos, attributes.userName), name: userDisplayName(attributes), email: userEmail(attributes), avatarUrl: '', siteAdmin: false, createdAt: now };
        await repos.users.insert(user);
        // last_sign_in_at 0: provisioned, never signed in.
        await repos.identities.insert({ provider, subject: attributes.userName, userId: user.id, username: attributes.userName, createdAt: now, lastSignInAt: 0 });
      }
      if (!(await repos.memberships.find(organization.id, user.id))) await repos.memberships.insert({ orgId: organization.id, userId: user.id, role: 'member', createdAt: now });
      const row = rowOf(organization.id, user.id, attributes, now, now);
      await repos.scimUsers.insert(row);
      const revoked = isActive(attributes) ? undefined : await revokeCredentials(repos, user.id, now);
      return { row, login: user.login, adopted, revoked };
    });
    this.audit.record('scim.user.created', {
      organization: organization.name,
      user: outcome.login,
      userId: outcome.row.userId,
      userName: outcome.row.userName,
      adoptedExisting: outcome.adopted,
      active: isActive(outcome.row),
    });
    if (outcome.revoked) this.audit.record('scim.user.deactivated', { organization: organization.name, user: outcome.login, userId: outcome.row.userId, ...outcome.revoked });
    return { status: 201, body: this.project(context, this.render(context, outcome.row)), location: `${context.baseUrl}/Users/${outcome.row.userId}` };
  }

  async get(context: ScimRequestContext, id: string): Promise<ScimReply> {
    const row = await this.database.repositories.scimUsers.find(context.organization.id, id);
    if (!row) throw notFound(id);
    return { status: 200, body: this.project(context, this.render(context, row)) };
  }

  async list(context: ScimRequestContext, query: ListQuery): Promise<ScimReply> {
    const { organization } = context;
    const repos = this.database.repositories;
    if (!query.filter) {
      // The common case (a full sync) pages in the database.
      const total = await repos.scimUsers.count(organization.id);
      const rows = query.count === 0 ? [] : await repos.scimUsers.page(organization.id, query.startIndex - 1, query.count);
      return { status: 200, body: listResponse(rows.map((row) => this.project(context, this.render(context, row), query)), total, query.startIndex) };
    }
    const matching = await this.matching(context, query.filter);
    const page = matching.slice(query.startIndex - 1, query.startIndex - 1 + query.count);
    return { status: 200, body: listResponse(page.map((resource) => this.project(context, resource, query)), matching.length, query.startIndex) };
  }

  /** Every User of the organization the filter matches (all without one), rendered, in list order. */
  async matching(context: ScimRequestContext, filter: Filter | undefined): Promise<JsonObject[]> {
    const { organization } = context;
    const repos = this.database.repositories;
    const lookup = filter ? equalityLookup(filter) : undefined;
    const indexed = lookup ? lookupPath(USER_DEFINITION, lookup.path) : undefined;
    const by = lookup && indexed && !indexed.subAttribute ? indexed.attribute.name : undefined;
    let rows: ScimUserEntity[];
    if (lookup && by === 'userName') {
      const row = await repos.scimUsers.findByUserNameKey(organization.id, lookup.value.toLowerCase());
      rows = row ? [row] : [];
    } else if (lookup && by === 'externalId') {
      rows = await repos.scimUsers.findByExternalId(organization.id, lookup.value);
    } else if (lookup && by === 'id') {
      const row = await repos.scimUsers.find(organization.id, lookup.value);
      rows = row ? [row] : [];
    } else {
      // Any other filter is evaluated here, over the organization's SCIM users.
      rows = await repos.scimUsers.all(organization.id);
    }
    const rules = filterContext(USER_DEFINITION);
    const resources = rows.map((row) => this.render(context, row));
    return filter ? resources.filter((resource) => matchesFilter(filter, resource, rules)) : resources;
  }

  replace(context: ScimRequestContext, id: string, body: unknown): Promise<ScimReply> {
    const replacement = parseUserBody(body);
    return this.change(context, id, () => replacement);
  }

  patch(context: ScimRequestContext, id: string, body: unknown): Promise<ScimReply> {
    const operations = parsePatchRequest(body);
    return this.change(context, id, (current) => userAttributesFrom(applyPatch(userResource(current), operations, USER_DEFINITION)));
  }

  async delete(context: ScimRequestContext, id: string): Promise<ScimReply> {
    const { organization } = context;
    const outcome = await this.database.transaction(async (repos) => {
      const row = await repos.scimUsers.find(organization.id, id);
      if (!row) throw notFound(id);
      const now = this.now();
      await repos.scimUsers.delete(organization.id, id);
      const teamsLeft = await repos.scimGroups.removeMemberEverywhere(id, scimMemberSource(organization.name));
      await repos.memberships.delete(organization.id, id);
      const revoked = await revokeCredentials(repos, id, now);
      return { login: (await repos.users.findById(id))?.login ?? null, userName: row.userName, teamsLeft, revoked };
    });
    this.audit.record('scim.user.deleted', { organization: organization.name, user: outcome.login, userId: id, userName: outcome.userName, teamsLeft: outcome.teamsLeft, ...outcome.revoked });
    return { status: 204 };
  }

  /** PUT and PATCH: the new attributes from the current ones, applied in one transaction. */
  private async change(context: ScimRequestContext, id: string, next: (current: ScimUserAttributes) => ScimUserAttributes): Promise<ScimReply> {
    const { organization } = context;
    const outcome = await this.database.transaction(async (repos) => {
      const row = await repos.scimUsers.find(organization.id, id);
      if (!row) throw notFound(id);
      const current = attributesOf(row);
      const attributes = next(current);
      if (attributes.userName.toLowerCase() !== row.userNameKey) {
        throw ScimError.badRequest('mutability', `userName is immutable: it is the person's SAML NameID ('${row.userName}'); delete the User and create a new one to change it`);
      }
      const now = this.now();
      const updated = rowOf(organization.id, id, { ...attributes, userName: row.userName }, row.createdAt, now);
      await repos.scimUsers.update(updated);
      await repos.users.updateProfile(id, userDisplayName(attributes), userEmail(attributes));
      const deactivated = isActive(current) && !isActive(attributes);
      const revoked = deactivated ? await revokeCredentials(repos, id, now) : undefined;
      const login = (await repos.users.findById(id))?.login ?? null;
      return { updated, login, changed: changedAttributes(current, attributesOf(updated)), deactivated, reactivated: !isActive(current) && isActive(attributes), revoked };
    });
    const fields = { organization: organization.name, user: outcome.login, userId: id };
    if (outcome.changed.length > 0) this.audit.record('scim.user.updated', { ...fields, changed: outcome.changed });
    if (outcome.deactivated) this.audit.record('scim.user.deactivated', { ...fields, ...outcome.revoked });
    if (outcome.reactivated) this.audit.record('scim.user.reactivated', fields);
    return { status: 200, body: this.project(context, this.render(context, outcome.updated)) };
  }

  private render(context: ScimRequestContext, row: ScimUserEntity): JsonObject {
    return renderUser({ ...attributesOf(row), id: row.userId, created: row.createdAt, lastModified: row.updatedAt }, context.baseUrl);
  }

  private project(context: ScimRequestContext, resource: JsonObject, query: Pick<ListQuery, 'attributes' | 'excludedAttributes'> = context.projection): JsonObject {
    return projectResource(resource, query.attributes, query.excludedAttributes);
  }
}

function notFound(id: string): ScimError {
  return ScimError.notFound(`no User with id '${id.slice(0, 64)}'`);
}

/** The top-level attributes whose value differs (for the audit line; never the values). */
function changedAttributes(before: ScimUserAttributes, after: ScimUserAttributes): string[] {
  const a = userResource(before);
  const b = userResource(after);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key])).sort();
}

async function freeLogin(repos: IdentityRepositories, userName: string): Promise<string> {
  let tried = 0;
  for (const candidate of loginCandidates(userName)) {
    if (!(await repos.users.findByLogin(candidate))) return candidate;
    if (++tried >= MAX_LOGIN_CANDIDATES) break;
  }
  throw ScimError.conflict(`no free login derived from '${userName}' after ${MAX_LOGIN_CANDIDATES} tries`);
}
