import { Body, Controller, Delete, Get, Head, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiError } from '@stackyard/shared-errors';
import type { ListStacksResponse, Principal, StackResponse, UpdateInfo } from '@stackyard/shared-contracts';
import type { StackEntity } from '@stackyard/stacks-data-access';
import { AuditRecorder } from './audit-recorder';
import { AboutCaller, RequiresOrganization, RequiresStack } from './auth.decorators';
import type { AuthenticatedRequest } from './request-context';
import { parsePositiveInt, requireObject, requireString } from './request-validation.util';
import { StackAccessService } from './stack-access.service';
import { StackGrantsGateway } from './stack-grants.gateway';
import { AuthorizedStack, CurrentPrincipal, RawBody } from './stack-params';
import { StacksService } from './stacks.service';
import { acceptsGzip, sendState } from './state-response.util';
import { UpdateEventsService } from './update-events.service';

@Controller('api')
export class StacksController {
  constructor(
    private readonly access: StackAccessService,
    private readonly stacks: StacksService,
    private readonly events: UpdateEventsService,
    private readonly grants: StackGrantsGateway,
    private readonly audit: AuditRecorder,
  ) {}

  /** Only the stacks the caller may read (StacksService filters by the policy). */
  @AboutCaller()
  @Get('user/stacks')
  list(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, string | undefined>): Promise<ListStacksResponse> {
    return this.stacks.list(principal, query);
  }

  @RequiresOrganization('stack:create')
  @Post('stacks/:org/:project')
  @HttpCode(200)
  async create(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('project') project: string, @Body() body: unknown) {
    const created = await this.stacks.create(req.principal as Principal, org, project, body);
    this.audit.record(req, { organization: org, event: 'stack_created', description: `stack '${org}/${project}/${created.stackName}' created` });
    return { messages: created.messages };
  }

  @AboutCaller()
  @Head('stacks/:org/:project')
  async projectExists(@CurrentPrincipal() principal: Principal, @Param('org') org: string, @Param('project') project: string): Promise<void> {
    if (!(await this.stacks.projectExists(principal, org, project))) throw ApiError.notFound(`Project '${org}/${project}' not found`);
  }

  @RequiresStack('stack:read')
  @Get('stacks/:org/:project/:stack')
  get(@AuthorizedStack() stack: StackEntity): StackResponse {
    return this.stacks.toResponse(stack);
  }

  @RequiresStack('stack:delete')
  @Delete('stacks/:org/:project/:stack')
  @HttpCode(204)
  async delete(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity, @Query('force') force?: string): Promise<void> {
    if (force !== undefined && force !== 'true' && force !== 'false') throw ApiError.badRequest("'force' must be true or false");
    await this.stacks.delete(stack, force === 'true');
    await this.grants.moved(stack, undefined, req.requestId);
    this.audit.record(req, { organization: stack.orgName, event: 'stack_deleted', description: `stack '${nameOf(stack)}' deleted${force === 'true' ? ' (forced)' : ''}`, reqStackAdmin: true });
  }

  @RequiresStack('stack:rename')
  @Post('stacks/:org/:project/:stack/rename')
  @HttpCode(204)
  async rename(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity, @Body() body: unknown): Promise<void> {
    const to = await this.stacks.rename(req.principal as Principal, stack, body);
    if (!to) return;
    await this.grants.moved(stack, to, req.requestId);
    this.audit.record(req, { organization: stack.orgName, event: 'stack_renamed', description: `stack '${nameOf(stack)}' renamed to '${stack.orgName}/${to.project}/${to.stack}'`, reqStackAdmin: true });
  }

  /** Pulumi's `POST …/transfer {toOrg}`: Admin on the stack and the right to create stacks in the target. */
  @RequiresStack('stack:transfer')
  @Post('stacks/:org/:project/:stack/transfer')
  @HttpCode(204)
  async transfer(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity, @Body() body: unknown): Promise<void> {
    const toOrg = requireString(requireObject(body), 'toOrg', 40);
    if (toOrg === stack.orgName) return;
    this.access.enforceOrganization(req, toOrg, 'stack:create');
    await this.stacks.transfer(stack, toOrg);
    await this.grants.moved(stack, undefined, req.requestId);
    const description = `stack '${nameOf(stack)}' transferred to organization '${toOrg}'`;
    this.audit.record(req, { organization: stack.orgName, event: 'stack_transferred', description, reqStackAdmin: true });
    this.audit.record(req, { organization: toOrg, event: 'stack_transferred', description });
  }

  @RequiresStack('stack:update')
  @Patch('stacks/:org/:project/:stack/tags')
  @HttpCode(204)
  async tags(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity, @Body() body: unknown): Promise<void> {
    await this.stacks.setTags(stack, body);
    this.audit.record(req, { organization: stack.orgName, event: 'stack_tags_changed', description: `tags of stack '${nameOf(stack)}' replaced` });
  }

  /** Pulumi's REST route for one tag (what the `StackTag` resource of `@pulumi/pulumiservice` calls). */
  @RequiresStack('stack:update')
  @Post('stacks/:org/:project/:stack/tags')
  @HttpCode(204)
  async addTag(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity, @Body() body: unknown): Promise<void> {
    const tag = requireObject(body);
    const name = requireString(tag, 'name', 1000);
    const value = tag['value'];
    if (typeof value !== 'string') throw ApiError.badRequest("'value' must be a string");
    await this.stacks.setTags(stack, { ...stack.tags, [name]: value });
    this.audit.record(req, { organization: stack.orgName, event: 'stack_tag_added', description: `tag '${name}' set on stack '${nameOf(stack)}'` });
  }

  @RequiresStack('stack:update')
  @Delete('stacks/:org/:project/:stack/tags/:tagName')
  @HttpCode(204)
  async removeTag(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity, @Param('tagName') tagName: string): Promise<void> {
    if (!Object.hasOwn(stack.tags, tagName)) throw ApiError.notFound(`Stack '${nameOf(stack)}' has no tag '${tagName.slice(0, 100)}'`);
    const rest = Object.fromEntries(Object.entries(stack.tags).filter(([k]) => k !== tagName));
    await this.stacks.setTags(stack, rest);
    this.audit.record(req, { organization: stack.orgName, event: 'stack_tag_removed', description: `tag '${tagName}' removed from stack '${nameOf(stack)}'` });
  }

  @RequiresStack('stack:read')
  @Get('stacks/:org/:project/:stack/export')
  async export(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity, @Res() res: Response): Promise<void> {
    await sendState(res, await this.stacks.exportCurrent(stack, acceptsGzip(req)));
    this.audit.record(req, { organization: stack.orgName, event: 'stack_exported', description: `state of stack '${nameOf(stack)}' exported` });
  }

  @RequiresStack('stack:read')
  @Get('stacks/:org/:project/:stack/export/:version')
  async exportVersion(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity, @Param('version') version: string, @Res() res: Response): Promise<void> {
    const v = parsePositiveInt(version, 'version');
    await sendState(res, await this.stacks.exportVersion(stack, v, acceptsGzip(req)));
    this.audit.record(req, { organization: stack.orgName, event: 'stack_exported', description: `version ${v} of stack '${nameOf(stack)}' exported` });
  }

  @RequiresStack('stack:update')
  @Post('stacks/:org/:project/:stack/import')
  @HttpCode(200)
  async import(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity, @RawBody() body: Buffer | undefined) {
    const imported = await this.stacks.import(req.principal as Principal, stack, body);
    this.audit.record(req, { organization: stack.orgName, event: 'stack_imported', description: `state imported into stack '${nameOf(stack)}'` });
    return imported;
  }

  @RequiresStack('stack:read')
  @Get('stacks/:org/:project/:stack/updates')
  history(@AuthorizedStack() stack: StackEntity, @Query('page') page?: string, @Query('pageSize') pageSize?: string): Promise<{ updates: UpdateInfo[] }> {
    const size = Math.min(parsePositiveInt(pageSize, 'pageSize', 10), 1000);
    return this.events.history(stack, parsePositiveInt(page, 'page', 1), size);
  }

  @RequiresStack('stack:read')
  @Get('stacks/:org/:project/:stack/updates/latest')
  latest(@AuthorizedStack() stack: StackEntity): Promise<{ info: UpdateInfo }> {
    return this.events.latest(stack);
  }
}

function nameOf(stack: StackEntity): string {
  return `${stack.orgName}/${stack.projectName}/${stack.stackName}`;
}
