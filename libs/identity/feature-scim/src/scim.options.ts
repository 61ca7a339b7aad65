/** Settings the identity app hands to the SCIM feature. */
export interface ScimOptions {
  /** Milliseconds since the epoch; replaced in tests. */
  now?: () => number;
}

export const SCIM_OPTIONS = Symbol('SCIM_OPTIONS');
