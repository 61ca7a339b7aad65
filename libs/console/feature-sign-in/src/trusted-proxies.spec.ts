import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrustedProxies } from './trusted-proxies';

void describe(TrustedProxies.name, () => {
  void it('uses the socket address when no proxy is trusted, whatever X-Forwarded-For says', () => {
    const proxies = TrustedProxies.none();
    assert.equal(proxies.clientAddress('198.51.100.4', '203.0.113.9'), '198.51.100.4');
    assert.equal(TrustedProxies.parse('').clientAddress('::ffff:198.51.100.4', '203.0.113.9'), '198.51.100.4');
  });

  void it('ignores X-Forwarded-For from a peer that is not listed', () => {
    const proxies = TrustedProxies.parse('10.0.0.0/8');
    assert.equal(proxies.clientAddress('192.0.2.1', '203.0.113.9'), '192.0.2.1');
  });

  void it('believes a listed peer, reading from the right past other trusted proxies', () => {
    const proxies = TrustedProxies.parse('10.0.0.0/8, 192.168.1.5, fd00::/8');
    assert.equal(proxies.clientAddress('10.1.2.3', '203.0.113.9'), '203.0.113.9');
    assert.equal(proxies.clientAddress('::ffff:10.1.2.3', '203.0.113.9'), '203.0.113.9', 'IPv4-mapped peer');
    // The client put a fake address first; the proxies appended the real one and themselves.
    assert.equal(proxies.clientAddress('10.1.2.3', '6.6.6.6, 203.0.113.9, 192.168.1.5'), '203.0.113.9');
    assert.equal(proxies.clientAddress('fd00::1', '2001:db8::7'), '2001:db8::7');
    assert.equal(proxies.clientAddress('10.1.2.3', ['6.6.6.6', '203.0.113.9']), '203.0.113.9', 'repeated headers');
  });

  void it('stops at the proxy that passed on something that is not an address', () => {
    const proxies = TrustedProxies.parse('10.0.0.0/8');
    assert.equal(proxies.clientAddress('10.0.0.2', 'not-an-ip, 10.0.0.9'), '10.0.0.9');
    assert.equal(proxies.clientAddress('10.0.0.2', 'unknown'), '10.0.0.2');
    assert.equal(proxies.clientAddress('10.0.0.2', '203.0.113.9:4711'), '10.0.0.2');
  });

  void it('takes the leftmost address when every hop is trusted, and the peer when none is given', () => {
    const proxies = TrustedProxies.parse('10.0.0.0/8');
    assert.equal(proxies.clientAddress('10.0.0.2', '10.0.0.7, 10.0.0.8'), '10.0.0.7');
    assert.equal(proxies.clientAddress('10.0.0.2', undefined), '10.0.0.2');
    assert.equal(proxies.clientAddress('10.0.0.2', ''), '10.0.0.2');
  });

  void it('names every bad entry of the setting', () => {
    assert.deepEqual(TrustedProxies.problems('10.0.0.0/8, 127.0.0.1, ::1, fd00::/8'), []);
    const problems = TrustedProxies.problems('10.0.0.0/33, proxy.local, 1.2.3.4/8/9, ::1/129, 10.0.0.0/x');
    assert.equal(problems.length, 5);
    assert.match(problems[1], /'proxy\.local' is neither an IP address nor a CIDR range/);
    assert.throws(() => TrustedProxies.parse('proxy.local'), /proxy\.local/);
  });
});
