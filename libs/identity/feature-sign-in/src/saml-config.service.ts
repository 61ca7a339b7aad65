import { Inject, Injectable } from '@nestjs/common';
import { isAccessTokenHash, isValidOrganizationName } from '@stackyard/identity-domain';
import { AuditTrail, auditEventBy, IdentityDatabase, type OrganizationEntity, type SamlConfigurationEntity } from '@stackyard/identity-feature-tokens';
import { type ParsedIdpMetadata, parseIdpMetadata, type RequestIdStore, SamlMetadataError, SamlServiceProvider, serviceProviderMetadataXml } from '@stackyard/identity-saml';
import type { PutSamlConfigRequest, SamlConfigResponse, SamlSpMetadataResponse, SamlTeamMapping, SignInMethod } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { DEFAULT_GROUPS_ATTRIBUTE } from './saml-person';
import { DatabaseAssertionReplayStore, DatabaseRequestIdStore, TestRequestIdStore } from './saml-stores';
import { SessionService } from './session.service';
import { SIGN_IN_OPTIONS, type SignInOptions } from './sign-in.options';

/** Team names as the directory configuration allows them. */
const TEAM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_TEAM_MAPPINGS = 500;
const MAX_GROUP_LENGTH = 1024;
const MAX_ATTRIBUTE_NAME_LENGTH = 255;
const NOT_PRINTABLE = /[\u0000-\u001f\u007f]/;
/** saml_configurations.idp_entity_id holds 1024 characters. */
const MAX_ENTITY_ID_LENGTH = 1024;
/** Who changed a configuration over the internal API without a console session. */
export const OPERATOR_ACTOR = 'operator';

/** An organization's SAML service provider, ready to start sign-ins and check responses. */
export interface ResolvedSamlProvider {
  organization: OrganizationEntity;
  config: SamlConfigurationEntity;
  provider: SamlServiceProvider;
}

/**
 * Each organization's SAML configuration: IdP metadata upload (validated before it is stored),
 * the attributes and group → team mappings, whether it is enabled, and the service provider the
 * sign-in flow uses. The SP lives on the console host; its URLs derive from `consoleUrl`.
 */
@Injectable()
export class SamlConfigService {
  private readonly now: () => number;

  constructor(
    private readonly database: IdentityDatabase,
    private readonly sessions: SessionService,
    @Inject(SIGN_IN_OPTIONS) private readonly options: SignInOptions,
    private readonly audit: AuditTrail,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The organization's SP: entity ID (metadata served there too), ACS and metadata URLs. */
  serviceProviderUrls(organization: string): SamlConfigResponse['serviceProvider'] {
    if (!this.options.consoleUrl) {
      throw ApiError.unavailable('SAML sign-in is not available: the identity service has no STACKYARD_CONSOLE_URL (the console\'s public origin) configured');
    }
    const entityId = `${this.options.consoleUrl}/saml/${encodeURIComponent(organization)}`;
    return { entityId, acsUrl: `${entityId}/acs`, metadataUrl: `${entityId}/metadata` };
  }

  /** The enabled organizations, as sign-in methods (none while the console's origin is unknown). */
  async signInMethods(): Promise<SignInMethod[]> {
    if (!this.options.consoleUrl) return [];
    const organizations = await this.database.repositories.samlConfigurations.enabledOrganizations();
    return organizations.map((name) => ({ id: name, kind: 'saml' as const, displayName: `${name} SSO` }));
  }

  async describe(organizationName: string): Promise<SamlConfigResponse> {
    const organization = await this.organization(organizationName);
    return this.summary(organization, await this.database.repositories.samlConfigurations.find(organization.id));
  }

  async spMetadata(organizationName: string): Promise<SamlSpMetadataResponse> {
    const organization = await this.organization(organizationName);
    const { entityId, acsUrl } = this.serviceProviderUrls(organization.name);
    return { entityId, acsUrl, metadataXml: serviceProviderMetadataXml({ spEntityId: entityId, acsUrl }) };
  }

  /** Upload IdP metadata and settings; refused with 400 and the reason when the metadata does not validate. */
  async update(organizationName: string, body: unknown): Promise<SamlConfigResponse> {
    const organization = await this.organization(organizationName);
    const request = parseUpdate(body);
    const actor = request.sessionHash === undefined ? OPERATOR_ACTOR : await this.organizationAdmin(request.sessionHash, organization.name);
    this.serviceProviderUrls(organization.name); // no console origin, no SAML: say so before storing anything
    const saved = await this.database.transaction(async (repos) => {
      const current = await repos.samlConfigurations.find(organization.id);
      // A save without new metadata keeps the stored metadata (checked again: certificates expire).
      const metadataXml = request.idpMetadataXml ?? current?.idpMetadataXml;
      if (metadataXml === undefined) throw ApiError.badRequest('idpMetadataXml is required: the IdP\'s SAML 2.0 metadata XML (none is stored yet)');
      const idp = checkedMetadata(metadataXml, new Date(this.now()));
      const config: SamlConfigurationEntity = {
        orgId: organization.id,
        idpMetadataXml: metadataXml.trim(),
        idpEntityId: idp.entityId,
        groupsAttribute: request.groupsAttribute ?? current?.groupsAttribute ?? DEFAULT_GROUPS_ATTRIBUTE,
        usernameAttribute: request.usernameAttribute !== undefined ? request.usernameAttribute : (current?.usernameAttribute ?? null),
        teamMappings: request.teamMappings ?? current?.teamMappings ?? [],
        // Uploading metadata turns single sign-on on, as in Pulumi Cloud; `enabled: false` stages it.
        enabled: request.enabled ?? current?.enabled ?? true,
        updatedAt: this.now(),
        updatedBy: actor,
      };
      await repos.samlConfigurations.save(config);
      return config;
    });
    await this.audit.record(
      auditEventBy(actor === OPERATOR_ACTOR ? { name: 'operator', urn: 'urn:stackyard:operator' } : { login: actor }, {
        organization: organization.name,
        event: 'saml_configuration_changed',
        description: `SAML single sign-on of organization '${organization.name}' ${saved.enabled ? 'configured and enabled' : 'configured (disabled)'}: IdP '${saved.idpEntityId}', ${saved.teamMappings.length} team mappings`,
        reqOrgAdmin: true,
      }),
      {
        event: 'sso.config.updated',
        organization: organization.name,
        actor,
        enabled: saved.enabled,
        idpEntityId: saved.idpEntityId,
        groupsAttribute: saved.groupsAttribute,
        teamMappings: saved.teamMappings.length,
      },
    );
    return this.summary(organization, saved);
  }

  /**
   * The enabled configuration's service provider, for sign-in. 404 when the organization or its
   * enabled configuration does not exist; 503 when the stored metadata no longer validates.
   */
  async resolveProvider(organizationName: string): Promise<ResolvedSamlProvider> {
    const organization = await this.organization(organizationName);
    const config = await this.database.repositories.samlConfigurations.find(organization.id);
    if (!config?.enabled) throw ApiError.notFound(`organization '${organization.name}' has no SAML sign-in enabled`);
    return this.provider(organization, config, new DatabaseRequestIdStore(this.database));
  }

  /**
   * The saved configuration's service provider for an admin's test sign-in, enabled or not. Its
   * requests are kept apart from sign-ins' (TestRequestIdStore), bound to the admin's login: a
   * test's answer cannot open a session, nor a sign-in's answer be read as a test.
   * 404 when nothing is configured yet.
   */
  async resolveTestProvider(organizationName: string, login: string): Promise<ResolvedSamlProvider> {
    const organization = await this.organization(organizationName);
    const config = await this.database.repositories.samlConfigurations.find(organization.id);
    if (!config) throw ApiError.notFound(`organization '${organization.name}' has no SAML configuration to test; save the IdP metadata first`);
    return this.provider(organization, config, new TestRequestIdStore(this.database, login));
  }

  /** The login of the session's user, who must be an admin of the organization (for a test sign-in). */
  async adminOf(sessionHash: string, organizationName: string): Promise<string> {
    const organization = await this.organization(organizationName);
    return this.organizationAdmin(sessionHash, organization.name);
  }

  private provider(organization: OrganizationEntity, config: SamlConfigurationEntity, requestIds: RequestIdStore): ResolvedSamlProvider {
    const { entityId, acsUrl } = this.serviceProviderUrls(organization.name);
    let provider: SamlServiceProvider;
    try {
      provider = new SamlServiceProvider({
        spEntityId: entityId,
        acsUrl,
        idp: parseIdpMetadata(config.idpMetadataXml, { now: new Date(this.now()) }),
        requestIds,
        replay: new DatabaseAssertionReplayStore(this.database),
      });
    } catch (error) {
      if (!(error instanceof SamlMetadataError) && !(error instanceof TypeError)) throw error;
      throw ApiError.unavailable(`the SAML configuration of organization '${organization.name}' is no longer valid (${error.message}); an organization admin must upload current IdP metadata`);
    }
    return { organization, config, provider };
  }

  private async organization(name: string): Promise<OrganizationEntity> {
    const organization = isValidOrganizationName(name) ? await this.database.repositories.organizations.findByName(name) : null;
    if (!organization) throw ApiError.notFound(`no organization '${name.slice(0, 64)}'`);
    return organization;
  }

  /** The login of the session's user, who must be an admin of the organization. */
  private async organizationAdmin(sessionHash: string, organization: string): Promise<string> {
    const session = await this.sessions.resolve({ sessionHash });
    if (!session.organizations.some((o) => o.name === organization && o.role === 'admin')) {
      throw ApiError.forbidden(`only an admin of organization '${organization}' may change its SAML configuration`);
    }
    return session.user.login;
  }

  private summary(organization: OrganizationEntity, config: SamlConfigurationEntity | null): SamlConfigResponse {
    const response: SamlConfigResponse = {
      organization: organization.name,
      serviceProvider: this.serviceProviderUrls(organization.name),
      configured: config !== null,
      enabled: config?.enabled ?? false,
      groupsAttribute: config?.groupsAttribute ?? DEFAULT_GROUPS_ATTRIBUTE,
      usernameAttribute: config?.usernameAttribute ?? null,
      teamMappings: config?.teamMappings ?? [],
    };
    if (!config) return response;
    response.idpMetadataXml = config.idpMetadataXml;
    response.updatedAt = config.updatedAt;
    response.updatedBy = config.updatedBy;
    try {
      const idp = parseIdpMetadata(config.idpMetadataXml, { now: new Date(this.now()) });
      response.idp = {
        entityId: idp.entityId,
        ssoUrl: idp.ssoRedirectUrl,
        nameIdFormats: idp.nameIdFormats,
        signingCertificateCount: idp.signingCertificates.length,
        signingCertificatesExpireAt: idp.signingCertificatesExpireAt.getTime(),
      };
    } catch (error) {
      if (!(error instanceof SamlMetadataError)) throw error;
      response.problem = error.message;
    }
    return response;
  }
}

interface UpdateRequest {
  /** Absent: keep the stored metadata. */
  idpMetadataXml?: string;
  groupsAttribute?: string;
  usernameAttribute?: string | null;
  teamMappings?: SamlTeamMapping[];
  enabled?: boolean;
  sessionHash?: string;
}

function parseUpdate(body: unknown): UpdateRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw ApiError.badRequest('the body must be a JSON object with idpMetadataXml');
  const raw = body as Partial<Record<keyof PutSamlConfigRequest, unknown>>;
  const request: UpdateRequest = {};
  if (raw.idpMetadataXml !== undefined) {
    if (typeof raw.idpMetadataXml !== 'string' || raw.idpMetadataXml.trim() === '') throw ApiError.badRequest('idpMetadataXml must be the IdP\'s SAML 2.0 metadata XML (leave it out to keep the stored metadata)');
    request.idpMetadataXml = raw.idpMetadataXml;
  }
  if (raw.groupsAttribute !== undefined) request.groupsAttribute = attributeName(raw.groupsAttribute, 'groupsAttribute');
  if (raw.usernameAttribute !== undefined) request.usernameAttribute = raw.usernameAttribute === null ? null : attributeName(raw.usernameAttribute, 'usernameAttribute');
  if (raw.teamMappings !== undefined) request.teamMappings = teamMappings(raw.teamMappings);
  if (raw.enabled !== undefined) {
    if (typeof raw.enabled !== 'boolean') throw ApiError.badRequest('enabled must be true or false');
    request.enabled = raw.enabled;
  }
  if (raw.sessionHash !== undefined) {
    if (!isAccessTokenHash(raw.sessionHash)) throw ApiError.badRequest('sessionHash must be the lowercase hex SHA-256 of the session cookie');
    request.sessionHash = raw.sessionHash;
  }
  return request;
}

function attributeName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_ATTRIBUTE_NAME_LENGTH || NOT_PRINTABLE.test(value)) {
    throw ApiError.badRequest(`${field} must be an attribute name of 1–${MAX_ATTRIBUTE_NAME_LENGTH} printable characters`);
  }
  return value.trim();
}

function teamMappings(value: unknown): SamlTeamMapping[] {
  if (!Array.isArray(value)) throw ApiError.badRequest('teamMappings must be an array of {group, team}');
  if (value.length > MAX_TEAM_MAPPINGS) throw ApiError.badRequest(`teamMappings may hold at most ${MAX_TEAM_MAPPINGS} entries`);
  return value.map((entry: unknown, index) => {
    const mapping = (entry && typeof entry === 'object' ? entry : {}) as Record<string, unknown>;
    const { group, team } = mapping;
    const extra = Object.keys(mapping).filter((key) => key !== 'group' && key !== 'team');
    if (extra.length > 0) throw ApiError.badRequest(`teamMappings[${index}]: unknown field ${extra.map((k) => `'${k.slice(0, 40)}'`).join(', ')}`);
    if (typeof group !== 'string' || group.trim() === '' || group.length > MAX_GROUP_LENGTH || NOT_PRINTABLE.test(group)) {
      throw ApiError.badRequest(`teamMappings[${index}].group must be 1–${MAX_GROUP_LENGTH} printable characters`);
    }
    if (typeof team !== 'string' || !TEAM_NAME.test(team)) throw ApiError.badRequest(`teamMappings[${index}].team must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
    return { group: group.trim(), team };
  });
}

/** parseIdpMetadata plus what this SP cannot do yet, each refused with a reason the admin can act on. */
function checkedMetadata(xml: string, now: Date): ParsedIdpMetadata {
  let idp: ParsedIdpMetadata;
  try {
    idp = parseIdpMetadata(xml, { now });
  } catch (error) {
    if (error instanceof SamlMetadataError) throw ApiError.badRequest(`the IdP metadata was refused: ${error.message}`);
    throw error;
  }
  if (idp.entityId.length > MAX_ENTITY_ID_LENGTH) throw ApiError.badRequest(`the IdP metadata was refused: its entityID is longer than ${MAX_ENTITY_ID_LENGTH} characters`);
  if (idp.ssoBinding !== 'redirect') {
    throw ApiError.badRequest(`the IdP metadata was refused: ${idp.entityId} offers SingleSignOnService only with the HTTP-POST binding; Stackyard sends AuthnRequests with HTTP-Redirect`);
  }
  if (idp.wantAuthnRequestsSigned) {
    throw ApiError.badRequest(`the IdP metadata was refused: ${idp.entityId} wants signed AuthnRequests (WantAuthnRequestsSigned), which Stackyard does not send yet; turn the requirement off at the IdP for this service provider`);
  }
  return idp;
}
