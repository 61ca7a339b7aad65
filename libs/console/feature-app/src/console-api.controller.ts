import type { ServerResponse } from 'node:http';
import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { type IncomingBrowserRequest, readBrowserRequest, SESSION_COOKIE } from '@stackyard/console-feature-sign-in';
import { ApiError } from '@stackyard/shared-errors';
import { checkedStackRef, ConsoleApiService, type ConsoleSession, type StackListing, type StackOverview, type UpdateLogPage } from './console-api.service';
import { followUpdate, resumeTokenOf, sseMessage, UpdateStreamLimiter } from './update-stream';
import type { AccessTokenListItem, CreateAccessTokenResponse, UpdateInfo } from '@stackyard/shared-contracts';

function optional(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw ApiError.badRequest('each query parameter may be given once');
  return value;
}

/** How often a stream reads the api for new events, and how often it says it is still there. */
const UPDATE_STREAM_POLL_MS = 1000;
const UPDATE_STREAM_HEARTBEAT_MS = 15_000;

/** The web console's JSON, on the console host; errors are `{code, message}`. */
@Controller('console/api')
export class ConsoleApiController {
  constructor(
    private readonly console: ConsoleApiService,
    private readonly streams: UpdateStreamLimiter,
  ) {}

  @Get('session')
  @Header('Cache-Control', 'no-store')
  session(@Req() req: IncomingBrowserRequest): Promise<ConsoleSession> {
    return this.console.session(readBrowserRequest(req));
  }

  @Get('stacks')
  @Header('Cache-Control', 'no-store')
  stacks(@Req() req: IncomingBrowserRequest, @Query() query: Record<string, unknown>): Promise<StackListing> {
    const filter: { project?: string; tagName?: string; tagValue?: string; search?: string } = {};
    for (const key of ['project', 'tagName', 'tagValue', 'search'] as const) {
      const value = optional(query[key]);
      if (value !== undefined) filter[key] = value;
    }
    return this.console.stacks(readBrowserRequest(req), filter);
  }

  @Get('stacks/:org/:project/:stack')
  @Header('Cache-Control', 'no-store')
  overview(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('project') project: string, @Param('stack') stack: string): Promise<StackOverview> {
    return this.console.overview(readBrowserRequest(req), checkedStackRef(org, project, stack));
  }

  @Get('stacks/:org/:project/:stack/updates')
  @Header('Cache-Control', 'no-store')
  updates(
    @Req() req: IncomingBrowserRequest,
    @Param('org') org: string,
    @Param('project') project: string,
    @Param('stack') stack: string,
    @Query('page') page: unknown,
  ): Promise<{ updates: UpdateInfo[] }> {
    const raw = optional(page) ?? '1';
    if (!/^[1-9][0-9]{0,5}$/.test(raw)) throw ApiError.badRequest('page must be a positive whole number');
    return this.console.updates(readBrowserRequest(req), checkedStackRef(org, project, stack), Number(raw));
  }

  @Get('stacks/:org/:project/:stack/updates/:updateId/log')
  @Header('Cache-Control', 'no-store')
  log(
    @Req() req: IncomingBrowserRequest,
    @Param('org') org: string,
    @Param('project') project: string,
    @Param('stack') stack: string,
    @Param('updateId') updateId: string,
    @Query('continuationToken') continuationToken: unknown,
  ): Promise<UpdateLogPage> {
    return this.console.updateLog(readBrowserRequest(req), checkedStackRef(org, project, stack), updateId, optional(continuationToken) || undefined);
  }

  /**
   * The update's log as Server-Sent Events (see update-stream.ts): follows the api's events and
   * pushes each new batch, resuming from `Last-Event-ID` after a reconnect. A bad request or a stack
   * the person may not read is answered as plain JSON before the stream starts.
   */
  @Get('stacks/:org/:project/:stack/updates/:updateId/stream')
  async stream(
    @Req() req: IncomingBrowserRequest,
    @Res() res: ServerResponse,
    @Param('org') org: string,
    @Param('project') project: string,
    @Param('stack') stack: string,
    @Param('updateId') updateId: string,
    @Query('continuationToken') continuationToken: unknown,
  ): Promise<void> {
    const request = readBrowserRequest(req);
    const ref = checkedStackRef(org, project, stack);
    const lastEventId = req.headers['last-event-id'];
    const start = resumeTokenOf(Array.isArray(lastEventId) ? lastEventId[0] : lastEventId, optional(continuationToken));
    const sessionToken = request.cookies.get(SESSION_COOKIE);
    if (sessionToken === undefined) throw ApiError.unauthorized('sign in to the console first');
    const release = this.streams.acquire(sessionToken);
    const gone = new AbortController();
    const stop = () => gone.abort();
    res.on('close', stop);
    try {
      const first = await this.console.updateBatch(request, ref, updateId, start);
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Accel-Buffering': 'no',
        Connection: 'keep-alive',
      });
      // Tells EventSource how long to wait before reconnecting after a dropped connection.
      res.write('retry: 2000\n\n');
      await followUpdate({
        read: (token) => this.console.updateBatch(request, ref, updateId, token),
        write: (chunk) => {
          if (!res.writableEnded && !res.destroyed) res.write(chunk);
        },
        signal: gone.signal,
        first,
        ...(start === undefined ? {} : { startToken: start }),
        pollMs: UPDATE_STREAM_POLL_MS,
        heartbeatMs: UPDATE_STREAM_HEARTBEAT_MS,
      });
    } catch (error) {
      if (!res.headersSent) throw error;
      const body = error instanceof ApiError ? error.toBody() : { code: 502, message: 'Bad Gateway: the api could not be read' };
      if (!res.writableEnded && !res.destroyed) res.write(sseMessage('problem', body));
    } finally {
      release();
      res.off('close', stop);
      if (res.headersSent && !res.writableEnded) res.end();
    }
  }

  /** Same origin, session cookie and `X-CSRF-Token`; the api decides (Read or more) and audits. */
  @Post('stacks/:org/:project/:stack/outputs/:name/reveal')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  reveal(
    @Req() req: IncomingBrowserRequest,
    @Param('org') org: string,
    @Param('project') project: string,
    @Param('stack') stack: string,
    @Param('name') name: string,
  ): Promise<{ name: string; value: unknown }> {
    return this.console.revealOutput(readBrowserRequest(req), checkedStackRef(org, project, stack), name);
  }

  @Get('tokens')
  @Header('Cache-Control', 'no-store')
  tokens(@Req() req: IncomingBrowserRequest): Promise<{ tokens: AccessTokenListItem[] }> {
    return this.console.tokens(readBrowserRequest(req));
  }

  @Post('tokens')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  createToken(@Req() req: IncomingBrowserRequest, @Body() body: unknown): Promise<CreateAccessTokenResponse> {
    return this.console.createToken(readBrowserRequest(req), body);
  }

  @Delete('tokens/:tokenId')
  @HttpCode(204)
  revokeToken(@Req() req: IncomingBrowserRequest, @Param('tokenId') tokenId: string): Promise<void> {
    return this.console.revokeToken(readBrowserRequest(req), tokenId);
  }
}
