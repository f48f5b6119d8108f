// Runs the engine as a process: configuration, logging, start-up, and shutdown on SIGTERM/SIGINT.
import { pino } from 'pino';
import { loadConfigOrExit } from './config.js';
import { startEngine, type EngineOptions } from './engine.js';
import { createLogger } from './logger.js';
import { configSecrets } from './secrets.js';

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
    const onSignal = (signal: string) => {
      log.info({ signal }, 'signal received');
      engine.stop().then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  } catch (err) {
    log.fatal({ err }, 'start-up failed');
    process.exit(1);
  }
}
