// Setup file of the integration tier: registered before the test file's own hooks, so (after-hooks run in
// reverse order) it runs after the file has stopped its engines and processes.
import { afterAll } from 'vitest';
import { deleteTakenKeys } from './redis-keys.js';

afterAll(deleteTakenKeys);
