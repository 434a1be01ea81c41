#!/usr/bin/env node
/*
 * fleet node-cluster-runtime: the process manager fleetctl ships for clustered
 * Node.js services. No dependencies but socket-shim.js beside it, Node 18 or newer.
 *
 * Command forms
 *   node node-cluster-runtime.js APP_ENTRY [app args...]
 *       Run the primary: fork FLEET_WORKERS workers running APP_ENTRY, replace
 *       crashed ones, stop gracefully on SIGTERM/SIGINT, roll-reload on SIGHUP.
 *   node node-cluster-runtime.js --reload [--timeout-ms N]
 *       Ask the running primary (found through the state directory) for a
 *       rolling reload and wait for its result. Exit 0: every worker replaced;
 *       1: the reload failed (old workers keep serving); 2: no primary reachable,
 *       or no answer in time. Meant for systemd's ExecReload=.
 *
 * Environment (set by the systemd unit)
 *   FLEET_WORKERS                number of workers (CLUSTER_WORKERS accepted); default 1.
 *                                Never derived from os.cpus(): the deployer decides.
 *   NODE_CLUSTER_SCHED_POLICY    rr (primary distributes connections) or none
 *                                (workers accept from a shared socket); default rr.
 *   FLEET_STATE_DIR              where state.json and control.sock live;
 *                                default $RUNTIME_DIRECTORY (systemd RuntimeDirectory=).
 *   FLEET_CRASH_LOOP_COUNT       unexpected worker exits ...              default 5
 *   FLEET_CRASH_LOOP_WINDOW_MS   ... within this window stop the primary  default 60000
 *   FLEET_RESTART_BACKOFF_MS     first restart delay, doubled per crash   default 100
 *   FLEET_RESTART_BACKOFF_MAX_MS restart delay ceiling                    default 15000
 *   FLEET_RESTART_RESET_MS       uptime after which the backoff resets    default 30000
 *   FLEET_STOP_TIMEOUT_MS        grace for a disconnected worker to exit
 *                                before SIGKILL (stop and reload)         default 10000
 *   FLEET_READY_TIMEOUT_MS       how long a reload waits for a new worker
 *                                to listen / send ready                   default 30000
 *   FLEET_READY_MESSAGE          1: a worker is ready when it calls
 *                                process.send('ready'), not when it listens  default 0
 *   FLEET_DRAIN_IDLE_MS          a disconnected worker closes keep-alive
 *                                connections idle this long               default 1000
 *   FLEET_RELOAD_TIMEOUT_MS      --reload: how long to wait for the result  default 300000
 *
 *   LISTEN_FDS, LISTEN_PID       set by systemd's socket unit: the primary keeps the
 *                                socket (fd 3) and the workers' listen(PORT) takes it
 *                                (socket-shim.js; Node's cluster module shares it)
 *
 * Workers get FLEET_RELEASE (the real release directory) and FLEET_WORKER_SLOT,
 * and FLEET_LISTEN_FD with a socket. The runtime preloads itself into each
 * worker (--require) to make HTTP servers drain gracefully on disconnect:
 * responses sent from then on carry "Connection: close", so keep-alive clients
 * move to the new workers instead of being cut off.
 */
'use strict';

const cluster = require('node:cluster');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

// Beside this file on hosts (/opt/fleet/runtime/): takes over the socket systemd passes in.
const socketShim = require('./socket-shim.js');

const RUNTIME_FILE = __filename;
const LOG_PREFIX = 'fleet-runtime:';
const STATE_FILE_NAME = 'state.json';
const CONTROL_SOCKET_NAME = 'control.sock';

function log(message) {
  process.stdout.write(`${LOG_PREFIX} ${message}\n`);
}

function logError(message) {
  process.stderr.write(`${LOG_PREFIX} ${message}\n`);
}

// ---------------------------------------------------------------- configuration

class ConfigError extends Error {}

function readInteger(env, name, fallback, minimum) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < minimum) {
    throw new ConfigError(`${name}=${raw} is not an integer >= ${minimum}`);
  }
  return Number(raw);
}

function readStateDir(env) {
  if (env.FLEET_STATE_DIR) return env.FLEET_STATE_DIR;
  // systemd joins several RuntimeDirectory= entries with ':'; ours is the first.
  if (env.RUNTIME_DIRECTORY) return env.RUNTIME_DIRECTORY.split(':')[0];
  return null;
}

function readConfig(env) {
  const workersName = env.FLEET_WORKERS ? 'FLEET_WORKERS' : 'CLUSTER_WORKERS';
  const policy = env.NODE_CLUSTER_SCHED_POLICY || 'rr';
  if (policy !== 'rr' && policy !== 'none') {
    throw new ConfigError(`NODE_CLUSTER_SCHED_POLICY=${policy} must be rr or none`);
  }
  const readyMessage = env.FLEET_READY_MESSAGE || '0';
  if (!['0', '1', 'true', 'false'].includes(readyMessage)) {
    throw new ConfigError(`FLEET_READY_MESSAGE=${readyMessage} must be 1 or 0`);
  }
  return {
    workers: readInteger(env, workersName, 1, 1),
    schedulingPolicy: policy,
    stateDir: readStateDir(env),
    crashLoopCount: readInteger(env, 'FLEET_CRASH_LOOP_COUNT', 5, 1),
    crashLoopWindowMs: readInteger(env, 'FLEET_CRASH_LOOP_WINDOW_MS', 60000, 1),
    backoffMs: readInteger(env, 'FLEET_RESTART_BACKOFF_MS', 100, 0),
    backoffMaxMs: readInteger(env, 'FLEET_RESTART_BACKOFF_MAX_MS', 15000, 0),
    backoffResetMs: readInteger(env, 'FLEET_RESTART_RESET_MS', 30000, 0),
    stopTimeoutMs: readInteger(env, 'FLEET_STOP_TIMEOUT_MS', 10000, 1),
    readyTimeoutMs: readInteger(env, 'FLEET_READY_TIMEOUT_MS', 30000, 1),
    readyMessage: readyMessage === '1' || readyMessage === 'true',
    reloadTimeoutMs: readInteger(env, 'FLEET_RELOAD_TIMEOUT_MS', 300000, 1),
    drainIdleMs: readInteger(env, 'FLEET_DRAIN_IDLE_MS', 1000, 0), // read again by each worker
  };
}

// ---------------------------------------------------------------- small helpers

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // a rejection nobody waits for is not a crash
  return { promise, resolve, reject, settled: false };
}

function settle(pending, error, value) {
  if (pending.settled) return;
  pending.settled = true;
  if (error) pending.reject(error);
  else pending.resolve(value);
}

function isoTime(ms) {
  return ms ? new Date(ms).toISOString() : null;
}

function writeFileAtomically(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file); // readers never see a half-written file
}

/*
 * The release a new worker should run: the real path of the entry, and as
 * its cwd the real path of the deepest symlinked directory above the entry
 * (/opt/app/current -> /opt/app/releases/abc). Resolved at every fork so a
 * reload after the symlink switched loads the new release.
 */
function resolveRelease(entry) {
  const exec = fs.realpathSync(entry);
  let dir = path.dirname(entry);
  while (dir !== path.dirname(dir)) {
    if (fs.lstatSync(dir).isSymbolicLink()) {
      return { exec, release: fs.realpathSync(dir) };
    }
    dir = path.dirname(dir);
  }
  return { exec, release: path.dirname(exec) };
}

// ---------------------------------------------------------------- the primary

class ClusterPrimary {
  constructor(config, entry, appArgs) {
    this.config = config;
    this.entry = path.resolve(entry);
    this.appArgs = appArgs;
    this.startedAt = Date.now();
    this.status = 'starting';
    this.release = null;
    this.slots = [];
    this.records = new Map(); // cluster worker id -> record
    this.crashTimes = [];
    this.stopping = false;
    this.reloading = false;
    this.pendingReload = null;
    this.reloadGeneration = 0;
    this.lastReload = null;
    this.controlServer = null;
    this.stateWriteFailed = false;
    this.socket = null; // {fd, ino}: the listening socket systemd passed in, shared with the workers
  }

  start() {
    // Must be set before the first fork: cluster freezes the policy then.
    cluster.schedulingPolicy =
      this.config.schedulingPolicy === 'none' ? cluster.SCHED_NONE : cluster.SCHED_RR;
    this.prepareStateDir();
    this.socket = socketShim.inheritedSocket();
    if (this.socket) {
      log(`port ${process.env.PORT}: the socket systemd passed in (fd ${this.socket.fd}), shared with the workers`);
    }
    process.on('SIGTERM', () => this.stop('SIGTERM', 0));
    process.on('SIGINT', () => this.stop('SIGINT', 0));
    process.on('SIGHUP', () => this.requestReload('SIGHUP'));

    const target = resolveRelease(this.entry);
    this.release = target.release;
    log(
      `primary pid ${process.pid} starting ${this.config.workers} worker(s), ` +
        `policy ${this.config.schedulingPolicy}, release ${target.release}`,
    );
    for (let index = 0; index < this.config.workers; index++) {
      const slot = { index, current: null, candidate: null, restarts: 0, crashStreak: 0,
        restartTimer: null, target };
      this.slots.push(slot);
      slot.current = this.forkWorker(slot, target, 'serving');
    }
    this.status = 'running';
    this.writeState();
    this.startControlServer();
  }

  // ------------------------------------------------------------ workers

  forkWorker(slot, target, role) {
    cluster.setupPrimary({
      exec: target.exec,
      cwd: target.release,
      args: this.appArgs,
      execArgv: [...process.execArgv, '--require', RUNTIME_FILE],
    });
    const worker = cluster.fork({
      FLEET_RELEASE: target.release,
      FLEET_WORKER_SLOT: String(slot.index),
      ...(this.socket ? { FLEET_LISTEN_FD: String(this.socket.fd) } : {}),
    });
    const record = {
      worker, slot, role, target,
      state: 'starting',
      startedAt: Date.now(),
      ready: deferred(),
      exited: deferred(),
      killTimer: null,
    };
    this.records.set(worker.id, record);
    worker.on('listening', (address) => this.onListening(record, address));
    worker.on('message', (message) => {
      const isReady = message === 'ready' || (message && message.type === 'ready');
      if (isReady && this.config.readyMessage) this.onReady(record, 'sent ready');
    });
    worker.on('disconnect', () => this.onDisconnect(record));
    worker.on('exit', (code, signal) => this.onExit(record, code, signal));
    worker.on('error', (error) => logError(`${this.describe(record)} IPC error: ${error.message}`));
    log(`${this.describe(record)} forked (${role}) on release ${target.release}`);
    return record;
  }

  describe(record) {
    return `worker ${record.worker.id} (slot ${record.slot.index}, pid ${record.worker.process.pid})`;
  }

  onListening(record, address) {
    const where = address.port !== undefined ? `${address.address || '*'}:${address.port}` : String(address.address);
    log(`${this.describe(record)} listening on ${where}`);
    if (!this.config.readyMessage) this.onReady(record, 'listening');
  }

  onReady(record, how) {
    if (record.state !== 'starting') return;
    record.state = 'ready';
    log(`${this.describe(record)} ready (${how}) on release ${record.target.release}`);
    settle(record.ready, null, record);
    this.writeState();
  }

  // Disconnected on purpose: every server in it has closed and every
  // connection ended, so in-flight requests are done; SIGTERM lets the app
  // clean up and exit even if timers or pools would keep it alive.
  onDisconnect(record) {
    if (record.state === 'draining' && !record.worker.isDead()) {
      log(`${this.describe(record)} drained, sending SIGTERM`);
      record.worker.process.kill('SIGTERM');
    }
  }

  onExit(record, code, signal) {
    const expected = record.state === 'draining';
    clearTimeout(record.killTimer);
    this.records.delete(record.worker.id);
    const how = signal ? `signal ${signal}` : `code ${code}`;
    const slot = record.slot;
    if (expected) log(`${this.describe(record)} exited (${how})`);
    else logError(`${this.describe(record)} exited unexpectedly (${how})`);
    settle(record.ready, new Error(`exited with ${how} before it was ready`));
    settle(record.exited, null, record);

    if (slot.candidate === record) slot.candidate = null;
    if (slot.current === record) {
      slot.current = null;
      if (!expected && !this.stopping) this.onWorkerCrash(slot, record);
    }
    this.writeState();
    if (this.stopping) this.finishStopIfDone();
  }

  onWorkerCrash(slot, record) {
    const now = Date.now();
    this.crashTimes = this.crashTimes.filter((t) => now - t < this.config.crashLoopWindowMs);
    this.crashTimes.push(now);
    if (this.crashTimes.length >= this.config.crashLoopCount) {
      logError(
        `crash loop: ${this.crashTimes.length} unexpected worker exits within ` +
          `${this.config.crashLoopWindowMs} ms, stopping all workers`,
      );
      this.stop('crash loop', 1);
      return;
    }
    if (now - record.startedAt >= this.config.backoffResetMs) slot.crashStreak = 0;
    const delay = Math.min(this.config.backoffMs * 2 ** slot.crashStreak, this.config.backoffMaxMs);
    slot.crashStreak += 1;
    slot.restarts += 1;
    if (slot.candidate) return; // a reload is about to fill this slot
    this.scheduleRestart(slot, delay);
  }

  scheduleRestart(slot, delay) {
    log(`slot ${slot.index}: restarting worker in ${delay} ms (restart #${slot.restarts})`);
    clearTimeout(slot.restartTimer);
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null;
      if (this.stopping || slot.current || slot.candidate) return;
      if (this.socketLost()) {
        logError('the socket systemd passed in closed with the last worker that listened on it: exiting, so ' +
          'that systemd restarts the service with the socket (connections wait in it meanwhile)');
        this.stop('socket lost', 1);
        return;
      }
      slot.current = this.forkWorker(slot, this.restartTarget(slot), 'serving');
      this.writeState();
    }, delay);
  }

  // Node's cluster module closes its handle on a shared socket, and with it
  // the primary's fd, when the last worker using it leaves (under rr and
  // none): a worker forked after that could not take the socket over.
  socketLost() {
    if (!this.socket) return false;
    try {
      const stat = fs.fstatSync(this.socket.fd);
      return !(stat.isSocket() && stat.ino === this.socket.ino); // the fd number may have been reused
    } catch (error) {
      return true;
    }
  }

  // A crashed worker comes back on the release it was running, not on
  // whatever the symlink points at now: only a reload changes the code.
  restartTarget(slot) {
    if (fs.existsSync(slot.target.exec)) return slot.target;
    try {
      return resolveRelease(this.entry);
    } catch (error) {
      // Nothing to run: the fork fails, which counts towards the crash loop.
      logError(`slot ${slot.index}: ${error.message}`);
      return slot.target;
    }
  }

  // Disconnect: the worker stops accepting, finishes in-flight requests and
  // exits; killed if it is still there after the stop timeout.
  retire(record) {
    if (record.state === 'draining') return record.exited.promise;
    record.state = 'draining';
    log(`${this.describe(record)} disconnecting`);
    if (record.worker.isConnected()) record.worker.disconnect();
    else if (!record.worker.isDead()) record.worker.process.kill('SIGTERM');
    record.killTimer = setTimeout(() => {
      logError(`${this.describe(record)} still running after ${this.config.stopTimeoutMs} ms, killing it`);
      record.worker.process.kill('SIGKILL');
    }, this.config.stopTimeoutMs);
    this.writeState();
    return record.exited.promise;
  }

  // ------------------------------------------------------------ reload

  requestReload(source) {
    if (this.stopping) return Promise.resolve({ ok: false, error: 'runtime is stopping' });
    log(`reload requested (${source})`);
    if (this.reloading) {
      // Coalesce: one more reload after the running one, so it sees the
      // symlink as it is now.
      if (!this.pendingReload) this.pendingReload = deferred();
      return this.pendingReload.promise;
    }
    return this.runReload();
  }

  async runReload() {
    this.reloading = true;
    this.status = 'reloading';
    const generation = ++this.reloadGeneration;
    const startedAt = Date.now();
    this.lastReload = { generation, ok: null, startedAt: isoTime(startedAt), finishedAt: null, release: null, error: null };
    this.writeState();
    let result;
    try {
      const target = resolveRelease(this.entry);
      this.lastReload.release = target.release;
      log(`reload ${generation}: rolling ${this.slots.length} worker(s) onto release ${target.release}`);
      for (const slot of this.slots) await this.reloadSlot(slot, target);
      this.release = target.release;
      result = { ok: true, generation, release: target.release, workers: this.slots.length };
      log(`reload ${generation} succeeded in ${Date.now() - startedAt} ms, release ${target.release}`);
    } catch (error) {
      result = { ok: false, generation, release: this.lastReload.release, error: error.message };
      logError(`reload ${generation} failed: ${error.message}; workers not yet replaced keep serving`);
    }
    Object.assign(this.lastReload, { ok: result.ok, error: result.error || null, finishedAt: isoTime(Date.now()) });
    this.reloading = false;
    if (!this.stopping) this.status = 'running';
    this.writeState();
    this.startPendingReload();
    return result;
  }

  startPendingReload() {
    const pending = this.pendingReload;
    if (!pending) return;
    this.pendingReload = null;
    if (this.stopping) {
      settle(pending, null, { ok: false, error: 'runtime is stopping' });
      return;
    }
    this.runReload().then((result) => settle(pending, null, result));
  }

  // Replace one slot's worker: the new one must be ready before the old one
  // is disconnected, so the port is never without a listener.
  async reloadSlot(slot, target) {
    if (this.stopping) throw new Error('stop requested during the reload');
    if (this.socketLost()) throw new Error('the socket systemd passed in is closed: restart the service');
    const old = slot.current;
    const candidate = this.forkWorker(slot, target, 'candidate');
    slot.candidate = candidate;
    const timer = setTimeout(() => {
      settle(candidate.ready, new Error(`not ready within ${this.config.readyTimeoutMs} ms`));
    }, this.config.readyTimeoutMs);
    try {
      await candidate.ready.promise;
    } catch (error) {
      await this.discardCandidate(slot, candidate);
      throw new Error(`new ${this.describe(candidate)} on ${target.release}: ${error.message}`);
    } finally {
      clearTimeout(timer);
    }
    if (this.stopping) throw new Error('stop requested during the reload');
    slot.candidate = null;
    candidate.role = 'serving';
    slot.current = candidate;
    slot.target = target;
    clearTimeout(slot.restartTimer);
    slot.restartTimer = null;
    this.writeState();
    if (old && !old.worker.isDead()) await this.retire(old);
  }

  async discardCandidate(slot, candidate) {
    slot.candidate = null;
    if (!candidate.worker.isDead()) {
      candidate.state = 'draining'; // its exit is ours, not a crash
      candidate.worker.process.kill('SIGKILL');
      await candidate.exited.promise;
    }
    // The old worker may have crashed while we waited; keep the slot filled.
    if (!slot.current && !slot.restartTimer && !this.stopping) this.scheduleRestart(slot, 0);
  }

  // ------------------------------------------------------------ stop

  stop(reason, exitCode) {
    if (this.stopping) {
      log(`${reason} received while stopping; still waiting for workers`);
      return;
    }
    this.stopping = true;
    this.exitCode = exitCode;
    this.status = exitCode === 0 ? 'stopping' : 'failed';
    log(`stopping (${reason}): disconnecting ${this.records.size} worker(s)`);
    for (const slot of this.slots) clearTimeout(slot.restartTimer);
    for (const record of this.records.values()) this.retire(record);
    this.writeState();
    this.finishStopIfDone();
  }

  finishStopIfDone() {
    if (this.records.size > 0 || this.finishing) return;
    this.finishing = true;
    if (this.status === 'stopping') this.status = 'stopped';
    this.writeState();
    if (this.controlServer) this.controlServer.close();
    this.removeControlSocket();
    log(`all workers gone, primary exiting with code ${this.exitCode}`);
    // Let pending control-socket answers flush before exiting.
    setImmediate(() => process.exit(this.exitCode));
  }

  // ------------------------------------------------------------ state and control

  prepareStateDir() {
    const dir = this.config.stateDir;
    if (!dir) {
      log('no FLEET_STATE_DIR or RUNTIME_DIRECTORY: no state file, no --reload');
      return;
    }
    fs.mkdirSync(dir, { recursive: true });
    this.stateFile = path.join(dir, STATE_FILE_NAME);
    this.controlPath = path.join(dir, CONTROL_SOCKET_NAME);
  }

  snapshot() {
    const workers = [...this.records.values()]
      .sort((a, b) => a.slot.index - b.slot.index || a.worker.id - b.worker.id)
      .map((record) => ({
        slot: record.slot.index,
        id: record.worker.id,
        pid: record.worker.process.pid,
        state: record.state,
        role: record.role,
        startedAt: isoTime(record.startedAt),
        restarts: record.slot.restarts,
        release: record.target.release,
      }));
    return {
      runtime: 'fleet-node-cluster-runtime',
      pid: process.pid,
      status: this.status,
      startedAt: isoTime(this.startedAt),
      updatedAt: isoTime(Date.now()),
      entry: this.entry,
      release: this.release,
      workersWanted: this.config.workers,
      schedulingPolicy: this.config.schedulingPolicy,
      workers,
      lastReload: this.lastReload,
    };
  }

  writeState() {
    if (!this.stateFile) return;
    try {
      writeFileAtomically(this.stateFile, `${JSON.stringify(this.snapshot(), null, 2)}\n`);
    } catch (error) {
      if (!this.stateWriteFailed) logError(`cannot write ${this.stateFile}: ${error.message}`);
      this.stateWriteFailed = true;
    }
  }

  startControlServer() {
    if (!this.controlPath) return;
    this.removeControlSocket(); // left over by a primary that was killed
    this.controlServer = net.createServer((socket) => this.serveControlConnection(socket));
    this.controlServer.on('error', (error) => logError(`control socket ${this.controlPath}: ${error.message}`));
    this.controlServer.listen(this.controlPath, () => {
      fs.chmodSync(this.controlPath, 0o600); // only the service's user may reload it
    });
  }

  serveControlConnection(socket) {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      buffer += chunk;
      const end = buffer.indexOf('\n');
      if (end < 0) return;
      const command = buffer.slice(0, end).trim();
      buffer = '';
      if (command === 'reload') {
        this.requestReload('control socket').then((result) => socket.end(`${JSON.stringify(result)}\n`));
      } else {
        socket.end(`${JSON.stringify({ ok: false, error: `unknown command ${command}` })}\n`);
      }
    });
  }

  removeControlSocket() {
    if (!this.controlPath) return;
    try {
      fs.unlinkSync(this.controlPath);
    } catch (error) {
      if (error.code !== 'ENOENT') logError(`cannot remove ${this.controlPath}: ${error.message}`);
    }
  }
}

// ---------------------------------------------------------------- --reload client

function parseReloadArgs(args, config) {
  let timeoutMs = config.reloadTimeoutMs;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--timeout-ms' && /^\d+$/.test(args[i + 1] || '')) {
      timeoutMs = Number(args[++i]);
    } else {
      throw new ConfigError(`unknown --reload argument ${args[i]}`);
    }
  }
  return timeoutMs;
}

function runReloadCommand(args, config) {
  const timeoutMs = parseReloadArgs(args, config);
  if (!config.stateDir) {
    logError('reload: set FLEET_STATE_DIR or RUNTIME_DIRECTORY to find the running primary');
    process.exit(2);
  }
  const controlPath = path.join(config.stateDir, CONTROL_SOCKET_NAME);
  let answer = '';
  const fail = (code, message) => {
    logError(`reload: ${message}`);
    process.exit(code);
  };
  const timer = setTimeout(() => fail(2, `no result from the primary within ${timeoutMs} ms`), timeoutMs);
  const socket = net.connect(controlPath, () => socket.write('reload\n'));
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    answer += chunk;
  });
  socket.on('error', (error) => fail(2, `cannot reach the primary at ${controlPath}: ${error.message}`));
  socket.on('end', () => {
    clearTimeout(timer);
    let result;
    try {
      result = JSON.parse(answer);
    } catch (error) {
      fail(2, `the primary closed the connection without a result`);
      return;
    }
    if (result.ok) {
      log(`reload ${result.generation} succeeded: ${result.workers} worker(s) on ${result.release}`);
      process.exit(0);
    }
    fail(1, `reload ${result.generation || ''} failed: ${result.error}`);
  });
}

// ---------------------------------------------------------------- worker side

const kDrain = Symbol('fleetRuntimeDrain');
const DEFAULT_DRAIN_IDLE_MS = 1000;

function closeAfterResponse(response) {
  if (!response.headersSent) response.setHeader('Connection', 'close');
}

function drainIdleMs() {
  const value = Number(process.env.FLEET_DRAIN_IDLE_MS);
  return Number.isInteger(value) && value >= 0 ? value : DEFAULT_DRAIN_IDLE_MS;
}

// Disconnect closes the worker's servers. Node >= 19 also cuts idle
// keep-alive connections then, racing requests the client is sending on
// them. Instead: stop accepting, answer every further request with
// "Connection: close", and close a connection only once it has been idle
// for FLEET_DRAIN_IDLE_MS (a client about to reuse it would have by then).
function makeHttpServerDrainable(server) {
  if (server[kDrain]) return;
  const drain = { draining: false, active: new Set(), idleSince: new Map() };
  server[kDrain] = drain;
  server.prependListener('request', (request, response) => {
    const socket = request.socket; // the TLS socket for https, which is the one to close
    drain.idleSince.delete(socket);
    response.once('finish', () => {
      if (!socket.destroyed) drain.idleSince.set(socket, { since: Date.now(), bytesRead: socket.bytesRead });
    });
    if (!socket[kDrain]) {
      socket[kDrain] = true; // one close listener per connection, not per request
      socket.once('close', () => drain.idleSince.delete(socket));
    }
    if (drain.draining) {
      closeAfterResponse(response);
      return;
    }
    drain.active.add(response);
    const forget = () => drain.active.delete(response);
    response.once('finish', forget);
    response.once('close', forget);
  });
  const originalClose = server.close;
  server.close = function closeDraining(...args) {
    if (!(cluster.worker && cluster.worker.exitedAfterDisconnect)) {
      return originalClose.apply(this, args);
    }
    drain.draining = true;
    for (const response of drain.active) closeAfterResponse(response);
    drain.active.clear();
    closeIdleConnectionsWhenQuiet(server, drain);
    return net.Server.prototype.close.apply(this, args);
  };
}

function closeIdleConnectionsWhenQuiet(server, drain) {
  const idleMs = drainIdleMs();
  const sweep = () => {
    const now = Date.now();
    for (const [socket, idle] of drain.idleSince) {
      // Nothing read since the last response: a busy worker may not have
      // polled for a while, so "idle" alone could be stale.
      const quiet = socket.bytesRead === idle.bytesRead && socket.readableLength === 0;
      if (quiet && now - idle.since >= idleMs) socket.destroy();
    }
  };
  // setImmediate: decide after this loop iteration's I/O poll has read
  // whatever clients sent while the worker was busy.
  const timer = setInterval(() => setImmediate(sweep), Math.min(Math.max(idleMs / 4, 20), 250));
  timer.unref();
  server.once('close', () => clearInterval(timer));
}

function installWorkerHooks() {
  socketShim.install(); // first: listen(PORT) takes the primary's socket, when it has one
  const originalListen = net.Server.prototype.listen;
  net.Server.prototype.listen = function listenDrainable(...args) {
    // http and https servers (closeIdleConnections exists since Node 18.2)
    if (typeof this.closeIdleConnections === 'function') makeHttpServerDrainable(this);
    return originalListen.apply(this, args);
  };
}

// ---------------------------------------------------------------- entry point

function main(argv) {
  let config;
  try {
    config = readConfig(process.env);
    if (argv[0] === '--reload') {
      runReloadCommand(argv.slice(1), config);
      return;
    }
    if (!argv[0] || argv[0].startsWith('-')) {
      throw new ConfigError('usage: node-cluster-runtime.js APP_ENTRY [args...] | --reload [--timeout-ms N]');
    }
    if (!fs.existsSync(argv[0])) throw new ConfigError(`app entry ${argv[0]} does not exist`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logError(error.message);
    process.exit(2);
  }
  new ClusterPrimary(config, argv[0], argv.slice(1)).start();
}

if (cluster.isWorker) {
  installWorkerHooks();
} else if (require.main === module) {
  main(process.argv.slice(2));
}

module.exports = { resolveRelease, readConfig };
