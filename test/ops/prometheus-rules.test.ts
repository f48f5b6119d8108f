// The Prometheus configuration and alert rules in ops/prometheus/, checked by Debian's promtool (the
// `prometheus` package): the scrape configuration and the rules parse, and every alert's unit tests
// (series that fire it and series that do not, ops/prometheus/tests/*.yml) pass.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const DIR = join(import.meta.dirname, '../../ops/prometheus');
const yml = (sub: string) => readdirSync(join(DIR, sub)).filter((f) => f.endsWith('.yml')).map((f) => join(sub, f));

/** Runs promtool in ops/prometheus; a non-zero exit fails the test with promtool's own output. */
async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: DIR });
    return stdout + stderr;
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed (exit ${String(e.code)}):\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

describe('ops/prometheus with promtool', () => {
  it('checks the scrape configuration (and the rule files it loads)', async () => {
    const out = await promtool('check', 'config', 'prometheus.yml');
    expect(out).toMatch(/SUCCESS: prometheus.yml is valid/);
  });

  it('ships no file_sd target list, only its example: a fresh deployment scrapes no invented host', async () => {
    const glob = /files: \['targets\/\*\.yml'\]/;
    expect(readFileSync(join(DIR, 'prometheus.yml'), 'utf8')).toMatch(glob);
    expect(yml('targets')).toEqual([]);
    expect(readdirSync(join(DIR, 'targets'))).toContain('replicas.yml.example');
  });

  it('checks the rules', async () => {
    const out = await promtool('check', 'rules', ...yml('rules'));
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('passes the unit tests of the rules, and every alert has tests that fire it and tests that do not', async () => {
    const tests = yml('tests');
    expect(tests.length).toBeGreaterThan(0);
    const out = await promtool('test', 'rules', ...tests);
    expect(out).toMatch(/SUCCESS/);
    expect(out).not.toMatch(/FAILED/);
    const alerts = yml('rules').flatMap((f) => [...readFileSync(join(DIR, f), 'utf8').matchAll(/^\s*- alert: (\S+)$/gm)].map((m) => m[1]!));
    const text = tests.map((f) => readFileSync(join(DIR, f), 'utf8')).join('\n');
    for (const alert of alerts) {
      // An expected firing (exp_alerts with an entry) and an expected silence (exp_alerts: []).
      const cases = [...text.matchAll(new RegExp(`alertname: ${alert}\\n\\s*exp_alerts:( \\[\\])?`, 'g'))];
      expect(cases.some((c) => c[1] === undefined), `${alert} has a test where it fires`).toBe(true);
      expect(cases.some((c) => c[1] !== undefined), `${alert} has a test where it does not fire`).toBe(true);
    }
  });

  it('gives every alert a runbook line in the README', () => {
    const readme = readFileSync(join(DIR, '../../README.md'), 'utf8');
    const from = readme.indexOf('### Alerts and runbooks');
    expect(from).toBeGreaterThan(readme.indexOf('## Operations'));
    const section = readme.slice(from, readme.indexOf('\n## ', from));
    expect(section.length).toBeGreaterThan(100);
    const alerts = yml('rules').flatMap((f) => [...readFileSync(join(DIR, f), 'utf8').matchAll(/^\s*- alert: (\S+)$/gm)].map((m) => m[1]!));
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    for (const alert of alerts) expect(section, `README runbook for ${alert}`).toMatch(new RegExp(`^\\| \`${alert}\` \\|`, 'm'));
  });
});
