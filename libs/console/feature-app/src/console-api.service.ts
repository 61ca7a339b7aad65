import { Inject, Injectable } from '@nestjs/common';
import type { AccessTokenListItem, CreateAccessTokenResponse, ListAccessTokensResponse, ListStacksResponse, StackResponse, StackSummary, UntypedDeployment, UpdateInfo, UpdateResults } from '@stackyard/shared-contracts';
import {
  type BrowserRequest,
  CONSOLE_SIGN_IN_SETTINGS,
  type ConsoleSignInSettings,
  ConsoleSessionService,
  consoleOrigins,
  crossSiteProblem,
  csrfTokenFor,
  isValidCsrfToken,
  SESSION_COOKIE,
} from '@stackyard/console-feature-sign-in';
import { ApiError } from '@stackyard/shared-errors';
import { API_CALLER, type ApiCaller } from './api.client';
import { SessionApiTokens } from './session-api-token.cache';
import { rawStackOutput, resourceCountOf, revealSecrets, secretCiphertextsOf, type StackOutput, stackOutputsOf } from './stack-outputs';
import { timelineEventOf, type UpdateLogLine, updateLogLine, type UpdateTimelineEvent } from './update-log';
import type { UpdateBatch } from './update-stream';
import { whereItRan } from './update-environment';

/** Organization, project and stack names as the api accepts them; anything else is refused here. */
export const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const UPDATE_ID = /^[A-Za-z0-9-]{1,64}$/;
const TAG_NAME = /^[A-Za-z0-9_.:/-]{1,100}$/;
const OUTPUT_NAME = /^[A-Za-z0-9_$.-]{1,200}$/;
const TOKEN_ID = /^[A-Za-z0-9-]{1,64}$/;
/** Update statuses before the end. */
const RUNNING = new Set<string>(['running', 'requested', 'not started']);
/** The console's own per-session tokens: infrastructure, not something the person made. */
const CONSOLE_SESSION_TOKEN = /^console-session-/;
const MAX_TOKEN_DESCRIPTION = 255;
/** Pages of the api's stack list read for one console page (the api pages by 100 or so). */
const MAX_STACK_PAGES = 50;

export interface StackRef {
  org: string;
  project: string;
  stack: string;
}

export interface ConsoleSession {
  user: { login: string; name: string };
  organizations: string[];
  /** Organizations where the person is an administrator (the console offers their teams and audit-log pages). */
  adminOf: string[];
  /** For `X-CSRF-Token` on the console's requests that change something. */
  csrfToken: string;
}

export interface StackListing {
  stacks: StackSummary[];
  /** Every project among the stacks the person may see, for the filter. */
  projects: string[];
}

export interface StackOverview {
  stack: StackResponse;
  latest: UpdateInfo | null;
  outputs: StackOutput[];
  resourceCount: number;
}

export interface UpdateLogPage {
  status: UpdateResults['status'];
  lines: UpdateLogLine[];
  /** Pass back to read on; null once the update has ended and everything was read. */
  continuationToken: string | null;
}

export function checkedStackRef(org: string, project: string, stack: string): StackRef {
  for (const [what, value] of [['organization', org], ['project', project], ['stack', stack]] as const) {
    if (!NAME.test(value)) throw ApiError.badRequest(`the ${what} name must be 1 to 100 letters, digits, '_', '.' or '-'`);
  }
  return { org, project, stack };
}

export function stackPath(ref: StackRef): string {
  return `/api/stacks/${encodeURIComponent(ref.org)}/${encodeURIComponent(ref.project)}/${encodeURIComponent(ref.stack)}`;
}

/**
 * What the web console's pages show, read from the api as the signed-in person (their session's
 * api token), so the api's RBAC decides: a stack the person may not read is a 404 here too.
 */
@Injectable()
export class ConsoleApiService {
  constructor(
    private readonly sessions: ConsoleSessionService,
    private readonly sessionTokens: SessionApiTokens,
    @Inject(API_CALLER) private readonly api: ApiCaller,
    @Inject(CONSOLE_SIGN_IN_SETTINGS) private readonly settings: ConsoleSignInSettings,
  ) {}

  async session(request: BrowserRequest): Promise<ConsoleSession> {
    const lookup = await this.sessions.lookup(request);
    if (!lookup.signedIn) throw ApiError.unauthorized('sign in to the console first');
    const { user, organizations } = lookup.session;
    return { user: { login: user.login, name: user.name }, organizations: organizations.map((o) => o.name), adminOf: organizations.filter((o) => o.role === 'admin').map((o) => o.name), csrfToken: csrfTokenFor(lookup.sessionToken) };
  }

  async stacks(request: BrowserRequest, filter: { project?: string; tagName?: string; tagValue?: string; search?: string }): Promise<StackListing> {
    const query = new URLSearchParams();
    if (filter.tagName !== undefined && filter.tagName !== '') {
      if (!TAG_NAME.test(filter.tagName)) throw ApiError.badRequest('the tag name must be 1 to 100 letters, digits or _ . : / -');
      query.set('tagName', filter.tagName);
      if (filter.tagValue !== undefined && filter.tagValue !== '') query.set('tagValue', filter.tagValue.slice(0, 256));
    }
    const token = await this.apiTokenFor(request);
    const all: StackSummary[] = [];
    for (let page = 0; page < MAX_STACK_PAGES; page++) {
      const listed = await this.api.get<ListStacksResponse>(`/api/user/stacks?${query.toString()}`, token, request.requestId);
      all.push(...listed.stacks);
      if (!listed.continuationToken) break;
      query.set('continuationToken', listed.continuationToken);
    }
    const projects = [...new Set(all.map((s) => s.projectName))].sort();
    const search = (filter.search ?? '').trim().toLowerCase();
    const stacks = all.filter((s) => (!filter.project || s.projectName === filter.project) && (!search || `${s.orgName}/${s.projectName}/${s.stackName}`.toLowerCase().includes(search)));
    return { stacks, projects };
  }

  async overview(request: BrowserRequest, ref: StackRef): Promise<StackOverview> {
    const token = await this.apiTokenFor(request);
    const path = stackPath(ref);
    const stack = await this.api.get<StackResponse>(path, token, request.requestId);
    const [latest, exported] = await Promise.all([
      this.latestUpdate(`${path}/updates/latest`, token, request.requestId),
      this.api.get<UntypedDeployment>(`${path}/export`, token, request.requestId),
    ]);
    return { stack, latest, outputs: stackOutputsOf(exported.deployment), resourceCount: resourceCountOf(exported.deployment) };
  }

  async updates(request: BrowserRequest, ref: StackRef, page: number): Promise<{ updates: UpdateInfo[] }> {
    const token = await this.apiTokenFor(request);
    const history = await this.api.get<{ updates: UpdateInfo[] }>(`${stackPath(ref)}/updates?page=${page}&pageSize=50`, token, request.requestId);
    // The configuration an update ran with is not the console's to show here; of the environment the
    // CLI reported, only where it ran (CI, version control, the run's kind, the CLI) — no e-mail addresses.
    return { updates: history.updates.map(({ config: _config, environment, ...rest }) => ({ ...rest, config: {}, environment: whereItRan(environment) })) };
  }

  async updateLog(request: BrowserRequest, ref: StackRef, updateId: string, continuationToken: string | undefined): Promise<UpdateLogPage> {
    const { status, lines, continuationToken: next } = await this.updateBatch(request, ref, updateId, continuationToken);
    return { status, lines, continuationToken: next };
  }

  /** One read of an update's status and new events: log lines and timeline steps (the log page and its stream). */
  async updateBatch(request: BrowserRequest, ref: StackRef, updateId: string, continuationToken: string | undefined): Promise<UpdateBatch> {
    if (!UPDATE_ID.test(updateId)) throw ApiError.badRequest('the update id must be letters, digits and dashes');
    if (continuationToken !== undefined && (continuationToken.length > 512 || !/^[A-Za-z0-9_=.-]*$/.test(continuationToken))) throw ApiError.badRequest('invalid continuationToken');
    const token = await this.apiTokenFor(request);
    const base = `${stackPath(ref)}/update/${encodeURIComponent(updateId)}`;
    // Status first: events read after it include everything the update wrote before it ended.
    let results = await this.api.get<UpdateResults>(base, token, request.requestId);
    const query = continuationToken ? `?continuationToken=${encodeURIComponent(continuationToken)}` : '';
    const page = await this.api.get<{ events: Array<Record<string, unknown>>; continuationToken: string | null }>(`${base}/events${query}`, token, request.requestId);
    // The update may have ended between the two reads: then the events are complete and the status is stale.
    if (page.continuationToken === null && page.events.length > 0 && RUNNING.has(results.status)) results = await this.api.get<UpdateResults>(base, token, request.requestId);
    const lines = page.events.map(updateLogLine).filter((line): line is UpdateLogLine => line !== undefined);
    const timeline = page.events.map(timelineEventOf).filter((step): step is UpdateTimelineEvent => step !== undefined);
    const last = page.events.at(-1);
    // While the update runs, keep the place even when nothing new arrived.
    const next = page.continuationToken ?? (RUNNING.has(results.status) ? (continuationToken ?? (last ? null : '')) : null);
    return { status: results.status, lines, timeline, continuationToken: next };
  }

  /**
   * One secret output in clear, for a person the api lets read the stack: the api decrypts (and
   * audits the decryption as this person). A change of what the page shows on request, so it needs
   * the same-origin and CSRF checks of any change.
   */
  async revealOutput(request: BrowserRequest, ref: StackRef, name: string): Promise<{ name: string; value: unknown }> {
    if (!OUTPUT_NAME.test(name)) throw ApiError.badRequest('the output name must be 1 to 200 letters, digits or _ $ . -');
    const token = await this.changeTokenFor(request);
    const path = stackPath(ref);
    const exported = await this.api.get<UntypedDeployment>(`${path}/export`, token, request.requestId);
    const output = rawStackOutput(exported.deployment, name);
    if (!output.found) throw ApiError.notFound(`the stack has no output named '${name}'`);
    const ciphertexts = secretCiphertextsOf(output.value);
    if (ciphertexts.length === 0) return { name, value: output.value };
    const { plaintexts } = await this.api.post<{ plaintexts: Record<string, string> }>(`${path}/batch-decrypt`, { ciphertexts }, token, request.requestId);
    return { name, value: revealSecrets(output.value, plaintexts) };
  }

  /** The person's own access tokens (not the console's per-session ones), newest first. */
  async tokens(request: BrowserRequest): Promise<{ tokens: AccessTokenListItem[] }> {
    const token = await this.apiTokenFor(request);
    const listed = await this.api.get<ListAccessTokensResponse>('/api/user/tokens', token, request.requestId);
    return { tokens: listed.tokens.filter((t) => !CONSOLE_SESSION_TOKEN.test(t.name)) };
  }

  /** A new personal token; its value is in this answer only. */
  async createToken(request: BrowserRequest, body: unknown): Promise<CreateAccessTokenResponse> {
    const token = await this.changeTokenFor(request);
    if (request.contentType !== 'application/json') throw ApiError.unsupportedMediaType('send the token request as application/json');
    const description = (body as { description?: unknown } | null)?.description;
    if (typeof description !== 'string' || description.trim() === '' || description.length > MAX_TOKEN_DESCRIPTION) {
      throw ApiError.badRequest(`description is required: 1 to ${MAX_TOKEN_DESCRIPTION} characters`);
    }
    return this.api.post<CreateAccessTokenResponse>('/api/user/tokens', { description, expires: 0 }, token, request.requestId);
  }

  async revokeToken(request: BrowserRequest, tokenId: string): Promise<void> {
    if (!TOKEN_ID.test(tokenId)) throw ApiError.badRequest('the token id must be letters, digits and dashes');
    const token = await this.changeTokenFor(request);
    await this.api.delete(`/api/user/tokens/${encodeURIComponent(tokenId)}`, token, request.requestId);
  }

  /** A change needs a same-origin request with this session's CSRF token; answers the session's api token. */
  async changeTokenFor(request: BrowserRequest): Promise<string> {
    const problem = crossSiteProblem(request.origin, request.secFetchSite, consoleOrigins(this.settings.publicOrigin, request.host, this.settings.plainHttp));
    if (problem) throw ApiError.forbidden(`refused: ${problem}`);
    const sessionToken = request.cookies.get(SESSION_COOKIE);
    if (sessionToken === undefined) throw ApiError.unauthorized('sign in to the console first');
    if (!isValidCsrfToken(sessionToken, request.csrfHeader)) throw ApiError.forbidden('the X-CSRF-Token header is missing or is not the token of this session');
    return this.apiTokenFor(request);
  }

  /** The newest update, or null for a stack that has none (the api answers 404). */
  private async latestUpdate(path: string, token: string, requestId: string | undefined): Promise<UpdateInfo | null> {
    try {
      return (await this.api.get<{ info: UpdateInfo }>(path, token, requestId)).info;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** The signed-in person's api token for this session (401 when there is no session). */
  async apiTokenFor(request: BrowserRequest): Promise<string> {
    const sessionToken = request.cookies.get(SESSION_COOKIE);
    const token = sessionToken === undefined ? undefined : await this.sessionTokens.tokenFor(sessionToken, request.requestId);
    if (token === undefined) throw ApiError.unauthorized('sign in to the console first');
    return token;
  }
}
