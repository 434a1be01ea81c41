/*
 * fleet socket-shim: makes an app's `server.listen(PORT)` take the listening
 * socket systemd passed in (socket activation, sd_listen_fds(3)), so the port
 * outlives the app's process: while it restarts, connections wait in the
 * socket's backlog instead of being refused. One file, no dependencies,
 * Node 18 or newer; the app's code does not change.
 *
 * Use (single process): node --require /opt/fleet/runtime/socket-shim.js app.js
 * The cluster runtime (node-cluster-runtime.js) requires it too: its primary
 * reads the socket, its workers take it over.
 *
 * Environment
 *   LISTEN_FDS, LISTEN_PID   set by systemd: the socket is fd 3 when LISTEN_PID is this
 *                            process. Removed, with LISTEN_FDNAMES, so children do not take them.
 *   PORT                     the port the socket listens on (the unit sets both from
 *                            fleet_app_port): the first listen() on it takes the socket.
 *   FLEET_LISTEN_FD          set by the cluster runtime's primary for its workers: the
 *                            primary's fd of the socket (Node's cluster module shares it).
 *   FLEET_STOP_TIMEOUT_MS    single process: stop waiting for open connections after
 *                            this long and exit                        default 10000
 *   FLEET_DRAIN_IDLE_MS      a draining server closes keep-alive connections idle this long
 *                                                                      default 1000
 *
 * What it does
 *   - The first listen() on PORT with no address, '::' or '0.0.0.0' listens on
 *     the inherited socket instead of binding. Any other listen() (a metrics
 *     port, a Unix socket path) binds as usual. A listen() on PORT naming
 *     another address is left alone (it fails: the socket holds the port on
 *     every address) and says why on stderr.
 *   - Single process, on SIGTERM, unless the app handles SIGTERM itself: every
 *     server stops accepting (new connections wait in the socket for the next
 *     process), requests in flight finish, responses from then on carry
 *     "Connection: close", keep-alive connections still idle FLEET_DRAIN_IDLE_MS
 *     later are closed, and the process exits 0 when every server has closed,
 *     or after FLEET_STOP_TIMEOUT_MS. Nothing runs per request before SIGTERM.
 */
'use strict';

const fs = require('node:fs');
const net = require('node:net');

const SD_LISTEN_FDS_START = 3; // sd_listen_fds(3): passed sockets start at fd 3
const LOG_PREFIX = 'fleet-socket:';
const WILDCARD_HOSTS = new Set([undefined, null, '', '::', '0.0.0.0']);

function log(message) {
  process.stdout.write(`${LOG_PREFIX} ${message}\n`);
}

function logError(message) {
  process.stderr.write(`${LOG_PREFIX} ${message}\n`);
}

function millisecondsFrom(env, name, fallback) {
  const value = Number(env[name]);
  return env[name] !== undefined && env[name] !== '' && Number.isInteger(value) && value >= 0 ? value : fallback;
}

function portNumber(value) {
  if (typeof value === 'number') return Number.isInteger(value) ? value : null;
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
  return null;
}

/*
 * The socket systemd passed to this process: {fd, ino}, or null. Like
 * sd_listen_fds(unset_environment=1), the variables are removed either way.
 */
function inheritedSocket(env = process.env, pid = process.pid) {
  const count = Number(env.LISTEN_FDS);
  const owner = Number(env.LISTEN_PID);
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
  if (owner !== pid || !(count >= 1)) return null;
  let stat;
  try {
    stat = fs.fstatSync(SD_LISTEN_FDS_START);
  } catch (error) {
    return null;
  }
  return stat.isSocket() ? { fd: SD_LISTEN_FDS_START, ino: stat.ino } : null;
}

// The port, address, backlog, signal and callback of a listen() call, as Node
// reads its arguments; null for the forms that name no TCP port (path, handle, fd).
function listenRequest(args) {
  const callback = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : undefined;
  const first = args[0];
  if (first !== null && typeof first === 'object') {
    if (first.path !== undefined || first.fd !== undefined || first.handle !== undefined || first._handle) return null;
    return { port: portNumber(first.port), host: first.host, backlog: first.backlog, signal: first.signal, callback };
  }
  const asBacklog = (value) => (Number(value) >= 0 ? Number(value) : undefined);
  return {
    port: portNumber(first),
    host: typeof args[1] === 'string' ? args[1] : undefined,
    backlog: (args.length > 1 && asBacklog(args[1])) || (args.length > 2 && asBacklog(args[2])) || undefined,
    signal: undefined,
    callback,
  };
}

/*
 * Make the first listen() on `port` listen on `fd` instead. `servers`, when
 * given, collects every server that listens (to drain them on SIGTERM).
 */
function takeOver(fd, port, servers) {
  const originalListen = net.Server.prototype.listen;
  let taken = false;
  net.Server.prototype.listen = function listenOnInheritedSocket(...args) {
    if (servers) {
      servers.add(this);
      this.once('close', () => servers.delete(this));
    }
    const request = listenRequest(args);
    if (taken || !request || request.port !== port) return originalListen.apply(this, args);
    if (!WILDCARD_HOSTS.has(request.host)) {
      logError(`listen(${port}, '${request.host}') names an address, so it does not take the socket systemd ` +
        `passed in, which holds port ${port} on every address; listen on PORT without an address`);
      return originalListen.apply(this, args);
    }
    taken = true;
    const options = { fd };
    if (request.backlog !== undefined) options.backlog = request.backlog;
    if (request.signal !== undefined) options.signal = request.signal;
    return request.callback ? originalListen.call(this, options, request.callback)
      : originalListen.call(this, options);
  };
}

// ---------------------------------------------------------------- stopping a single process

// From now on every response carries "Connection: close": a keep-alive client
// sends its next request on a new connection, which waits in the socket for
// the next process. Nothing is tracked before SIGTERM: no cost per request.
function closeConnectionsAfterResponses() {
  const { ServerResponse } = require('node:http');
  const writeHead = ServerResponse.prototype.writeHead; // res.end() without it calls it too
  ServerResponse.prototype.writeHead = function writeHeadClosing(...args) {
    if (!this.headersSent) this.setHeader('Connection', 'close');
    return writeHead.apply(this, args);
  };
}

// Close the keep-alive connections that stay idle (no request since SIGTERM:
// any would have been answered with "Connection: close"), once FLEET_DRAIN_IDLE_MS
// has passed (a client about to reuse one would have by then). Node >= 19
// would cut them at once instead, racing requests already on their way.
function closeIdleConnectionsLater(server, idleMs) {
  if (typeof server.closeIdleConnections !== 'function') return; // not HTTP; or Node < 18.2
  // setImmediate: after this loop iteration's I/O poll has read what clients sent
  // while the process was busy (a connection with a request begun is not idle).
  const sweep = () => setImmediate(() => server.closeIdleConnections());
  const timer = setTimeout(function again() {
    sweep();
    timer.refresh(); // and again, for a response that was already streaming at SIGTERM
  }, idleMs);
  timer.unref();
  server.once('close', () => clearTimeout(timer));
}

// Single process: on SIGTERM every listening server stops accepting and drains, then the process exits.
function drainOnSigterm(servers) {
  let stopping = false;
  process.on('SIGTERM', function onSigterm() {
    if (process.listenerCount('SIGTERM') > 1 || stopping) return; // the app stops itself, or we already are
    stopping = true;
    const open = [...servers].filter((server) => server.listening);
    let left = open.length;
    const stopTimeoutMs = millisecondsFrom(process.env, 'FLEET_STOP_TIMEOUT_MS', 10000);
    setTimeout(() => {
      logError(`connections still open ${stopTimeoutMs} ms after SIGTERM, exiting`);
      process.exit(0);
    }, stopTimeoutMs).unref();
    log(`SIGTERM: ${left} server(s) stop accepting and drain; new connections wait in the socket`);
    if (left === 0) process.exit(0);
    closeConnectionsAfterResponses();
    const idleMs = millisecondsFrom(process.env, 'FLEET_DRAIN_IDLE_MS', 1000);
    for (const server of open) {
      // net's close, not http's: stop accepting, and leave keep-alive connections to the above.
      net.Server.prototype.close.call(server, () => {
        left -= 1;
        if (left === 0) process.exit(0);
      });
      closeIdleConnectionsLater(server, idleMs);
    }
  });
}

// ---------------------------------------------------------------- entry point

let installed = false;

function install(env = process.env) {
  if (installed) return;
  installed = true;
  const port = portNumber(env.PORT);
  if (env.FLEET_LISTEN_FD !== undefined) {
    // A cluster worker of the runtime, whose primary holds the socket: Node's cluster module shares it.
    const fd = portNumber(env.FLEET_LISTEN_FD);
    delete env.FLEET_LISTEN_FD;
    if (fd !== null && port !== null) takeOver(fd, port, null);
    return;
  }
  const socket = inheritedSocket(env);
  if (!socket) return;
  if (port === null) {
    logError(`a socket was passed in (fd ${socket.fd}) but PORT=${env.PORT} is not a port: not taking it`);
    return;
  }
  const servers = new Set();
  takeOver(socket.fd, port, servers);
  drainOnSigterm(servers);
  log(`port ${port} is the socket systemd passed in (fd ${socket.fd})`);
}

// Preloaded with --require, before the app's main module: take the socket.
// Required by the cluster runtime's primary (a main module): only a library.
if (require.main === undefined) install();

module.exports = { inheritedSocket, install };
