// Bull Board at /admin/queues, served with no request leaving this host and under a strict
// Content-Security-Policy (test/ops/bull-board.test.ts checks both in Chromium). @bull-board/ui's
// page links a third-party font stylesheet (Google Fonts): that fails offline, tells a third party
// who opens the dashboard and when, and the policy would block it anyway. The page is rewritten on
// its way out rather than replaced by a copy of the UI's template (whose asset names change with
// every UI release): every <link> to another origin is dropped, and the UI's own CSS falls back to
// system fonts (`"IBM Plex Sans", system-ui, …`).
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

export const BOARD_PATH = '/admin/queues';

/** `<link …href="https://…">` or protocol-relative `//host/…`: a resource from another origin. */
const EXTERNAL_LINK = /<link\b[^>]*\bhref\s*=\s*["']?(?:[a-z][a-z0-9+.-]*:)?\/\/[^>]*>\s*/gi;

/** The page without resources from other origins. */
export function withoutExternalResources(html: string): string {
  return html.replace(EXTERNAL_LINK, '');
}

/**
 * Scripts: this origin only, so no inline or third-party script can run (the page's one inline
 * <script> is a JSON data block, which browsers never execute). Styles: this origin plus inline
 * styles, which the UI cannot do without: its JSON editor (CodeMirror, "Update job data") writes
 * generated rules into <style> elements at run time, which no hash can name and the UI gives no nonce.
 */
export const BOARD_CSP = [
  `default-src 'self'`,
  `script-src 'self'`,
  `style-src 'self' 'unsafe-inline'`,
  `img-src 'self'`,
  `font-src 'self'`,
  `connect-src 'self'`,
  `worker-src 'self'`,
  `object-src 'none'`,
  `base-uri 'self'`,
  `form-action 'self'`,
  `frame-ancestors 'none'`,
].join('; ');

export async function registerBoard(app: FastifyInstance, queues: Iterable<Queue>): Promise<void> {
  const board = new FastifyAdapter();
  board.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: [...queues].map((q) => new BullMQAdapter(q)),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'Matchday Engine' } },
  });
  // An encapsulated scope: the hook applies to the board's routes only.
  await app.register(async (scope) => {
    scope.addHook('onSend', async (_req, reply, payload) => {
      reply.header('content-security-policy', BOARD_CSP);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      const html = typeof payload === 'string' && String(reply.getHeader('content-type') ?? '').startsWith('text/html');
      return html ? withoutExternalResources(payload as string) : payload;
    });
    await scope.register(board.registerPlugin(), { prefix: BOARD_PATH });
  });
}
