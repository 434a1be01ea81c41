// Test app for the cluster runtime and the socket shim. PORT from the environment; the release
// it reports is the directory it runs from (the runtime sets cwd to it).
// APP_HOST: the address it listens on (default 127.0.0.1; empty: none, as most apps do).
// METRICS_PORT: also listen there, as an app with a metrics port does.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const release = path.basename(process.cwd());
let inFlight = 0;


function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/slow') {
    inFlight += 1;
    setTimeout(() => {
      inFlight -= 1;
      reply(res, 200, { pid: process.pid, release, slow: true });
    }, Number(url.searchParams.get('ms') || 1000));
    return;
  }
  if (url.pathname === '/in-flight') return reply(res, 200, { pid: process.pid, inFlight });
  if (url.pathname === '/env') {
    const names = ['LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES', 'FLEET_LISTEN_FD'];
    const env = Object.fromEntries(names.map((name) => [name, process.env[name] ?? null]));
    return reply(res, 200, { pid: process.pid, env });
  }
  if (url.pathname === '/crash') {
    reply(res, 200, { pid: process.pid, crashing: true });
    setImmediate(() => process.exit(3));
    return;
  }
  reply(res, 200, { pid: process.pid, release });
});

const host = process.env.APP_HOST === undefined ? '127.0.0.1' : process.env.APP_HOST || undefined;
const startDelay = Number(process.env.APP_START_DELAY_MS || 0);
setTimeout(() => {
  server.listen(Number(process.env.PORT), host, () => {
    // PM2-style readiness signal; a release can withhold it (NO_READY file)
    // to test the runtime's ready timeout.
    if (process.send && !fs.existsSync('NO_READY')) process.send('ready');
  });
  if (process.env.METRICS_PORT) {
    http.createServer((req, res) => reply(res, 200, { pid: process.pid, metrics: true }))
      .listen(Number(process.env.METRICS_PORT), '127.0.0.1');
  }
}, startDelay);
