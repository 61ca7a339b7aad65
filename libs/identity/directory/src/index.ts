// LDAP and Active Directory sign-in: one LdapDirectory per configured directory.
export * from './directory-config';
export * from './directory.error';
export * from './ldap-directory';
export { escapeFilterValue, renderUserFilter, USERNAME_PLACEHOLDER } from './ldap-filter';
export { formatObjectGuid } from './object-guid';
