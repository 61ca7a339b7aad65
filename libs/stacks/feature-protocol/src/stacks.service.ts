import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Injectable, Logger } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';
import type { ListStacksResponse, Principal, StackResponse, StackSummary } from '@stackyard/shared-contracts';
import {
  composeUntypedDeployment,
  decodeContinuationToken,
  encodeContinuationToken,
  renameStackInDeployment,
  validateOrgName,
  validateProjectName,
  validateStackName,
  validateTagName,
  validateTags,
  type UntypedDeploymentInfo,
  validateUntypedDeployment,
} from '@stackyard/stacks-domain';
import {
  CheckpointStore,
  DuplicateStackError,
  type StackEntity,
  StackRepository,
  StackVersionRepository,
  UpdateEventRepository,
  type UpdateEntity,
  UpdateRepository,
} from '@stackyard/stacks-data-access';
import { StackAccessService } from './stack-access.service';
import { JournalService } from './journal.service';
import { UpdateLifecycleService } from './update-lifecycle.service';
import { optionalStringMap, requireObject, requireString } from './request-validation.util';

const LIST_PAGE = 500;

/** A deployment the CLI accepts for a stack that has no state yet (version 1..4, RFC 3339 time). */
export function emptyDeployment(): Buffer {
  return Buffer.from(JSON.stringify({ version: 3, deployment: { manifest: { time: new Date().toISOString(), magic: '', version: '' } } }));
}

export interface StateStream {
  /** Bytes of the UntypedDeployment JSON, gzip-compressed when `compressed`. */
  body: Readable | Buffer;
  compressed: boolean;
}

@Injectable()
export class StacksService {
  private readonly logger = new Logger(StacksService.name);

  constructor(
    private readonly access: StackAccessService,
    private readonly stacks: StackRepository,
    private readonly versions: StackVersionRepository,
    private readonly updates: UpdateRepository,
    private readonly events: UpdateEventRepository,
    private readonly checkpoints: CheckpointStore,
    private readonly lifecycle: UpdateLifecycleService,
    private readonly journals: JournalService,
  ) {}

  toResponse(stack: StackEntity): StackResponse {
    const live = stack.activeUpdateId !== null && (stack.leaseExpiresAt ?? 0) >= Date.now();
    const res: StackResponse = {
      id: stack.id,
      orgName: stack.orgName,
      projectName: stack.projectName,
      stackName: stack.stackName,
      activeUpdate: (live ? stack.activeUpdateId : stack.latestUpdateId) ?? '',
      tags: stack.tags ?? {},
      version: stack.version,
    };
    if (live && stack.currentOperation) res.currentOperation = stack.currentOperation;
    return res;
  }

  async list(principal: Principal, query: Record<string, string | undefined>): Promise<ListStacksResponse> {
    const { organization, project, tagName, tagValue, continuationToken } = query;
    if (tagName !== undefined) {
      const problem = validateTagName(tagName);
      if (problem) throw ApiError.badRequest(problem);
    }
    let after: string | undefined;
    if (continuationToken) {
      const decoded = decodeContinuationToken(continuationToken) as { k?: unknown } | undefined;
      if (!decoded || typeof decoded.k !== 'string') throw ApiError.badRequest('invalid continuationToken');
      after = decoded.k;
    }
    const owners = this.access.ownersOf(principal);
    if (organization !== undefined && !owners.includes(organization)) return { stacks: [] };
    const rows = await this.stacks.list({ owners, ...(organization !== undefined ? { organization } : {}), ...(project !== undefined ? { project } : {}) });
    const keyOf = (s: StackEntity) => `${s.orgName}/${s.projectName}/${s.stackName}`;
    const visible = rows.filter((s) => {
      if (!this.access.canRead(principal, s)) return false;
      if (tagName !== undefined && !Object.hasOwn(s.tags ?? {}, tagName)) return false;
      if (tagName !== undefined && tagValue !== undefined && s.tags[tagName] !== tagValue) return false;
      return after === undefined || keyOf(s) > after;
    });
    const page = visible.slice(0, LIST_PAGE);
    const stacks: StackSummary[] = page.map((s) => ({
      id: s.id,
      orgName: s.orgName,
      projectName: s.projectName,
      stackName: s.stackName,
      ...(s.lastUpdateAt ? { lastUpdate: Math.floor(s.lastUpdateAt / 1000) } : {}),
      resourceCount: s.resourceCount,
      tags: s.tags ?? {},
    }));
    const res: ListStacksResponse = { stacks };
    if (visible.length > LIST_PAGE) res.continuationToken = encodeContinuationToken({ k: keyOf(page.at(-1)!) });
    return res;
  }

  /** The guard has decided `stack:create` in `org`. */
  async create(principal: Principal, org: string, project: string, body: unknown): Promise<{ messages: []; stackName: string }> {
    const req = requireObject(body);
    const stackName = requireString(req, 'stackName', 1000);
    this.access.validateRef({ org, project, stack: stackName });
    const tags = optionalStringMap(req, 'tags') ?? {};
    const tagProblem = validateTags(tags);
    if (tagProblem) throw ApiError.badRequest(tagProblem);
    let initial: Buffer | undefined;
    let initialInfo: UntypedDeploymentInfo | undefined;
    if (req['state'] !== undefined && req['state'] !== null) {
      initial = Buffer.from(JSON.stringify(req['state']));
      const checked = validateUntypedDeployment(initial);
      if (!checked.ok) throw ApiError.badRequest(`invalid 'state': ${checked.error}`);
      initialInfo = checked.info;
    }
    const now = Date.now();
    const stack: StackEntity = {
      id: randomUUID(),
      orgName: org,
      projectName: project,
      stackName,
      tags,
      version: 0,
      headVersion: null,
      resourceCount: 0,
      activeUpdateId: null,
      leaseExpiresAt: null,
      currentOperation: null,
      latestUpdateId: null,
      lastUpdateAt: null,
      createdBy: principal.login,
      createdAt: now,
      updatedAt: now,
    };
    if (initial && initialInfo) {
      // The initial state (a non-default secrets provider) is version 0's checkpoint.
      const key = this.checkpoints.key(stack.id, 0);
      await this.checkpoints.write(stack.id, key, composeUntypedDeployment(initial, initialInfo));
      stack.headVersion = 0;
      stack.resourceCount = initialInfo.resourceCount;
    }
    try {
      await this.stacks.insert(stack);
    } catch (error) {
      if (error instanceof DuplicateStackError) throw ApiError.conflict(`Stack '${stackName}' already exists`);
      throw error;
    }
    if (stack.headVersion === 0) {
      await this.versions.upsert({ stackId: stack.id, version: 0, objectKey: this.checkpoints.key(stack.id, 0), resourceCount: stack.resourceCount, updateId: null, createdAt: now });
    }
    return { messages: [], stackName };
  }

  async projectExists(principal: Principal, org: string, project: string): Promise<boolean> {
    if (!this.access.ownersOf(principal).includes(org) || validateProjectName(project)) return false;
    return this.stacks.projectExists(org, project);
  }

  async delete(stack: StackEntity, force: boolean): Promise<void> {
    if (!force) {
      if (stack.resourceCount > 0) throw ApiError.badRequest('Stack still contains resources.');
      if (stack.activeUpdateId && (stack.leaseExpiresAt ?? 0) >= Date.now()) throw ApiError.conflict('Another update is currently in progress.');
    }
    // The stack row goes first: once it is gone the name is free and nothing refers to the rest,
    // so a crash part-way leaves only unreachable leftovers, never a half-deleted stack.
    await this.stacks.delete(stack.id);
    try {
      await this.versions.deleteForStack(stack.id);
      const updateIds = await this.updates.deleteForStack(stack.id);
      await this.events.deleteForUpdates(updateIds);
      await this.checkpoints.deleteStack(stack.id);
    } catch (error) {
      this.logger.warn(`stack ${stack.id} deleted; cleaning its history failed: ${(error as Error).message}`);
    }
  }

  async setTags(stack: StackEntity, body: unknown): Promise<void> {
    const tags = requireObject(body, 'tags');
    for (const [k, v] of Object.entries(tags)) if (typeof v !== 'string') throw ApiError.badRequest(`tag '${k}' must have a string value`);
    const problem = validateTags(tags);
    if (problem) throw ApiError.badRequest(problem);
    await this.stacks.setTags(stack.id, tags as Record<string, string>, Date.now());
  }

  /** `stack` was read in this request (StackAccessService.find), so its head is current. */
  async exportCurrent(stack: StackEntity, acceptsGzip: boolean): Promise<StateStream> {
    const live = await this.journals.readLive(stack);
    if (live) return { body: live, compressed: false };
    if (stack.headVersion === null) return { body: emptyDeployment(), compressed: false };
    return this.exportStored(stack, stack.headVersion, acceptsGzip);
  }

  async exportVersion(stack: StackEntity, version: number, acceptsGzip: boolean): Promise<StateStream> {
    if (version === stack.version) {
      // The version a running journaling update writes exists once it has applied a batch.
      const live = await this.journals.readLive(stack);
      if (live) return { body: live, compressed: false };
    }
    return this.exportStored(stack, version, acceptsGzip);
  }

  /** A version's stored checkpoint object (no journal replay). */
  private async exportStored(stack: StackEntity, version: number, acceptsGzip: boolean): Promise<StateStream> {
    const row = await this.versions.find(stack.id, version);
    if (!row) throw ApiError.notFound(`Stack '${stack.stackName}' has no version ${version}`);
    const body = acceptsGzip ? await this.checkpoints.openCompressed(stack.id, row.objectKey) : await this.checkpoints.openText(stack.id, row.objectKey);
    if (!body) throw new Error(`checkpoint object ${row.objectKey} is missing`);
    return { body, compressed: acceptsGzip };
  }

  /** `stack import`: the body becomes the next version, as an update of kind `import`. */
  async import(principal: Principal, stack: StackEntity, body: Buffer | undefined): Promise<{ updateId: string }> {
    if (!body || body.length === 0) throw ApiError.badRequest('request body is required');
    const checked = validateUntypedDeployment(body);
    if (!checked.ok) throw ApiError.badRequest(checked.error);
    const info = checked.info;
    return this.writeAsNewVersion(principal, stack, 'import', composeUntypedDeployment(body, info), info.resourceCount);
  }

  /** The new names, or undefined when they are the current ones. */
  async rename(principal: Principal, stack: StackEntity, body: unknown): Promise<{ project: string; stack: string } | undefined> {
    const req = requireObject(body);
    const newName = requireString(req, 'newName', 1000);
    const newProject = (req['newProject'] as string | undefined) || stack.projectName;
    if (typeof newProject !== 'string') throw ApiError.badRequest("'newProject' must be a string");
    const problem = validateStackName(newName) ?? validateProjectName(newProject);
    if (problem) throw ApiError.badRequest(problem);
    if (newName === stack.stackName && newProject === stack.projectName) return undefined;
    if (await this.stacks.findByName(stack.orgName, newProject, newName)) throw ApiError.conflict(`Stack '${newName}' already exists`);
    let rewritten: Buffer | undefined;
    let resourceCount = 0;
    if (stack.headVersion !== null) {
      const row = await this.versions.find(stack.id, stack.headVersion);
      const text = row ? await this.checkpoints.readText(stack.id, row.objectKey) : undefined;
      if (text) {
        const state = JSON.parse(text.toString('utf8')) as Parameters<typeof renameStackInDeployment>[0];
        const renamed = renameStackInDeployment(state, { oldStack: stack.stackName, newStack: newName, oldProject: stack.projectName, newProject });
        rewritten = Buffer.from(JSON.stringify(renamed));
        resourceCount = row!.resourceCount;
      }
    }
    await this.writeAsNewVersion(principal, stack, 'rename', rewritten ? [rewritten] : undefined, resourceCount, async () => {
      try {
        await this.stacks.rename(stack.id, newProject, newName, Date.now());
      } catch (error) {
        if (error instanceof DuplicateStackError) throw ApiError.conflict(`Stack '${newName}' already exists`);
        throw error;
      }
    });
    return { project: newProject, stack: newName };
  }

  /** Moves the stack to `toOrg` (409 while an update runs or when the name is taken there). */
  async transfer(stack: StackEntity, toOrg: string): Promise<void> {
    const problem = validateOrgName(toOrg);
    if (problem) throw ApiError.badRequest(problem);
    if (await this.stacks.findByName(toOrg, stack.projectName, stack.stackName)) {
      throw ApiError.conflict(`Stack '${stack.projectName}/${stack.stackName}' already exists in organization '${toOrg}'`);
    }
    let moved: boolean;
    try {
      moved = await this.stacks.transfer(stack.id, toOrg, Date.now());
    } catch (error) {
      if (error instanceof DuplicateStackError) throw ApiError.conflict(`Stack '${stack.projectName}/${stack.stackName}' already exists in organization '${toOrg}'`);
      throw error;
    }
    if (!moved) throw ApiError.conflict('Another update is currently in progress.');
  }

  /**
   * Import and rename change the state outside a CLI update, so they take the lock like one
   * (409 while an update runs), get their own version and appear in history.
   */
  private async writeAsNewVersion(
    principal: Principal,
    stack: StackEntity,
    kind: 'import' | 'rename',
    pieces: Buffer[] | undefined,
    resourceCount: number,
    whileLocked?: () => Promise<void>,
  ): Promise<{ updateId: string }> {
    const now = Date.now();
    const update: UpdateEntity = {
      id: randomUUID(),
      stackId: stack.id,
      kind,
      dryRun: false,
      status: 'not-started',
      version: 0,
      leaseTokenHash: null,
      leaseExpiresAt: null,
      requestedBy: principal.login,
      message: '',
      environment: {},
      config: {},
      resourceChanges: null,
      resourceCount,
      checkpointWritten: false,
      createdAt: now,
      startedAt: now,
      endedAt: null,
    };
    await this.updates.insert(update);
    const version = await this.lifecycle.acquire(stack.id, update, now + 60_000);
    await this.updates.transition(update.id, ['not-started'], 'running', { version });
    try {
      if (pieces) {
        const key = this.checkpoints.key(stack.id, version);
        await this.checkpoints.write(stack.id, key, pieces);
        await this.versions.upsert({ stackId: stack.id, version, objectKey: key, resourceCount, updateId: update.id, createdAt: Date.now() });
        await this.stacks.setHeadWhileLocked(stack.id, update.id, version, resourceCount, Date.now());
        await this.updates.setFields(update.id, { checkpointWritten: true });
      }
      if (whileLocked) await whileLocked();
      await this.updates.transition(update.id, ['running'], 'succeeded', { endedAt: Date.now() });
    } catch (error) {
      await this.updates.transition(update.id, ['running'], 'failed', { endedAt: Date.now() });
      throw error;
    } finally {
      await this.lifecycle.release({ ...update, version });
    }
    return { updateId: update.id };
  }
}
