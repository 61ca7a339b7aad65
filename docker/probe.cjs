// Kubernetes exec probe of the mutual-TLS services (identity, secrets): the kubelet cannot present
// a client certificate, so this calls https://127.0.0.1:$STACKYARD_PORT<path> with the service's
// own internal certificate, verifies the server against the internal CA and its
// spiffe://stackyard/<name> identity, and exits 0 only on a 2xx answer.
// Usage (the chart's probes): node docker/probe.cjs /readyz
'use strict';
const https = require('node:https');
const fs = require('node:fs');

const path = process.argv[2] || '/healthz';
const env = process.env;
const timeoutMs = Number(env.STACKYARD_PROBE_TIMEOUT_MS || 4000);
const request = https.request(
  {
    host: '127.0.0.1',
    port: Number(env.STACKYARD_PORT),
    path,
    method: 'GET',
    ca: fs.readFileSync(env.STACKYARD_INTERNAL_CA_FILE),
    cert: fs.readFileSync(env.STACKYARD_INTERNAL_CERT_FILE),
    key: fs.readFileSync(env.STACKYARD_INTERNAL_KEY_FILE),
    // The address is loopback, not a certificate name: the CA chain is what is checked, and the
    // certificate must name a Stackyard service.
    checkServerIdentity: (_host, cert) => (/URI:spiffe:\/\/stackyard\//.test(cert.subjectaltname || '') ? undefined : new Error('not a Stackyard service certificate')),
    timeout: timeoutMs,
  },
  (response) => {
    response.resume();
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    if (!ok) process.stderr.write(`probe ${path}: HTTP ${response.statusCode}\n`);
    process.exitCode = ok ? 0 : 1;
  },
);
request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
request.on('error', (error) => {
  process.stderr.write(`probe ${path}: ${error.message}\n`);
  process.exitCode = 1;
});
request.end();
