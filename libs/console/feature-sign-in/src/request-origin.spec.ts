import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consoleOrigins, crossSiteProblem } from './request-origin';

void describe(consoleOrigins.name, () => {
  void it('is the configured origin when there is one', () => {
    assert.deepEqual(consoleOrigins('https://app.example.com', 'evil.example', false), ['https://app.example.com']);
  });

  void it('is the Host over https otherwise (and http too when serving plain HTTP)', () => {
    assert.deepEqual(consoleOrigins(undefined, '127.0.0.1:3443', false), ['https://127.0.0.1:3443']);
    assert.deepEqual(consoleOrigins(undefined, 'App.Example.com', true), ['https://app.example.com', 'http://app.example.com']);
    assert.deepEqual(consoleOrigins(undefined, '[::1]:3443', false), ['https://[::1]:3443']);
    assert.deepEqual(consoleOrigins(undefined, undefined, false), []);
    assert.deepEqual(consoleOrigins(undefined, 'a b/c', false), []);
  });
});

void describe(crossSiteProblem.name, () => {
  const own = ['https://app.example.com'];
  void it('lets same-origin posts through, and posts without Origin', () => {
    assert.equal(crossSiteProblem('https://app.example.com', 'same-origin', own), undefined);
    assert.equal(crossSiteProblem(undefined, undefined, own), undefined);
    assert.equal(crossSiteProblem(undefined, 'none', own), undefined);
  });

  void it('refuses other origins, null, and cross-site or same-site fetches', () => {
    for (const origin of ['https://evil.example', 'null', 'http://app.example.com', 'https://app.example.com:444', 'https://sub.app.example.com']) {
      assert.match(crossSiteProblem(origin, undefined, own) ?? '', /another site/, origin);
    }
    assert.match(crossSiteProblem(undefined, 'cross-site', own) ?? '', /another site/);
    assert.match(crossSiteProblem('https://app.example.com', 'same-site', own) ?? '', /another site/);
    assert.match(crossSiteProblem('https://app.example.com', undefined, []) ?? '', /another site/, 'no Host, no accepted origin');
  });
});
