// CPU-bound HTTP app for the runtime benchmark: every request burns a fixed
// amount of CPU (a few milliseconds), so req/s measures how well the
// process manager spreads work over cores. PORT and WORK_ITERATIONS from env.
'use strict';
const http = require('node:http');

const iterations = Number(process.env.WORK_ITERATIONS || 3000000);

function burnCpu(count) {
  let hash = 2166136261;
  for (let i = 0; i < count; i++) {
    hash ^= i & 0xff;
    hash = Math.imul(hash, 16777619);
  }
  return hash >>> 0;
}

const server = http.createServer((req, res) => {
  const body = `${burnCpu(iterations)}\n`;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});

server.listen(Number(process.env.PORT), '127.0.0.1', () => {
  if (process.send) process.send('ready'); // for PM2 wait_ready / FLEET_READY_MESSAGE
});
