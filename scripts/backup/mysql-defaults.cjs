#!/usr/bin/env node
// Turns a service's database URL (mysql://user:password@host:port/database, as in
// STACKYARD_DATABASE_URL) into a MySQL client option file, so that scripts/backup.sh and
// scripts/restore.sh pass the password to mariadb-dump / mariadb through a 0600 file rather than
// the command line. Usage: mysql-defaults.cjs <env-var-name> <option-file>; the URL is read from
// that environment variable and the database name is printed.
'use strict';
const fs = require('node:fs');

const [name, file] = process.argv.slice(2);
const fail = (message) => {
  process.stderr.write(`mysql-defaults: ${message}\n`);
  process.exit(2);
};
if (!name || !file) fail('usage: mysql-defaults.cjs <env-var-name> <option-file>');
const raw = process.env[name];
if (!raw) fail(`${name} is not set`);
let url;
try {
  url = new URL(raw);
} catch {
  fail(`${name} is not a URL`);
}
if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') fail(`${name} must be a mysql:// or mariadb:// URL (SQLite installations use --data-dir)`);
const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
if (!/^[A-Za-z0-9_$-]{1,64}$/.test(database)) fail(`${name} names no plain database`);
// Option-file values are quoted; backslashes and quotes escaped.
const quote = (value) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const lines = [
  '[client]',
  `host=${quote(url.hostname.replace(/^\[(.*)\]$/, '$1'))}`,
  `port=${url.port || 3306}`,
  `user=${quote(decodeURIComponent(url.username))}`,
  `password=${quote(decodeURIComponent(url.password))}`,
  'protocol=TCP',
];
// `?ssl-ca=` (as the services read it): TLS with the server verified against that CA, by name too.
const caFile = url.searchParams.get('ssl-ca');
if (caFile !== null) lines.push(`ssl-ca=${quote(caFile)}`, 'ssl-verify-server-cert');
lines.push('');
fs.writeFileSync(file, lines.join('\n'), { mode: 0o600 });
process.stdout.write(`${database}\n`);
