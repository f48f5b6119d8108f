// A TCP proxy in front of a real service, to cut it (connections dropped and refused) or make it hang
// (connections accepted, nothing answered) the way real outages do, then bring it back.
import net from 'node:net';

export class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  mode: 'pass' | 'hang' = 'pass';
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(port = 0): Promise<number> {
    this.server = net.createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => {});
      if (this.mode === 'hang') return; // swallow everything, answer nothing
      const upstream = net.connect(this.target);
      this.sockets.add(upstream);
      upstream.on('close', () => { this.sockets.delete(upstream); client.destroy(); });
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Drops every connection; new ones are accepted but never answered. */
  hang() {
    this.mode = 'hang';
    for (const s of this.sockets) s.destroy();
  }

  /** Closes the port: open connections drop and new ones are refused (ECONNREFUSED), as when the service is down. */
  async refuse() {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** Listens again on the same port after `refuse()`. */
  async reopen() {
    this.mode = 'pass';
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  restore() {
    this.mode = 'pass';
    for (const s of this.sockets) s.destroy(); // hung connections: let clients reconnect cleanly
  }

  async stop() {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server?.listening ? this.server.close(() => resolve()) : resolve()));
  }
}
