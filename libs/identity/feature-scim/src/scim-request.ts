import type { OrganizationEntity } from '@stackyard/identity-feature-tokens';
import type { ResolvedPath } from '@stackyard/identity-scim';

/** One authenticated SCIM request, as the services need it. */
export interface ScimRequestContext {
  organization: OrganizationEntity;
  /** `https://<api host>/scim/v2/<org>`: locations and member references are built on it. */
  baseUrl: string;
  /** The request's `attributes` / `excludedAttributes`, for answers that carry one resource. */
  projection: { attributes?: ResolvedPath[]; excludedAttributes?: ResolvedPath[] };
}

/** What the SCIM client gets: a status, a SCIM body (absent for 204) and, for 201, the new resource's location. */
export interface ScimReply {
  status: number;
  body?: unknown;
  location?: string;
}
