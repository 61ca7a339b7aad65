import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  type CliTokenRequest,
  type CliTokenResponse,
  type DirectorySignInRequest,
  identityOrgSamlPath,
  identityOrgSamlSpMetadataPath,
  identitySamlAcsPath,
  identitySamlStartPath,
  identitySamlTestAcsPath,
  identitySamlTestStartPath,
  type SamlTestAcsRequest,
  type SamlTestReport,
  type SamlTestStartRequest,
  type SamlTestStartResponse,
  type PutSamlConfigRequest,
  type SamlAcsRequest,
  type SamlConfigResponse,
  type SamlSpMetadataResponse,
  type SamlStartRequest,
  type SamlStartResponse,
  IDENTITY_CLI_TOKEN_PATH,
  IDENTITY_SESSION_API_TOKEN_PATH,
  IDENTITY_SESSION_RESOLVE_PATH,
  IDENTITY_SESSION_REVOKE_PATH,
  IDENTITY_SIGN_IN_METHODS_PATH,
  identityDirectorySignInPath,
  type ResolveSessionRequest,
  type ResolveSessionResponse,
  type RevokeSessionRequest,
  type SessionApiTokenRequest,
  type SessionApiTokenResponse,
  type SignInMethodsResponse,
  type SignInResponse,
} from '@stackyard/shared-contracts';
import { UpstreamError } from '@stackyard/shared-http';

export const IDENTITY_CLIENT = Symbol('ConsoleIdentityClient');

/** How the console reaches identity: an `InternalClient` (mutual TLS) in the service. */
export interface IdentityCaller {
  get<T>(path: string, requestId?: string): Promise<T>;
  post<T>(path: string, body: unknown, requestId?: string): Promise<T>;
  call<T>(method: string, path: string, body: unknown, requestId?: string): Promise<T>;
}

/**
 * What identity stores and resolves: the lowercase hex SHA-256 of the session cookie. The cookie
 * value itself never leaves the console after sign-in.
 */
export function sessionHashOf(sessionToken: string): string {
  return createHash('sha256').update(sessionToken, 'utf8').digest('hex');
}

/** The sign-in calls of `libs/shared/contracts/src/internal.ts`, typed, and nothing cached. */
@Injectable()
export class IdentityGateway {
  constructor(@Inject(IDENTITY_CLIENT) private readonly identity: IdentityCaller) {}

  signInMethods(requestId?: string): Promise<SignInMethodsResponse> {
    return this.identity.get<SignInMethodsResponse>(IDENTITY_SIGN_IN_METHODS_PATH, requestId);
  }

  /** Rejects with identity's `UpstreamError` (401 wrong credentials, 423 locked, 429 throttled, …). */
  directorySignIn(methodId: string, request: DirectorySignInRequest, requestId?: string): Promise<SignInResponse> {
    return this.identity.post<SignInResponse>(identityDirectorySignInPath(methodId), request, requestId);
  }

  /** A new AuthnRequest for the organization's IdP; 404 when it has no SAML sign-in enabled. */
  samlStart(organization: string, requestId?: string): Promise<SamlStartResponse> {
    return this.identity.post<SamlStartResponse>(identitySamlStartPath(organization), {} satisfies SamlStartRequest, requestId);
  }

  /** Rejects with identity's `UpstreamError` (400 unreadable, 401 refused assertion, 404 no SAML, …). */
  samlAcs(organization: string, request: SamlAcsRequest, requestId?: string): Promise<SignInResponse> {
    return this.identity.post<SignInResponse>(identitySamlAcsPath(organization), request, requestId);
  }

  /** An admin's test sign-in (identity checks the admin role against the session hash). */
  samlTestStart(organization: string, request: SamlTestStartRequest, requestId?: string): Promise<SamlTestStartResponse> {
    return this.identity.post<SamlTestStartResponse>(identitySamlTestStartPath(organization), request, requestId);
  }

  /** The report of a test sign-in's answer; 400 only for a malformed call. */
  samlTestAcs(organization: string, request: SamlTestAcsRequest, requestId?: string): Promise<SamlTestReport> {
    return this.identity.post<SamlTestReport>(identitySamlTestAcsPath(organization), request, requestId);
  }

  samlConfig(organization: string, requestId?: string): Promise<SamlConfigResponse> {
    return this.identity.get<SamlConfigResponse>(identityOrgSamlPath(organization), requestId);
  }

  /** identity checks again that the session's user is an admin of the organization. */
  putSamlConfig(organization: string, request: PutSamlConfigRequest, requestId?: string): Promise<SamlConfigResponse> {
    return this.identity.call<SamlConfigResponse>('PUT', identityOrgSamlPath(organization), request, requestId);
  }

  samlSpMetadata(organization: string, requestId?: string): Promise<SamlSpMetadataResponse> {
    return this.identity.get<SamlSpMetadataResponse>(identityOrgSamlSpMetadataPath(organization), requestId);
  }

  /** The session's user, or undefined when identity does not know it (any more). */
  async resolveSession(sessionToken: string, requestId?: string): Promise<ResolveSessionResponse | undefined> {
    try {
      return await this.identity.post<ResolveSessionResponse>(IDENTITY_SESSION_RESOLVE_PATH, { sessionHash: sessionHashOf(sessionToken) } satisfies ResolveSessionRequest, requestId);
    } catch (error) {
      if (error instanceof UpstreamError && error.status === 401) return undefined;
      throw error;
    }
  }

  async revokeSession(sessionToken: string, requestId?: string): Promise<void> {
    await this.identity.post<unknown>(IDENTITY_SESSION_REVOKE_PATH, { sessionHash: sessionHashOf(sessionToken) } satisfies RevokeSessionRequest, requestId);
  }

  /** A personal token for the session's user, or undefined when the session is no longer valid. */
  async mintCliToken(sessionToken: string, description: string, requestId?: string): Promise<CliTokenResponse | undefined> {
    try {
      return await this.identity.post<CliTokenResponse>(IDENTITY_CLI_TOKEN_PATH, { sessionHash: sessionHashOf(sessionToken), description } satisfies CliTokenRequest, requestId);
    } catch (error) {
      if (error instanceof UpstreamError && error.status === 401) return undefined;
      throw error;
    }
  }

  /** The access token the console calls the api with for this session, or undefined when the session has ended. */
  async sessionApiToken(sessionToken: string, requestId?: string): Promise<SessionApiTokenResponse | undefined> {
    try {
      return await this.identity.post<SessionApiTokenResponse>(IDENTITY_SESSION_API_TOKEN_PATH, { sessionHash: sessionHashOf(sessionToken) } satisfies SessionApiTokenRequest, requestId);
    } catch (error) {
      if (error instanceof UpstreamError && error.status === 401) return undefined;
      throw error;
    }
  }
}
