// The dashboard page as @bull-board/ui ships it links a third-party font host; the engine serves it
// without (src/http/board.ts). The browser test (test/ops/bull-board.test.ts) checks the whole page.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { BOARD_CSP, withoutExternalResources } from '../../src/http/board.js';

// @bull-board/ui is @bull-board/fastify's dependency; its template is what the adapter renders.
const fromFastify = createRequire(createRequire(import.meta.url).resolve('@bull-board/fastify'));
const template = readFileSync(fromFastify.resolve('@bull-board/ui/dist/index.ejs'), 'utf8');
const externalUrl = /\b(?:href|src)\s*=\s*["']?(?:[a-z][a-z0-9+.-]*:)?\/\//i;

describe('Bull Board page', () => {
  it("loses the UI template's third-party links and keeps its own", () => {
    expect(template).toMatch(externalUrl); // what made this necessary: fonts.googleapis.com
    const served = withoutExternalResources(template);
    expect(served).not.toMatch(externalUrl);
    expect(served).toMatch(/<link href="static\/css\/main\.[^"]+\.css" rel="stylesheet">/);
    expect(served.match(/<script defer src="static\/js\//g)?.length).toBe(template.match(/<script defer src="static\/js\//g)?.length);
  });

  it('drops links to any other origin, in any quoting, and nothing else', () => {
    const page = [
      `<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>`,
      `<link href='//cdn.example/x.css' rel=stylesheet>`,
      `<link rel=stylesheet href=http://cdn.example/y.css>`,
      `<link rel="icon" href="static/favicon-32x32.png">`,
      `<base href="/admin/queues/" />`,
    ].join('\n');
    expect(withoutExternalResources(page)).toBe(`<link rel="icon" href="static/favicon-32x32.png">\n<base href="/admin/queues/" />`);
  });

  it('allows no script but its own origin and no other host for anything', () => {
    const directives: Record<string, string[]> = Object.fromEntries(BOARD_CSP.split('; ').map((d) => [d.split(' ', 1)[0]!, d.split(' ').slice(1)]));
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    for (const sources of Object.values(directives)) expect(sources.every((s) => s.startsWith("'"))).toBe(true);
  });
});
