import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { ListTeamsResponse, TeamResponse } from '@stackyard/shared-contracts';
import { type IncomingBrowserRequest, readBrowserRequest } from '@stackyard/console-feature-sign-in';
import { ApiError } from '@stackyard/shared-errors';
import { checkedStackRef, type StackRef } from './console-api.service';
import { type AuditLogFilter, type AuditLogPage, checkedOrg, checkedTeam, ConsoleOrgService, type OrganizationMember } from './console-org.service';
import { ConsoleStackSettingsService, type StackSettings } from './console-stack-settings.service';
import type { StackResourceNode } from './stack-resources';

function optional(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw ApiError.badRequest('each query parameter may be given once');
  return value;
}

function auditFilter(query: Record<string, unknown>): AuditLogFilter {
  const filter: AuditLogFilter = {};
  for (const key of ['event', 'user', 'continuationToken'] as const) {
    const value = optional(query[key]);
    if (value !== undefined) filter[key] = value;
  }
  return filter;
}

/** The console's JSON for an organization's teams and audit log (organization and team admins). */
@Controller('console/api/orgs/:org')
export class ConsoleOrgController {
  constructor(private readonly orgs: ConsoleOrgService) {}

  @Get('teams')
  @Header('Cache-Control', 'no-store')
  teams(@Req() req: IncomingBrowserRequest, @Param('org') org: string): Promise<ListTeamsResponse> {
    return this.orgs.teams(readBrowserRequest(req), checkedOrg(org));
  }

  @Post('teams')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  createTeam(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Body() body: unknown): Promise<TeamResponse> {
    return this.orgs.createTeam(readBrowserRequest(req), checkedOrg(org), body);
  }

  @Get('teams/:team')
  @Header('Cache-Control', 'no-store')
  team(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('team') team: string): Promise<TeamResponse> {
    return this.orgs.team(readBrowserRequest(req), checkedOrg(org), checkedTeam(team));
  }

  /** One change per request, as the api takes it: a member added or removed, a stack given, changed or taken away. */
  @Patch('teams/:team')
  @HttpCode(204)
  changeTeam(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('team') team: string, @Body() body: unknown): Promise<void> {
    return this.orgs.changeTeam(readBrowserRequest(req), checkedOrg(org), checkedTeam(team), body);
  }

  @Delete('teams/:team')
  @HttpCode(204)
  deleteTeam(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('team') team: string): Promise<void> {
    return this.orgs.deleteTeam(readBrowserRequest(req), checkedOrg(org), checkedTeam(team));
  }

  @Get('members')
  @Header('Cache-Control', 'no-store')
  members(@Req() req: IncomingBrowserRequest, @Param('org') org: string): Promise<{ members: OrganizationMember[] }> {
    return this.orgs.members(readBrowserRequest(req), checkedOrg(org));
  }

  @Get('auditlogs')
  @Header('Cache-Control', 'no-store')
  auditLog(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Query() query: Record<string, unknown>): Promise<AuditLogPage> {
    return this.orgs.auditLog(readBrowserRequest(req), checkedOrg(org), auditFilter(query));
  }

  /** A download link on the console's own origin: the api's export, handed on as a .gz file. */
  @Get('auditlogs/export')
  async auditLogExport(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const file = await this.orgs.auditLogExport(readBrowserRequest(req), checkedOrg(org), optional(query['format']) ?? 'csv', auditFilter(query));
    res.set({
      'Content-Type': file.contentType,
      'Content-Disposition': `attachment; filename="${file.fileName}"`,
      'Content-Length': String(file.body.length),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.status(200).end(file.body);
  }
}

/** The console's JSON for a stack's settings (tags, access by team, why) and its resources. */
@Controller('console/api/stacks/:org/:project/:stack')
export class ConsoleStackSettingsController {
  constructor(private readonly settings: ConsoleStackSettingsService) {}

  @Get('settings')
  @Header('Cache-Control', 'no-store')
  read(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('project') project: string, @Param('stack') stack: string): Promise<StackSettings> {
    return this.settings.settings(readBrowserRequest(req), checkedStackRef(org, project, stack));
  }

  @Post('tags')
  @HttpCode(204)
  addTag(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('project') project: string, @Param('stack') stack: string, @Body() body: unknown): Promise<void> {
    return this.settings.addTag(readBrowserRequest(req), checkedStackRef(org, project, stack), body);
  }

  @Delete('tags/:name')
  @HttpCode(204)
  removeTag(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('project') project: string, @Param('stack') stack: string, @Param('name') name: string): Promise<void> {
    return this.settings.removeTag(readBrowserRequest(req), checkedStackRef(org, project, stack), name);
  }

  @Put('teams/:team')
  @HttpCode(204)
  setTeam(
    @Req() req: IncomingBrowserRequest,
    @Param('org') org: string,
    @Param('project') project: string,
    @Param('stack') stack: string,
    @Param('team') team: string,
    @Body() body: unknown,
  ): Promise<void> {
    return this.settings.setTeamPermission(readBrowserRequest(req), checkedStackRef(org, project, stack), team, body);
  }

  @Post('rename')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  rename(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('project') project: string, @Param('stack') stack: string, @Body() body: unknown): Promise<StackRef> {
    return this.settings.rename(readBrowserRequest(req), checkedStackRef(org, project, stack), body);
  }

  @Post('transfer')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  transfer(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('project') project: string, @Param('stack') stack: string, @Body() body: unknown): Promise<StackRef> {
    return this.settings.transfer(readBrowserRequest(req), checkedStackRef(org, project, stack), body);
  }

  /** A POST with the typed confirmation in its body (`{confirm, force}`), not a bare DELETE: deleting needs the name typed. */
  @Post('delete')
  @HttpCode(204)
  remove(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('project') project: string, @Param('stack') stack: string, @Body() body: unknown): Promise<void> {
    return this.settings.delete(readBrowserRequest(req), checkedStackRef(org, project, stack), body);
  }

  @Get('resources')
  @Header('Cache-Control', 'no-store')
  resources(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('project') project: string, @Param('stack') stack: string): Promise<{ resources: StackResourceNode[] }> {
    return this.settings.resources(readBrowserRequest(req), checkedStackRef(org, project, stack));
  }
}
