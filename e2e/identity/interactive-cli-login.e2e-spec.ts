import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { hiddenField, PulumiCli, type SlapdPeer, startSlapd, tempDir, TestBrowser } from '@stackyard/testing';
import { trustInstallationCa } from '../support/cli-browser-login';
import { startHostsProxy } from '../support/hosts-proxy';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';

/**
 * `pulumi login` exactly as a person runs it: interactive (a pseudo-terminal from `script`), no
 * token anywhere, <ENTER> at the prompt, and the CLI opens "the browser" — an `xdg-open` on PATH
 * that records the URL, which the test then drives like a browser. The CLI finds the console two
 * ways (pulumi-protocol.md §1.4): from `PULUMI_CONSOLE_DOMAIN`, and by deriving `app.<domain>` from
 * an api at `api.<domain>` (the made-up names reach the suite through a CONNECT proxy).
 */

const DOMAIN = 'stackyard.test';
const ORG = 'acme';
const BROWSER_SHIM = '#!/bin/sh\nprintf \'%s\\n\' "$1" >> "$STACKYARD_TEST_BROWSER_LOG"\n';

let slapd: SlapdPeer;

before(async () => {
  slapd = await startSlapd();
});

after(async () => {
  await slapd?.stop();
});

interface InteractiveLogin {
  /** What the terminal showed. */
  output: string;
  code: number;
}

for (const mode of selectedModes()) {
  describe(`interactive pulumi login through the browser — ${MODE_TITLES[mode]}`, { timeout: 10 * 60_000 }, () => {
    let started: StartedSuite;
    let binary: string;
    let proxy: Awaited<ReturnType<typeof startHostsProxy>>;

    before(async () => {
      const directories = JSON.stringify([
        {
          id: 'corp-ldap',
          displayName: 'Corporate LDAP',
          organization: ORG,
          ldap: { kind: 'openldap', url: slapd.ldapsUrl, caCertificates: slapd.caPem, bindDn: slapd.serviceBindDn, bindPassword: slapd.servicePassword, userBaseDn: slapd.peopleDn },
        },
      ]);
      [binary, started] = await Promise.all([
        PulumiCli.binaryPath(),
        startSuiteInMode(mode, { publicHosts: [`api.${DOMAIN}`, `app.${DOMAIN}`], serviceEnv: { identity: { STACKYARD_DIRECTORIES: directories } } }),
      ]);
      trustInstallationCa(started.suite.caFile);
      proxy = await startHostsProxy({ [`api.${DOMAIN}`]: started.suite.services.api.port, [`app.${DOMAIN}`]: started.suite.services.consoleBackend.port });
    });

    after(async () => {
      await proxy?.stop();
      await started?.stop();
    });

    /**
     * Runs `pulumi login <apiUrl>` in a pseudo-terminal, presses <ENTER> at the prompt, and signs
     * in as `username` in the browser it opens; `route` maps the console's host as the browser
     * would resolve it.
     */
    async function interactiveLogin(cli: PulumiCli, apiUrl: string, env: Record<string, string>, username: string, password: string, consolePort: number): Promise<InteractiveLogin> {
      const shims = tempDir('stackyard-e2e-browser-shim');
      writeFileSync(join(shims, 'xdg-open'), BROWSER_SHIM);
      chmodSync(join(shims, 'xdg-open'), 0o755);
      const browserLog = join(shims, 'opened.log');
      const base = cli.env({ PULUMI_ACCESS_TOKEN: undefined, TERM: 'xterm', PULUMI_DISABLE_CI_DETECTION: '1', STACKYARD_TEST_BROWSER_LOG: browserLog, ...env });
      base['PATH'] = [shims, base['PATH'] ?? ''].join(delimiter);
      const child = spawn('script', ['-qefc', `'${binary}' login '${apiUrl}'`, '/dev/null'], { cwd: cli.cwd, env: base, stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
      const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
      try {
        await until(() => output.includes('ENTER'), 'the browser prompt', () => output);
        child.stdin.write('\r');
        await until(() => existsSync(browserLog), 'the CLI to open the browser', () => output);
        const opened = new URL(readFileSync(browserLog, 'utf8').trim());
        assert.equal(opened.pathname, '/cli-login');
        const browser = new TestBrowser(opened.origin, (url) => (url.origin === opened.origin ? { host: '127.0.0.1', port: consolePort } : undefined));
        const toSignIn = await browser.request(`${opened.pathname}${opened.search}`);
        assert.equal(toSignIn.status, 303, toSignIn.body);
        const page = await browser.request(toSignIn.location!);
        const posted = await browser.request('/login/directory/corp-ldap', { form: { csrf: hiddenField(page.body, 'csrf'), next: hiddenField(page.body, 'next'), username, password } });
        assert.equal(posted.status, 303, posted.body);
        const handedOver = await browser.request(posted.location!);
        assert.equal(handedOver.status, 302, handedOver.body);
        const atCli = await browser.request(handedOver.location!);
        assert.equal(atCli.status, 307, 'the CLI took the token and sends the browser to the welcome page');
        assert.equal(new URL(atCli.location!).pathname, '/welcome/cli');
        assert.equal((await browser.request(atCli.location!)).status, 200);
        const code = await Promise.race([exited, sleep(60_000).then(() => -1)]);
        return { output, code };
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }

    void it('finds the console through PULUMI_CONSOLE_DOMAIN', async () => {
      const cli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: '', cwd: tempDir('stackyard-e2e-interactive') });
      const consoleHost = new URL(started.suite.consoleUrl).host;
      const login = await interactiveLogin(cli, started.suite.apiUrl, { PULUMI_CONSOLE_DOMAIN: consoleHost }, slapd.users.alice.username, slapd.users.alice.password, started.suite.services.consoleBackend.port);
      assert.equal(login.code, 0, login.output);
      assert.match(login.output, /Logged in to .* as alice/);
      const whoami = await cli.ok(['whoami'], { env: { PULUMI_ACCESS_TOKEN: undefined } });
      assert.equal(whoami.stdout.trim(), 'alice');
    });

    void it('derives the console as app.<domain> from an api at api.<domain>', async () => {
      const cli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: '', cwd: tempDir('stackyard-e2e-interactive') });
      const apiUrl = `https://api.${DOMAIN}:${started.suite.services.api.port}`;
      const login = await interactiveLogin(cli, apiUrl, { HTTPS_PROXY: proxy.url, https_proxy: proxy.url }, slapd.users.carol.username, slapd.users.carol.password, started.suite.services.consoleBackend.port);
      assert.equal(login.code, 0, login.output);
      assert.match(login.output, new RegExp(`Logged in to https://api\\.${DOMAIN.replace('.', '\\.')}:\\d+ as carol \\(https://app\\.${DOMAIN.replace('.', '\\.')}:\\d+\\)`));
      assert.ok(proxy.tunnels.some((t) => t.startsWith(`api.${DOMAIN}:`)), 'the CLI reached the api by its name');
      const whoami = await cli.ok(['whoami', '--verbose'], { env: { PULUMI_ACCESS_TOKEN: undefined, HTTPS_PROXY: proxy.url } });
      assert.match(whoami.stdout, /User: carol\b/);
      // `whoami` names the backend by its console URL, derived the same way.
      assert.match(whoami.stdout, new RegExp(`Backend URL: https://app\\.${DOMAIN.replace('.', '\\.')}:\\d+`));
    });
  });
}

async function until(condition: () => boolean, what: string, context: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; terminal so far:\n${context()}`);
    await sleep(100);
  }
}
