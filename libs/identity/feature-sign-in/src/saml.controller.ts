import { Body, Controller, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import type { SamlConfigResponse, SamlSpMetadataResponse, SamlStartResponse, SamlTestReport, SamlTestStartResponse, SignInResponse } from '@stackyard/shared-contracts';
import { ConsolePeerGuard } from './console-peer.guard';
import { SamlConfigService } from './saml-config.service';
import { SamlSignInService } from './saml-sign-in.service';

/**
 * Internal only, for the console backend (see ConsolePeerGuard); operators reach the configuration
 * routes with the console's certificate, as they do the token routes. Paths: contracts/internal.ts.
 */
@Controller()
@UseGuards(ConsolePeerGuard)
export class SamlController {
  constructor(
    private readonly signIn: SamlSignInService,
    private readonly configs: SamlConfigService,
  ) {}

  @Post('/internal/v1/sign-in/saml/:org/start')
  @HttpCode(200)
  start(@Param('org') org: string, @Body() body: unknown): Promise<SamlStartResponse> {
    return this.signIn.start(org, body);
  }

  @Post('/internal/v1/sign-in/saml/:org/acs')
  @HttpCode(200)
  acs(@Param('org') org: string, @Body() body: unknown): Promise<SignInResponse> {
    return this.signIn.acs(org, body);
  }

  @Post('/internal/v1/sign-in/saml/:org/test/start')
  @HttpCode(200)
  testStart(@Param('org') org: string, @Body() body: unknown): Promise<SamlTestStartResponse> {
    return this.signIn.testStart(org, body);
  }

  @Post('/internal/v1/sign-in/saml/:org/test/acs')
  @HttpCode(200)
  testAcs(@Param('org') org: string, @Body() body: unknown): Promise<SamlTestReport> {
    return this.signIn.testAcs(org, body);
  }

  @Get('/internal/v1/orgs/:org/saml')
  describe(@Param('org') org: string): Promise<SamlConfigResponse> {
    return this.configs.describe(org);
  }

  @Put('/internal/v1/orgs/:org/saml')
  update(@Param('org') org: string, @Body() body: unknown): Promise<SamlConfigResponse> {
    return this.configs.update(org, body);
  }

  @Get('/internal/v1/orgs/:org/saml/sp-metadata')
  spMetadata(@Param('org') org: string): Promise<SamlSpMetadataResponse> {
    return this.configs.spMetadata(org);
  }
}
