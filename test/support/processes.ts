import { spawn, type ChildProcess } from 'node:child_process';
import { TEST_REDIS_URL } from './services.js';
import { TEST_API_KEY } from './engine.js';

export interface Replica {
  child: ChildProcess;
  pid: number;
  output: string[];
  exited: Promise<number | null>;
}

/** Starts test/support/replica.ts (or another engine script) as its own process and waits until it reports it has started. */
export async function startReplica(env: Record<string, string>, script = 'test/support/replica.ts'): Promise<Replica> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, NODE_ENV: 'test', REDIS_URL: TEST_REDIS_URL, API_KEY: TEST_API_KEY, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave a half-started process behind
      reject(new Error(`replica did not start:\n${output.join('')}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output.push(String(chunk));
      if (String(chunk).includes('matchday engine started')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c) => output.push(String(c)));
    void exited.then((code) => reject(new Error(`replica exited with ${code}:\n${output.join('')}`)));
  });
  return { child, pid: child.pid!, output, exited };
}

export async function stopReplica(r: Replica, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill(signal);
  return r.exited;
}
