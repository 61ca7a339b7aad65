import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth.decorators';
import type { SchemaObject } from './json-schema';
import { buildPulumiSpec } from './pulumi-spec.document';

/** Deliberately public, as Pulumi Cloud's own: the document describes routes, never data. */
@Controller('api/openapi')
export class OpenApiController {
  private readonly document = buildPulumiSpec();

  @Public()
  @Get('pulumi-spec.json')
  @Header('cache-control', 'public, max-age=300')
  spec(): SchemaObject {
    return this.document;
  }
}
