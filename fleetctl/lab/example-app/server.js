// fleetctl's example app: answers with its version, and /healthz for the deploy's health gate.
'use strict';

const http = require('node:http');
const { version } = require('./package.json');

const port = Number(process.env.PORT || 3000);

const server = http.createServer((request, response) => {
  if (request.url === '/healthz') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'ok', version, pid: process.pid }));
    return;
  }
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end(`hello from ${version} (pid ${process.pid})\n`);
});

server.listen(port, () => console.log(`hello ${version} listening on ${port}`));
