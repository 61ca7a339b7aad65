import { type DynamicModule, Module } from '@nestjs/common';
import { BrowserFormGuard } from './browser-form.guard';
import { CliLoginController } from './cli-login.controller';
import { CliLoginService } from './cli-login.service';
import { CONSOLE_SIGN_IN_SETTINGS, type ConsoleSignInSettings } from './console-sign-in.settings';
import { ConsoleSessionService } from './console-session.service';
import { IDENTITY_CLIENT, type IdentityCaller, IdentityGateway } from './identity.gateway';
import { OAuthSignInController } from './oauth-sign-in.controller';
import { OAuthSignInService } from './oauth-sign-in.service';
import { OrganizationSamlController } from './organization-saml.controller';
import { OrganizationSamlService } from './organization-saml.service';
import { SamlController } from './saml.controller';
import { SamlSignInService } from './saml-sign-in.service';
import { SignInController } from './sign-in.controller';
import { SignInService } from './sign-in.service';

export interface ConsoleSignInDependencies {
  identity: IdentityCaller;
  settings: ConsoleSignInSettings;
}

const SAML_ACS_ROUTE = /^\/saml\/[^/]+\/acs$/;
const ORGANIZATION_SAML_ROUTE = /^\/api\/console\/orgs\/[^/]+\/saml$/;

/** Posts whose form bodies these routes parse themselves: `startService` must hand them over raw. */
export const SIGN_IN_FORM_ROUTES: RegExp[] = [/^\/login\/directory\/[^/]+$/, /^\/logout$/, SAML_ACS_ROUTE];
/** A sign-in form is a few hundred bytes; nothing larger is read. */
export const MAX_SIGN_IN_FORM_BYTES = 16 * 1024;
/** A SAMLResponse (up to 256 KiB decoded) as a form field: base64, then URL-encoded. */
export const MAX_SAML_ACS_FORM_BYTES = 1024 * 1024;
/** IdP metadata (up to 1 MiB) JSON-escaped, with the settings. */
export const MAX_SAML_CONFIG_BYTES = 3 * 1024 * 1024;

/** The body limit of this feature's routes, or undefined for routes it does not own. */
export function signInBodyLimit(path: string): number | undefined {
  if (SAML_ACS_ROUTE.test(path)) return MAX_SAML_ACS_FORM_BYTES;
  if (ORGANIZATION_SAML_ROUTE.test(path)) return MAX_SAML_CONFIG_BYTES;
  if (SIGN_IN_FORM_ROUTES.some((route) => route.test(path))) return MAX_SIGN_IN_FORM_BYTES;
  return undefined;
}

/** Browser sign-in on the console host: pages, directory and SAML sign-in, sessions, sign-out, `pulumi login`, organizations' SAML settings. */
@Module({})
export class ConsoleSignInModule {
  static register(deps: ConsoleSignInDependencies): DynamicModule {
    return {
      module: ConsoleSignInModule,
      controllers: [SignInController, CliLoginController, SamlController, OrganizationSamlController, OAuthSignInController],
      providers: [
        { provide: IDENTITY_CLIENT, useValue: deps.identity },
        { provide: CONSOLE_SIGN_IN_SETTINGS, useValue: deps.settings },
        IdentityGateway,
        ConsoleSessionService,
        BrowserFormGuard,
        SignInService,
        CliLoginService,
        SamlSignInService,
        OrganizationSamlService,
        OAuthSignInService,
      ],
    };
  }
}
