// Fails a test file that leaves workers, servers or connections open: after its last test, no TCP
// handle may remain (vitest talks to its workers over IPC, not TCP).
import { afterAll } from 'vitest';

afterAll(async () => {
  const deadline = Date.now() + 3_000;
  let open: string[] = [];
  while (Date.now() < deadline) {
    open = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'TCPWRAP');
    if (!open.length) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`test file left ${open.length} TCP handle(s) open (${open.join(', ')}): close every engine, server and connection`);
});
