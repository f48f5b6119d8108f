import { pino, type Logger } from 'pino';
import { Redactor } from './secrets.js';

export type { Logger };
export { redactUrl } from './secrets.js';

/** `secrets`: values replaced by [REDACTED] wherever they appear in a line (see configSecrets). */
export function createLogger(level: string, secrets: readonly string[] = [], destination?: pino.DestinationStream): Logger {
  const redactor = new Redactor(secrets);
  const scrub = (s: string) => redactor.scrub(s);
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'apiKey', '*.apiKey', 'password', '*.password', 'headers.authorization', 'headers["x-api-key"]',
          'req.headers.authorization', 'req.headers["x-api-key"]', 'config.API_KEY',
        ],
        censor: '[REDACTED]',
      },
      // A secret can also hide inside free text (an error message quoting a URL): scrub every string.
      hooks: {
        streamWrite: (line) => scrub(line),
      },
    },
    destination,
  );
}
