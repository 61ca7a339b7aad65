/**
 * Which origins the console's own pages have. With `publicOrigin` configured, that one; otherwise
 * the request's Host over https (and over http when the console itself serves plain HTTP behind a
 * proxy). Trusting Host is safe here: a browser tricked into posting from another site still sends
 * the console's Host but that site's Origin, and a rebound DNS name gets neither the `__Host-`
 * cookies nor a valid certificate.
 */
export function consoleOrigins(publicOrigin: string | undefined, host: string | undefined, plainHttp: boolean): string[] {
  if (publicOrigin) return [publicOrigin];
  if (!host || !/^[A-Za-z0-9.\-[\]:]+$/.test(host)) return [];
  const lower = host.toLowerCase();
  return plainHttp ? [`https://${lower}`, `http://${lower}`] : [`https://${lower}`];
}

/**
 * Why a state-changing request must be refused as cross-site, or undefined. `Origin` is checked when
 * the browser sends it (it is absent only from older browsers' same-origin posts), and
 * `Sec-Fetch-Site` when present: a sibling subdomain is "same-site" but not this console.
 */
export function crossSiteProblem(origin: string | undefined, secFetchSite: string | undefined, allowedOrigins: string[]): string | undefined {
  if (origin !== undefined && !allowedOrigins.includes(origin.toLowerCase())) return 'the form was sent from another site';
  if (secFetchSite === 'cross-site' || secFetchSite === 'same-site') return 'the form was sent from another site';
  return undefined;
}
