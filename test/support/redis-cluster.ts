// A real local Redis Cluster for the ops tier: six redis-server processes (Debian's package) on free
// ports in a temporary directory, three masters and three replicas made with `redis-cli --cluster
// create`. It never touches the machine's Redis on 6379. `stop()` kills every process and removes the
// directory; an exit handler does the same if a test file dies before its afterAll.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  dir: string;
  child: ChildProcess | null;
}

export interface LocalCluster {
  nodes: ClusterNode[];
  /** REDIS_CLUSTER_NODES for the engine: every node as host:port. */
  seeds: string;
  /** Port of the master that owns `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** Ports of the replicas of the master on `port`. */
  replicasOf(port: number): Promise<number[]>;
  /** SIGKILL of the node on `port`. */
  kill(port: number): Promise<void>;
  /** SIGSTOP / SIGCONT of the node on `port`: a replica that falls behind (its master still answers). */
  pause(port: number): void;
  resume(port: number): void;
  /** Starts the node on `port` again with its nodes.conf: it rejoins (a killed master comes back as a replica). */
  restart(port: number): Promise<void>;
  /** Waits until every running node reports cluster_state:ok and agrees on `key`'s master. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** A plain connection to one node (close it yourself). */
  node(port: number): Redis;
  stop(): Promise<void>;
}

/** A port that is free, with its cluster bus port (port + 10000) free too. */
async function freePort(taken: Set<number>): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 35_000);
    if (taken.has(port) || taken.has(port + 10_000) || taken.has(port - 10_000)) continue;
    if ((await tryListen(port)) && (await tryListen(port + 10_000))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

async function ask(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5_000 });
  return stdout.trim();
}

const live = new Set<ChildProcess>();
let exitHook = false;

function spawnNode(n: ClusterNode, nodeTimeoutMs: number): ChildProcess {
  const child = spawn('redis-server', [
    '--port', String(n.port), '--bind', '127.0.0.1', '--dir', n.dir, '--daemonize', 'no', '--protected-mode', 'no',
    '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeoutMs),
    // A replica may always take over, however long it was cut off (the test kills masters on purpose).
    '--cluster-replica-validity-factor', '0',
    '--appendonly', 'no', '--save', '', '--maxmemory-policy', 'noeviction', '--logfile', path.join(n.dir, 'redis.log'),
  ], { stdio: 'ignore' });
  live.add(child);
  child.on('exit', () => live.delete(child));
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  return child;
}

async function waitAnswers(port: number, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await ask(port, 'PING')) === 'PONG') return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`redis-server on ${port} did not answer within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export async function startLocalCluster(o: { nodeTimeoutMs?: number } = {}): Promise<LocalCluster> {
  const nodeTimeoutMs = o.nodeTimeoutMs ?? 2_000;
  const root = mkdtempSync(path.join(tmpdir(), 'matchday-cluster-'));
  const taken = new Set<number>();
  const nodes: ClusterNode[] = [];
  const stop = async () => {
    for (const n of nodes) {
      if (n.child && n.child.exitCode === null && n.child.signalCode === null) {
        const gone = new Promise((r) => n.child!.once('exit', r));
        n.child.kill('SIGKILL');
        await gone;
      }
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 6; i++) {
      const port = await freePort(taken);
      const dir = path.join(root, String(port));
      mkdirSync(dir);
      nodes.push({ port, dir, child: null });
    }
    for (const n of nodes) n.child = spawnNode(n, nodeTimeoutMs);
    await Promise.all(nodes.map((n) => waitAnswers(n.port)));
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
  } catch (err) {
    await stop();
    throw err;
  }

  const slotOwners = async (via: number) => {
    // CLUSTER SHARDS would be newer; CLUSTER SLOTS answers on Redis 7.0 as on 6.
    const c = new Redis({ host: '127.0.0.1', port: via, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    try {
      await c.connect();
      return (await c.cluster('SLOTS')) as unknown as Array<[number, number, ...Array<[string, number, ...unknown[]]>]>;
    } finally {
      c.disconnect();
    }
  };
  const running = () => nodes.filter((n) => n.child && n.child.exitCode === null && n.child.signalCode === null);
  const cluster: LocalCluster = {
    nodes,
    seeds: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    async masterOf(key) {
      const via = running()[0]!.port;
      const slot = Number(await ask(via, 'CLUSTER', 'KEYSLOT', key));
      for (const [from, to, master] of await slotOwners(via)) if (master && slot >= from && slot <= to) return master[1];
      throw new Error(`no master for slot ${slot}`);
    },
    async replicasOf(port) {
      for (const [, , master, ...replicas] of await slotOwners(running()[0]!.port)) if (master?.[1] === port) return replicas.map((r) => r[1]);
      return [];
    },
    async kill(port) {
      const n = nodes.find((x) => x.port === port)!;
      const gone = new Promise((r) => n.child!.once('exit', r));
      n.child!.kill('SIGKILL');
      await gone;
    },
    pause(port) {
      nodes.find((x) => x.port === port)!.child!.kill('SIGSTOP');
    },
    resume(port) {
      nodes.find((x) => x.port === port)!.child!.kill('SIGCONT');
    },
    async restart(port) {
      const n = nodes.find((x) => x.port === port)!;
      n.child = spawnNode(n, nodeTimeoutMs);
      await waitAnswers(port);
    },
    async waitHealthy(timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(running().map((n) => ask(n.port, 'CLUSTER', 'INFO').catch(() => '')));
        // Healthy: every node serves every slot, every master has a replica, and every replica is in sync.
        const ok = states.every((s) => /cluster_state:ok/.test(s) && /cluster_slots_ok:16384/.test(s))
          && (await slotOwners(running()[0]!.port).catch(() => [])).every((range) => range.length > 3)
          && (await Promise.all(running().map((n) => ask(n.port, 'INFO', 'replication').catch(() => ''))))
            .every((r) => /role:master/.test(r) || /master_link_status:up/.test(r));
        if (ok) return;
        if (Date.now() > end) throw new Error(`Redis Cluster not healthy within ${timeoutMs} ms:\n${states.join('\n---\n')}`);
        await sleep(100);
      }
    },
    node(port) {
      return new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
    },
    stop,
  };
  try {
    await cluster.waitHealthy();
  } catch (err) {
    await stop();
    throw err;
  }
  return cluster;
}
