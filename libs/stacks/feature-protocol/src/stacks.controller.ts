import { Body, Controller, Delete, Get, Head, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiError } from '@stackyard/shared-errors';
import type { ListStacksResponse, Principal, StackResponse, UpdateInfo } from '@stackyard/shared-contracts';
import { parsePositiveInt } from './request-validation.util';
import { StackAccessService, type StackRef } from './stack-access.service';
import { CurrentPrincipal, RawBody, StackPath } from './stack-params';
import { StacksService } from './stacks.service';
import { acceptsGzip, sendState } from './state-response.util';
import { UpdateEventsService } from './update-events.service';

@Controller('api')
export class StacksController {
  constructor(
    private readonly access: StackAccessService,
    private readonly stacks: StacksService,
    private readonly events: UpdateEventsService,
  ) {}

  @Get('user/stacks')
  list(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, string | undefined>): Promise<ListStacksResponse> {
    return this.stacks.list(principal, query);
  }

  @Post('stacks/:org/:project')
  @HttpCode(200)
  create(@CurrentPrincipal() principal: Principal, @Param('org') org: string, @Param('project') project: string, @Body() body: unknown) {
    return this.stacks.create(principal, org, project, body);
  }

  @Head('stacks/:org/:project')
  async projectExists(@CurrentPrincipal() principal: Principal, @Param('org') org: string, @Param('project') project: string): Promise<void> {
    if (!(await this.stacks.projectExists(principal, org, project))) throw ApiError.notFound(`Project '${org}/${project}' not found`);
  }

  @Get('stacks/:org/:project/:stack')
  async get(@CurrentPrincipal() principal: Principal, @StackPath() ref: StackRef): Promise<StackResponse> {
    return this.stacks.toResponse(await this.access.find(principal, ref));
  }

  @Delete('stacks/:org/:project/:stack')
  @HttpCode(204)
  async delete(@CurrentPrincipal() principal: Principal, @StackPath() ref: StackRef, @Query('force') force?: string): Promise<void> {
    if (force !== undefined && force !== 'true' && force !== 'false') throw ApiError.badRequest("'force' must be true or false");
    await this.stacks.delete(await this.access.find(principal, ref), force === 'true');
  }

  @Post('stacks/:org/:project/:stack/rename')
  @HttpCode(204)
  async rename(@CurrentPrincipal() principal: Principal, @StackPath() ref: StackRef, @Body() body: unknown): Promise<void> {
    await this.stacks.rename(principal, await this.access.find(principal, ref), body);
  }

  @Patch('stacks/:org/:project/:stack/tags')
  @HttpCode(204)
  async tags(@CurrentPrincipal() principal: Principal, @StackPath() ref: StackRef, @Body() body: unknown): Promise<void> {
    await this.stacks.setTags(await this.access.find(principal, ref), body);
  }

  @Get('stacks/:org/:project/:stack/export')
  async export(@CurrentPrincipal() principal: Principal, @StackPath() ref: StackRef, @Req() req: Request, @Res() res: Response): Promise<void> {
    const stack = await this.access.find(principal, ref);
    await sendState(res, await this.stacks.exportCurrent(stack, acceptsGzip(req)));
  }

  @Get('stacks/:org/:project/:stack/export/:version')
  async exportVersion(
    @CurrentPrincipal() principal: Principal,
    @StackPath() ref: StackRef,
    @Param('version') version: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const stack = await this.access.find(principal, ref);
    await sendState(res, await this.stacks.exportVersion(stack, parsePositiveInt(version, 'version'), acceptsGzip(req)));
  }

  @Post('stacks/:org/:project/:stack/import')
  @HttpCode(200)
  async import(@CurrentPrincipal() principal: Principal, @StackPath() ref: StackRef, @RawBody() body: Buffer | undefined) {
    return this.stacks.import(principal, await this.access.find(principal, ref), body);
  }

  @Get('stacks/:org/:project/:stack/updates')
  async history(
    @CurrentPrincipal() principal: Principal,
    @StackPath() ref: StackRef,
    @Query('page') page?: string,
    @Query('pageSize') pageSize?: string,
  ): Promise<{ updates: UpdateInfo[] }> {
    const stack = await this.access.find(principal, ref);
    const size = Math.min(parsePositiveInt(pageSize, 'pageSize', 10), 1000);
    return this.events.history(stack, parsePositiveInt(page, 'page', 1), size);
  }

  @Get('stacks/:org/:project/:stack/updates/latest')
  async latest(@CurrentPrincipal() principal: Principal, @StackPath() ref: StackRef): Promise<{ info: UpdateInfo }> {
    return this.events.latest(await this.access.find(principal, ref));
  }
}
