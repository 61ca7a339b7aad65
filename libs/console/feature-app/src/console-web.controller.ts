import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiError } from '@stackyard/shared-errors';
import { ConsoleAssets, CONSOLE_INDEX_HTML, CONSOLE_PAGE_HEADERS } from './console-web';

export const CONSOLE_ASSETS = Symbol('ConsoleAssets');

/** The single-page app: its page for every console route, and its scripts and styles. */
@Controller('console')
export class ConsoleWebController {
  constructor(@Inject(CONSOLE_ASSETS) private readonly assets: ConsoleAssets) {}

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() res: Response): void {
    const asset = this.assets.get(name);
    if (!asset) throw ApiError.notFound('there is no such console asset');
    res.set({ ...CONSOLE_PAGE_HEADERS, 'Content-Type': asset.contentType, 'Cache-Control': 'no-cache' });
    res.status(200).end(asset.body);
  }

  @Get(['', 'tokens', 'stacks', 'stacks/*path', 'orgs/*path'])
  page(@Res() res: Response): void {
    res.set({ ...CONSOLE_PAGE_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.status(200).end(CONSOLE_INDEX_HTML);
  }
}
