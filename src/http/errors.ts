// One place that turns errors into HTTP answers.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { isPostgresUnavailable } from '../db/errors.js';
import { IdempotencyConflictError, NotReplicatedError, UnknownQueueError } from '../queue/producer.js';
import { DependencyTimeoutError, withTimeout } from '../redis.js';

export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string, readonly details?: unknown) {
    super(message);
  }
}

// The last ones are Redis Cluster's: a slot without a master during a failover, a slot map that cannot be read.
const REDIS_DOWN = /enableOfflineQueue|Connection is closed|Stream isn't writeable|ECONNREFUSED|max retries per request|Command timed out|Reached the max retries|CLUSTERDOWN|Too many Cluster redirections|Failed to refresh slots cache|None of startup nodes is available|no master known for slot/i;

/**
 * Every call a route makes to Redis or PostgreSQL goes through one of these: a dependency that hangs
 * costs the caller at most `ms` (ENQUEUE_TIMEOUT_MS), then a 503 naming it. A PostgreSQL write cut off
 * this way may still commit later; the routes that write are safe to repeat.
 */
export function deadlines(ms: number) {
  return {
    redis: <T>(p: Promise<T>) => withTimeout(p, ms, 'Redis'),
    pg: <T>(p: Promise<T>) => withTimeout(p, ms, 'PostgreSQL'),
  };
}

/** Which dependency an error says is unavailable, if any. */
function unavailable(err: Error): string | undefined {
  if (err instanceof DependencyTimeoutError) return err.dependency;
  // Before the Redis patterns: a refused PostgreSQL connection also says ECONNREFUSED.
  if (isPostgresUnavailable(err)) return 'PostgreSQL';
  return REDIS_DOWN.test(err.message) ? 'Redis' : undefined;
}

export function zodDetails(err: ZodError) {
  return err.issues.map((i) => ({ field: i.path.join('.') || '(root)', message: i.message }));
}

/** A 400 naming each bad field: `invalid <what>: field: message; …`. */
export function invalid(what: string, err: ZodError) {
  const details = zodDetails(err);
  return new HttpError(400, `invalid ${what}: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details);
}

export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof HttpError) return reply.status(err.statusCode).send({ error: err.message, ...(err.details ? { details: err.details } : {}) });
  if (err instanceof ZodError) {
    const details = zodDetails(err);
    return reply.status(400).send({ error: `invalid request: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details });
  }
  if (err instanceof UnknownQueueError) return reply.status(404).send({ error: err.message });
  if (err instanceof IdempotencyConflictError) return reply.status(409).send({ error: err.message });
  if (err instanceof NotReplicatedError) {
    req.log.warn({ err }, 'enqueue not confirmed by Redis replicas');
    return reply.status(503).header('retry-after', '5').send({ error: `service unavailable: ${err.message}; retry with the same Idempotency-Key` });
  }
  const dependency = unavailable(err);
  if (dependency) {
    req.log.warn({ err, dependency }, 'dependency unavailable');
    return reply.status(503).header('retry-after', '5').send({ error: `service unavailable: ${dependency} does not answer` });
  }
  const statusCode = (err as FastifyError).statusCode;
  if (statusCode && statusCode >= 400 && statusCode < 500) return reply.status(statusCode).send({ error: err.message });
  req.log.error({ err }, 'request failed');
  return reply.status(500).send({ error: 'internal error' });
}
