// Debian's Chromium driven by playwright-core: no browser download (the machines reach no browser
// host). CHROMIUM_PATH overrides the search; .ci/run installs the `chromium` package when missing.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHROMIUM_PATH) {
    if (executable(env.CHROMIUM_PATH)) return env.CHROMIUM_PATH;
    throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file`);
  }
  const candidates = [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    ...(env.PATH ?? '').split(delimiter).filter(Boolean).flatMap((dir) => NAMES.map((n) => join(dir, n))),
  ];
  const found = candidates.find(executable);
  if (found) return found;
  throw new Error(`no Chromium found (tried ${[...new Set(candidates)].join(', ')}): apt-get install chromium, or set CHROMIUM_PATH`);
}

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: the tests run as root in CI, where Chromium refuses its sandbox.
  const root = process.getuid?.() === 0;
  return chromium.launch({ executablePath: findChromium(), headless: true, args: root ? ['--no-sandbox'] : [] });
}
