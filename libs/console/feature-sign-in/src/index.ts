export * from './console-sign-in.module';
export * from './console-sign-in.settings';
export * from './identity.gateway';
export * from './trusted-proxies';
export * from './browser-request';
export * from './console-session.service';
export { clearedCookie, SESSION_COOKIE } from './cookies';
export { csrfTokenFor, isValidCsrfToken } from './csrf';
export { consoleOrigins, crossSiteProblem } from './request-origin';
