// Runs the engine as a process: configuration, logging, start-up, and shutdown on SIGTERM/SIGINT.
import { pino } from 'pino';
import { loadConfigOrExit } from './config.js';
import { CLOSE_GRACE_MS, startEngine, type EngineOptions } from './engine.js';
import { createLogger } from './logger.js';
import { configSecrets } from './secrets.js';

/** Exit codes (README "Shutdown"). */
export const EXIT = {
  /** Shut down cleanly: running jobs finished, or were aborted at the deadline and put back. */
  clean: 0,
  /** Start-up failed, or shutdown failed with an error. */
  failed: 1,
  /** Bad configuration. */
  config: 2,
  /** A close step did not finish by SHUTDOWN_TIMEOUT_MS + 5 s (Redis or PostgreSQL did not answer): forced. */
  deadline: 3,
  /** A second SIGTERM/SIGINT during shutdown: exited at once. */
  secondSignal: 4,
} as const;

export async function runProcess(o: Pick<EngineOptions, 'queues' | 'extendDeps' | 'extraRoutes'>): Promise<void> {
  const config = loadConfigOrExit();

  const log = createLogger(config.LOG_LEVEL, configSecrets(config));
  if (config.API_KEY_GENERATED) {
    // The one place the key is printed (the main logger scrubs it everywhere else).
    pino({ base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }).warn(
      { apiKey: config.API_KEY },
      'API_KEY is not set: generated one for this process; set API_KEY to keep it stable',
    );
  }

  try {
    const engine = await startEngine({ ...o, config, log });
    const address = engine.http?.server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    log.info({ role: config.ROLE, port, prefix: config.QUEUE_PREFIX }, 'matchday engine started');
    let signalled = false;
    const onSignal = (signal: string) => {
      if (signalled) {
        log.warn({ signal }, 'second signal during shutdown: exiting now (running jobs are recovered once their locks expire)');
        process.exit(EXIT.secondSignal);
      }
      signalled = true;
      log.info({ signal }, 'signal received');
      // Every close step is bounded already; this is the backstop for one that is not.
      setTimeout(() => {
        log.error('shutdown did not end in time: forcing exit');
        process.exit(EXIT.deadline);
      }, config.SHUTDOWN_TIMEOUT_MS + CLOSE_GRACE_MS + 2_000).unref();
      engine.stop().then(
        (r) => process.exit(r.forced.length ? EXIT.deadline : EXIT.clean),
        (err) => {
          log.error({ err }, 'shutdown failed');
          process.exit(EXIT.failed);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  } catch (err) {
    log.fatal({ err }, 'start-up failed');
    process.exit(EXIT.failed);
  }
}
