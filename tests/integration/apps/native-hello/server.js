// Answers with its version and the architecture its native addon was built for; /healthz for the health gate.
'use strict';

const http = require('node:http');
const { hello } = require('hello-addon');
const { version } = require('./package.json');

const built = hello();
http.createServer((request, response) => {
  if (request.url === '/healthz') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'ok', version, addon: built }));
    return;
  }
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end(`hello from ${version} (addon built for ${built})\n`);
}).listen(Number(process.env.PORT || 3000));
