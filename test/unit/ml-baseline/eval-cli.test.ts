import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../../pipelines/_baseline-model/eval-cli.js';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/football');

describe('eval CLI arguments', () => {
  it('parses a full command line', () => {
    const a = parseArgs(['baseline', '--data', FIXTURES, '--from', '2023-08-01', '--to', '2024-05-31', '--leagues', 'E0', '--jobs', '1']);
    expect(a).toMatchObject({ data: FIXTURES, leagues: ['E0'], jobs: 1, refitDays: 7, excludeNewTeams: false });
    expect(a.from?.toISOString()).toBe('2023-08-01T00:00:00.000Z');
    expect(parseArgs(['baseline', '--data', FIXTURES]).leagues).toEqual(['E0']);
  });

  it.each([
    [[], /model name/],
    [['elo'], /unknown model/],
    [['baseline'], /--data/],
    [['baseline', '--data'], /needs a value/],
    [['baseline', '--data', '/no/such/folder'], /no such folder/],
    [['baseline', '--data', FIXTURES, '--from', '2023-02-30'], /YYYY-MM-DD/],
    [['baseline', '--data', FIXTURES, '--from', '2024-01-01', '--to', '2023-01-01'], /before/],
    [['baseline', '--data', FIXTURES, '--leagues', 'E0,SP1'], /SP1/],
    [['baseline', '--data', FIXTURES, '--jobs', '0'], /positive integer/],
    [['baseline', '--data', FIXTURES, '--bogus'], /unknown argument/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv as string[])).toThrow(message);
  });

  it('exits with code 2 and the usage on bad arguments', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'pipelines/_baseline-model/eval-cli.ts'), 'baseline', '--from', 'yesterday'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: npm run eval -- baseline/);
  });
});
