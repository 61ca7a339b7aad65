/** The InternalClient for the identity service (the app's composition root provides it). */
export const IDENTITY_CLIENT = Symbol('IdentityClient');
