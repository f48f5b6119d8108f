// An integration's endpoint on real HTTP for webhook tasks (on the shared fake upstream): /slow answers
// after `slowMs` (counting calls in flight), /flaky fails with 500 `flakyTimes` times, /bad answers 400,
// /hang never answers, any other path echoes. Records every request with its headers.
import { FakeUpstream, type HandledRequest } from '../support/fake-upstream.js';

export class FakeEndpoint extends FakeUpstream {
  slowMs = 400;
  flakyTimes = 0;
  inFlight = 0;
  maxInFlight = 0;

  constructor() {
    super();
    const echo = (r: HandledRequest) => ({ json: { ok: true, path: r.url.pathname, received: r.body ? JSON.parse(r.body) : null } });
    this.serve('/hang', async (r) => {
      await r.closed;
      return 'hang' as const;
    });
    this.serve('/bad', (r) => ({ status: 400, json: { error: 'bad request', echoed: r.headers.authorization ?? null } }));
    this.serve('/flaky', (r) => {
      if (this.flakyTimes <= 0) return echo(r);
      this.flakyTimes--;
      return { status: 500, json: { error: 'try again' } };
    });
    this.serve('/slow', async (r) => {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      await new Promise((done) => setTimeout(done, this.slowMs));
      this.inFlight--;
      return echo(r);
    });
    this.serve('/*', echo);
  }
}
