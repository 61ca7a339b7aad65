import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { generateAccessToken, hashAccessToken } from '@stackyard/identity-domain';
import { ApiError } from '@stackyard/shared-errors';
import { IdentityDatabase, type IdentityRepositories } from './identity.database';
import { IDENTITY_TOKENS_OPTIONS, type IdentityTokensOptions } from './identity-tokens.options';
import { type CreateTokenResponse, parseCreateTokenRequest } from './token.dto';

/** Minting and revoking access tokens (operators, tests, later the console). */
@Injectable()
export class TokenService {
  private readonly logger = new Logger(TokenService.name);
  private readonly now: () => number;

  constructor(
    private readonly database: IdentityDatabase,
    @Inject(IDENTITY_TOKENS_OPTIONS) private readonly options: IdentityTokensOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async create(body: unknown): Promise<CreateTokenResponse> {
    const request = parseCreateTokenRequest(body);
    const minted = await this.database.transaction(async (repos) => {
      const now = this.now();
      const userId = await this.ensureUser(repos, request.login, now);
      if (await repos.tokens.findByUserAndName(userId, request.name)) {
        throw ApiError.conflict(`user '${request.login}' already has a token named '${request.name}' (names stay taken after revocation)`);
      }
      return this.insertPersonal(repos, userId, request.name, '', request.expiresInSeconds === undefined ? null : now + request.expiresInSeconds * 1000, now);
    });
    this.logger.log(`created token ${minted.id} '${request.name}' for user '${request.login}'`);
    return minted;
  }

  /**
   * A personal token for an existing user, named `<prefix>-<time>-<random>` so repeated CLI logins
   * never collide with each other or with names the user chose.
   */
  async mintPersonal(userId: string, namePrefix: string, description: string): Promise<CreateTokenResponse & { name: string }> {
    const now = this.now();
    const name = `${namePrefix}-${new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomUUID().slice(0, 8)}`;
    const minted = await this.database.transaction((repos) => this.insertPersonal(repos, userId, name, description, null, now));
    this.logger.log(`created token ${minted.id} '${name}' for user ${userId}`);
    return { ...minted, name };
  }

  private async insertPersonal(repos: IdentityRepositories, userId: string, name: string, description: string, expiresAt: number | null, now: number): Promise<CreateTokenResponse> {
    const token = generateAccessToken();
    const id = randomUUID();
    await repos.tokens.insert({
      id,
      userId,
      orgId: null,
      kind: 'personal',
      name,
      tokenHash: hashAccessToken(token),
      description,
      createdAt: now,
      lastUsedAt: null,
      expiresAt,
      revokedAt: null,
    });
    return { id, token };
  }

  async revoke(id: string): Promise<void> {
    const repos = this.database.repositories;
    if (await repos.tokens.revoke(id, this.now())) {
      this.logger.log(`revoked token ${id}`);
      return;
    }
    // Revoking twice is not an error (retries are safe); revoking nothing is.
    if (!(await repos.tokens.findById(id))) throw ApiError.notFound(`no access token with id '${id}'`);
  }

  /** The user's id, creating the user as a member of the default organization on first use. */
  private async ensureUser(repos: IdentityRepositories, login: string, now: number): Promise<string> {
    const existing = await repos.users.findByLogin(login);
    if (existing) return existing.id;
    const userId = randomUUID();
    await repos.users.insert({ id: userId, login, name: login, email: '', avatarUrl: '', siteAdmin: false, createdAt: now });
    let org = await repos.organizations.findByName(this.options.defaultOrganization);
    if (!org) {
      org = { id: randomUUID(), name: this.options.defaultOrganization, createdAt: now };
      await repos.organizations.insert(org);
    }
    await repos.memberships.insert({ orgId: org.id, userId, role: 'member', createdAt: now });
    return userId;
  }
}
