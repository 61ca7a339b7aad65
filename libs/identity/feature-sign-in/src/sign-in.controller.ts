import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import {
  IDENTITY_CLI_TOKEN_PATH,
  IDENTITY_SESSION_RESOLVE_PATH,
  IDENTITY_SESSION_REVOKE_PATH,
  IDENTITY_SIGN_IN_METHODS_PATH,
  type CliTokenResponse,
  type ResolveSessionResponse,
  type SignInMethodsResponse,
  type SignInResponse,
} from '@stackyard/shared-contracts';
import { CliTokenService } from './cli-token.service';
import { ConsoleApiTokenService } from './console-api-token.service';
import { ConsolePeerGuard } from './console-peer.guard';
import { DirectorySignInService } from './directory-sign-in.service';
import { SamlConfigService } from './saml-config.service';
import { SessionService } from './session.service';
import { SIGN_IN_OPTIONS, type SignInOptions } from './sign-in.options';

/** Internal only, for the console backend (see ConsolePeerGuard). */
@Controller()
@UseGuards(ConsolePeerGuard)
export class SignInController {
  constructor(
    private readonly directories: DirectorySignInService,
    private readonly sessions: SessionService,
    private readonly cliTokens: CliTokenService,
    private readonly consoleApiTokens: ConsoleApiTokenService,
    private readonly saml: SamlConfigService,
    @Inject(SIGN_IN_OPTIONS) private readonly options: SignInOptions,
  ) {}

  /** Configured directories and OAuth providers, then the organizations whose SAML sign-in is enabled. */
  @Get(IDENTITY_SIGN_IN_METHODS_PATH)
  async methods(): Promise<SignInMethodsResponse> {
    const directories = this.options.directories.map((d) => ({ id: d.id, kind: 'directory' as const, displayName: d.displayName }));
    const oauth = (this.options.oauthMethods ?? []).map((m) => ({ id: m.id, kind: 'oauth' as const, displayName: m.displayName }));
    return { methods: [...directories, ...oauth, ...(await this.saml.signInMethods())] };
  }

  @Post(`${IDENTITY_SIGN_IN_METHODS_PATH.replace('/methods', '')}/directory/:methodId`)
  @HttpCode(200)
  directory(@Param('methodId') methodId: string, @Body() body: unknown): Promise<SignInResponse> {
    return this.directories.signIn(methodId, body);
  }

  @Post(IDENTITY_SESSION_RESOLVE_PATH)
  @HttpCode(200)
  async resolveSession(@Body() body: unknown): Promise<ResolveSessionResponse> {
    const { user, organizations, expiresAt } = await this.sessions.resolve(body);
    return { user, organizations, expiresAt };
  }

  @Post(IDENTITY_SESSION_REVOKE_PATH)
  @HttpCode(204)
  async revokeSession(@Body() body: unknown): Promise<void> {
    await this.sessions.revoke(body);
    // The console's api token for this session ends with it.
    await this.consoleApiTokens.revokeFor(body);
  }

  @Post(IDENTITY_CLI_TOKEN_PATH)
  @HttpCode(201)
  cliToken(@Body() body: unknown): Promise<CliTokenResponse> {
    return this.cliTokens.mint(body);
  }
}
