import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A port for a server a test starts later. Taken below the kernel's ephemeral range: a port the kernel
 * handed out (listen(0), an outgoing connection, the Temporal dev server's own internal ports) could be taken
 * by another process between this check and the server's start — seen once as EADDRINUSE. Below the range
 * only another explicit choice can take it: random, checked, and never the same twice in one process.
 */
const EPHEMERAL_LOW = (() => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
})();
const LOW = Math.max(1024, Math.min(20000, EPHEMERAL_LOW - 4000));
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = LOW + Math.floor(Math.random() * (EPHEMERAL_LOW - LOW));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port between ${LOW} and ${EPHEMERAL_LOW}`);
}
