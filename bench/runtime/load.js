// Drives autocannon against one URL and prints a one-line JSON summary.
// Usage: node load.js URL CONNECTIONS DURATION_S
// Stops early when stdin closes, so a driver can keep load on for exactly
// as long as something else (a series of reloads) takes.
'use strict';
const autocannon = require('autocannon');

const [url, connections, durationS] = process.argv.slice(2);

const instance = autocannon(
  { url, connections: Number(connections), duration: Number(durationS), timeout: 10 },
  (error, result) => {
    if (error) {
      console.error(error);
      process.exit(1);
    }
    const failed = result.errors + result.timeouts + result.non2xx;
    console.log(JSON.stringify({
      requestsPerSec: result.requests.average,
      p99Ms: result.latency.p99,
      total: result.requests.total,
      ok: result['2xx'],
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      failed,
      durationS: result.duration,
    }));
    process.exit(0); // stdin, still open, would keep us alive
  },
);
process.stdin.on('data', () => {});
process.stdin.on('end', () => instance.stop());
