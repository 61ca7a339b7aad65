import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  type AuthPolicyResponse,
  type CreateAccessTokenResponse,
  IDENTITY_ACCESS_TOKENS_CREATE_PATH,
  IDENTITY_ACCESS_TOKENS_LIST_PATH,
  IDENTITY_ACCESS_TOKENS_REVOKE_PATH,
  IDENTITY_OIDC_ISSUERS_DELETE_PATH,
  IDENTITY_OIDC_ISSUERS_GET_PATH,
  IDENTITY_OIDC_ISSUERS_LIST_PATH,
  IDENTITY_OIDC_ISSUERS_REGISTER_PATH,
  IDENTITY_OIDC_ISSUERS_UPDATE_PATH,
  IDENTITY_OIDC_POLICY_GET_PATH,
  IDENTITY_OIDC_POLICY_UPDATE_PATH,
  IDENTITY_TOKEN_EXCHANGE_PATH,
  type ListAccessTokensResponse,
  type ListOidcIssuersResponse,
  type OidcIssuerResponse,
  type TokenExchangeInternalResponse,
} from '@stackyard/shared-contracts';
import { AccessTokenAdminService } from './access-token-admin.service';
import { ApiPeerGuard } from './api-peer.guard';
import { OidcIssuerService } from './oidc-issuer.service';
import { TokenExchangeService } from './token-exchange.service';

/** Internal routes behind the api's public token, OIDC-issuer and `/api/oauth/token` endpoints (the api peer only). */
@Controller()
@UseGuards(ApiPeerGuard)
export class MachineIdentityController {
  constructor(
    private readonly exchange: TokenExchangeService,
    private readonly tokens: AccessTokenAdminService,
    private readonly issuers: OidcIssuerService,
  ) {}

  @Post(IDENTITY_TOKEN_EXCHANGE_PATH)
  @HttpCode(200)
  tokenExchange(@Body() body: unknown): Promise<TokenExchangeInternalResponse> {
    return this.exchange.exchange(body);
  }

  @Post(IDENTITY_ACCESS_TOKENS_LIST_PATH)
  @HttpCode(200)
  listTokens(@Body() body: unknown): Promise<ListAccessTokensResponse> {
    return this.tokens.list(body);
  }

  @Post(IDENTITY_ACCESS_TOKENS_CREATE_PATH)
  @HttpCode(200)
  createToken(@Body() body: unknown): Promise<CreateAccessTokenResponse> {
    return this.tokens.create(body);
  }

  @Post(IDENTITY_ACCESS_TOKENS_REVOKE_PATH)
  @HttpCode(204)
  revokeToken(@Body() body: unknown): Promise<void> {
    return this.tokens.revoke(body);
  }

  @Post(IDENTITY_OIDC_ISSUERS_LIST_PATH)
  @HttpCode(200)
  listIssuers(@Body() body: unknown): Promise<ListOidcIssuersResponse> {
    return this.issuers.list(body);
  }

  @Post(IDENTITY_OIDC_ISSUERS_REGISTER_PATH)
  @HttpCode(200)
  registerIssuer(@Body() body: unknown): Promise<OidcIssuerResponse> {
    return this.issuers.register(body);
  }

  @Post(IDENTITY_OIDC_ISSUERS_GET_PATH)
  @HttpCode(200)
  getIssuer(@Body() body: unknown): Promise<OidcIssuerResponse> {
    return this.issuers.get(body);
  }

  @Post(IDENTITY_OIDC_ISSUERS_UPDATE_PATH)
  @HttpCode(200)
  updateIssuer(@Body() body: unknown): Promise<OidcIssuerResponse> {
    return this.issuers.update(body);
  }

  @Post(IDENTITY_OIDC_ISSUERS_DELETE_PATH)
  @HttpCode(204)
  deleteIssuer(@Body() body: unknown): Promise<void> {
    return this.issuers.delete(body);
  }

  @Post(IDENTITY_OIDC_POLICY_GET_PATH)
  @HttpCode(200)
  getPolicy(@Body() body: unknown): Promise<AuthPolicyResponse> {
    return this.issuers.getPolicy(body);
  }

  @Post(IDENTITY_OIDC_POLICY_UPDATE_PATH)
  @HttpCode(200)
  updatePolicy(@Body() body: unknown): Promise<AuthPolicyResponse> {
    return this.issuers.updatePolicy(body);
  }
}
