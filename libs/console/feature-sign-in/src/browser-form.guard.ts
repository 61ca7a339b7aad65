import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BrowserRequest } from './browser-request';
import { type PageResult, pageResult } from './browser-result';
import { CONSOLE_SIGN_IN_SETTINGS, type ConsoleSignInSettings } from './console-sign-in.settings';
import { isValidCsrfToken } from './csrf';
import { consoleOrigins, crossSiteProblem } from './request-origin';
import { messagePageBody } from './pages';

/** The checks every form post passes before it changes anything: same origin, then its CSRF token. */
@Injectable()
export class BrowserFormGuard {
  private readonly logger = new Logger('console-sign-in');

  constructor(@Inject(CONSOLE_SIGN_IN_SETTINGS) private readonly settings: ConsoleSignInSettings) {}

  /** A 403 page when the post came from another site; undefined when it did not. */
  crossSiteRefusal(request: BrowserRequest, action: string, retry: { href: string; text: string }): PageResult | undefined {
    const allowed = consoleOrigins(this.settings.publicOrigin, request.host, this.settings.plainHttp);
    const problem = crossSiteProblem(request.origin, request.secFetchSite, allowed);
    if (problem === undefined) return undefined;
    this.logger.warn(`refused ${action} (request ${request.requestId ?? '-'}): ${problem}`);
    return pageResult(403, 'Request refused', messagePageBody('Request refused', `This console did not accept the request: ${problem}.`, retry));
  }

  /** A 403 page unless the form's `csrf` field is the token for `cookieSecret`. */
  csrfRefusal(request: BrowserRequest, cookieSecret: string | undefined, action: string, retry: { href: string; text: string }): PageResult | undefined {
    if (isValidCsrfToken(cookieSecret, request.form?.get('csrf'))) return undefined;
    this.logger.warn(`refused ${action} (request ${request.requestId ?? '-'}): missing or invalid CSRF token`);
    return pageResult(
      403,
      'Form expired',
      messagePageBody('This form has expired', 'The form was not sent from a current page of this console (or cookies are blocked). Go back, reload the page and try again.', retry),
    );
  }
}
