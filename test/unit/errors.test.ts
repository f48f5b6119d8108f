import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { classify, NonRetryableError, parseRetryAfter, RetryAfterError } from '../../src/queue/errors.js';
import { backoffDelay, retryPresets } from '../../src/queue/retry-presets.js';
import { createLogger, redactUrl } from '../../src/logger.js';
import { Writable } from 'node:stream';

describe('error classification', () => {
  it('classifies what pipelines throw', () => {
    expect(classify(new NonRetryableError('bad')).kind).toBe('non-retryable');
    expect(classify(z.object({ a: z.string() }).safeParse({}).error).kind).toBe('non-retryable');
    const ra = classify(new RetryAfterError('429', 1500));
    expect(ra).toMatchObject({ kind: 'retry-after', delayMs: 1500 });
    expect(classify(new Error('ECONNRESET')).kind).toBe('retryable');
    expect(classify('a string').error.message).toBe('a string');
  });

  it('parses Retry-After in seconds and as an HTTP date', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('backs off exponentially with bounded jitter', () => {
    const p = retryPresets.upstream;
    expect(backoffDelay(p, 1, () => 0.5)).toBe(8_000);
    expect(backoffDelay(p, 2, () => 0.5)).toBe(16_000);
    expect(backoffDelay(p, 3, () => 0)).toBe(Math.round(32_000 * 0.8));
    expect(backoffDelay(p, 3, () => 1)).toBe(Math.round(32_000 * 1.2));
    expect(backoffDelay(p, 20, () => 0.5)).toBe(p.maxDelayMs);
  });
});

describe('log redaction', () => {
  it('never writes the API key or URL passwords', () => {
    const lines: string[] = [];
    const log = createLogger('info', ['super-secret-api-key-123'], new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }));
    log.info({ url: 'redis://user:hunter2pass@redis:6379', apiKey: 'x', headers: { authorization: 'Bearer abc' } }, 'connecting with super-secret-api-key-123');
    log.error({ err: new Error('failed postgresql://postgres:pw123456@db/x') }, 'oops');
    const out = lines.join('');
    expect(out).not.toContain('super-secret-api-key-123');
    expect(out).not.toContain('hunter2pass');
    expect(out).not.toContain('pw123456');
    expect(out).not.toContain('Bearer abc');
    expect(out).toContain('[REDACTED]');
    expect(redactUrl('postgresql://u:p@h/d')).toBe('postgresql://u:[REDACTED]@h/d');
  });
});
