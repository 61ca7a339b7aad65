import { MAX_IDP_METADATA_BYTES, MAX_SAML_RESPONSE_BYTES } from '@stackyard/identity-saml';
import { MAX_SCIM_RELAY_BYTES, SCIM_RELAY_ROUTE } from '@stackyard/identity-feature-scim';

/** Every ordinary internal call (token hashes, sign-in forms, …) is small. */
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const SAML_ACS = /^\/internal\/v1\/sign-in\/saml\/[^/]+\/acs$/;
const SAML_CONFIG = /^\/internal\/v1\/orgs\/[^/]+\/saml$/;

/**
 * Largest request body per path: a SAMLResponse (base64, as posted) and uploaded IdP metadata
 * (JSON-escaped) are larger than everything else identity receives. The SAML library applies its
 * own, exact limits to the decoded content.
 */
export function identityMaxBodyBytes(path: string): number {
  if (SAML_ACS.test(path)) return 2 * MAX_SAML_RESPONSE_BYTES;
  if (SAML_CONFIG.test(path)) return 3 * MAX_IDP_METADATA_BYTES;
  // A relayed SCIM request carries the client's body (a group with thousands of members) as a string.
  if (SCIM_RELAY_ROUTE.test(path)) return MAX_SCIM_RELAY_BYTES;
  return DEFAULT_MAX_BODY_BYTES;
}
