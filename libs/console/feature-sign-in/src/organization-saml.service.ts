import { Inject, Injectable } from '@nestjs/common';
import type { PutSamlConfigRequest, SamlConfigResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import type { BrowserRequest } from './browser-request';
import { CONSOLE_SIGN_IN_SETTINGS, type ConsoleSignInSettings } from './console-sign-in.settings';
import { ConsoleSessionService } from './console-session.service';
import { isValidCsrfToken } from './csrf';
import { IdentityGateway, sessionHashOf } from './identity.gateway';
import { consoleOrigins, crossSiteProblem } from './request-origin';
import { ORGANIZATION_NAME } from './saml-sign-in.service';

const SETTINGS_FIELDS = ['idpMetadataXml', 'groupsAttribute', 'usernameAttribute', 'teamMappings', 'enabled'] as const;

/**
 * An organization's SAML configuration, for its signed-in admins (JSON, for the web console's
 * scripts): read it, upload IdP metadata and settings. Changes need the session cookie and its
 * CSRF token in `X-CSRF-Token`; identity checks the admin role again against the session.
 */
@Injectable()
export class OrganizationSamlService {
  constructor(
    private readonly identity: IdentityGateway,
    private readonly sessions: ConsoleSessionService,
    @Inject(CONSOLE_SIGN_IN_SETTINGS) private readonly settings: ConsoleSignInSettings,
  ) {}

  async describe(request: BrowserRequest, organization: string): Promise<SamlConfigResponse> {
    await this.organizationAdmin(request, organization, false);
    return this.identity.samlConfig(organization, request.requestId);
  }

  async update(request: BrowserRequest, organization: string, body: unknown): Promise<SamlConfigResponse> {
    const sessionToken = await this.organizationAdmin(request, organization, true);
    if (request.contentType !== 'application/json') throw ApiError.unsupportedMediaType('send the configuration as application/json');
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw ApiError.badRequest('the body must be a JSON object with idpMetadataXml');
    // Only the settings travel on; who is asking comes from the session, never from the body.
    const settings = Object.fromEntries(SETTINGS_FIELDS.filter((field) => field in body).map((field) => [field, (body as Record<string, unknown>)[field]]));
    const change: PutSamlConfigRequest = { ...settings, sessionHash: sessionHashOf(sessionToken) };
    return this.identity.putSamlConfig(organization, change, request.requestId);
  }

  /** The session token of a signed-in admin of `organization`; a change must also be same-origin and carry the CSRF token. */
  private async organizationAdmin(request: BrowserRequest, organization: string, changes: boolean): Promise<string> {
    if (!ORGANIZATION_NAME.test(organization)) throw ApiError.notFound('there is no such organization');
    if (changes) {
      const problem = crossSiteProblem(request.origin, request.secFetchSite, consoleOrigins(this.settings.publicOrigin, request.host, this.settings.plainHttp));
      if (problem) throw ApiError.forbidden(`refused: ${problem}`);
    }
    const lookup = await this.sessions.lookup(request);
    if (!lookup.signedIn) throw ApiError.unauthorized('sign in to the console first');
    if (changes && !isValidCsrfToken(lookup.sessionToken, request.csrfHeader)) {
      throw ApiError.forbidden('the X-CSRF-Token header is missing or is not the token of this session');
    }
    if (!lookup.session.organizations.some((o) => o.name === organization && o.role === 'admin')) {
      throw ApiError.forbidden(`only an admin of organization '${organization}' may see or change its SAML configuration`);
    }
    return lookup.sessionToken;
  }
}
