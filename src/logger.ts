import { pino, type Logger } from 'pino';

export type { Logger };

/** Removes the password from connection URLs so they can be logged. */
export function redactUrl(value: string): string {
  return value.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s/]*@/gi, '$1[REDACTED]@');
}

export function createLogger(level: string, secrets: readonly string[] = [], destination?: pino.DestinationStream): Logger {
  const hidden = secrets.filter((s) => s.length >= 8);
  const scrub = (s: string) => hidden.reduce((acc, secret) => acc.split(secret).join('[REDACTED]'), redactUrl(s));
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
