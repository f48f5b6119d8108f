// One place that turns errors into HTTP answers.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { IdempotencyConflictError, UnknownQueueError } from '../queue/producer.js';
import { DependencyTimeoutError } from '../redis.js';

export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string, readonly details?: unknown) {
    super(message);
  }
}

const REDIS_DOWN = /enableOfflineQueue|Connection is closed|Stream isn't writeable|ECONNREFUSED|max retries per request|Command timed out|Reached the max retries/i;

export function zodDetails(err: ZodError) {
  return err.issues.map((i) => ({ field: i.path.join('.') || '(root)', message: i.message }));
}

export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof HttpError) return reply.status(err.statusCode).send({ error: err.message, ...(err.details ? { details: err.details } : {}) });
  if (err instanceof ZodError) {
    const details = zodDetails(err);
    return reply.status(400).send({ error: `invalid payload: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details });
  }
  if (err instanceof UnknownQueueError) return reply.status(404).send({ error: err.message });
  if (err instanceof IdempotencyConflictError) return reply.status(409).send({ error: err.message });
  if (err instanceof DependencyTimeoutError || REDIS_DOWN.test(err.message)) {
    req.log.warn({ err }, 'dependency unavailable');
    return reply.status(503).header('retry-after', '5').send({ error: 'service unavailable: Redis does not answer' });
  }
  const statusCode = (err as FastifyError).statusCode;
  if (statusCode && statusCode >= 400 && statusCode < 500) return reply.status(statusCode).send({ error: err.message });
  req.log.error({ err }, 'request failed');
  return reply.status(500).send({ error: 'internal error' });
}
