import assert from 'node:assert/strict';
import { hiddenField, type TestBrowser } from '@stackyard/testing';
import { cliBrowserLogin } from './cli-browser-login';

/** The console's directory form, as a person fills it in; returns the response to the post. */
export async function submitDirectoryForm(browser: TestBrowser, signInPage: string, methodId: string, username: string, password: string) {
  const page = await browser.request(signInPage);
  assert.equal(page.status, 200, page.body);
  assert.match(page.body, new RegExp(`action="/login/directory/${methodId}"`));
  return browser.request(`/login/directory/${methodId}`, {
    form: { csrf: hiddenField(page.body, 'csrf'), next: hiddenField(page.body, 'next'), username, password },
  });
}

/** A `cliBrowserLogin` sign-in step: the directory form, then back to where the console sends us. */
export function signInWith(methodId: string, username: string, password: string) {
  return async (browser: TestBrowser, signInPage: string): Promise<string> => {
    const posted = await submitDirectoryForm(browser, signInPage, methodId, username, password);
    assert.equal(posted.status, 303, posted.body);
    return posted.location!;
  };
}

/** The access token `pulumi login` would receive for a directory user signing in on the console. */
export async function directoryUserToken(consoleUrl: string, methodId: string, username: string, password: string): Promise<string> {
  const { token } = await cliBrowserLogin(consoleUrl, signInWith(methodId, username, password));
  return token;
}
