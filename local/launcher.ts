/**
 * `./platform start`'s supervisor. It runs the stack (local/stack.ts) in a session and process group of its
 * own, so that Ctrl-C in a terminal reaches only the stack, which stops the API and the worker before the
 * servers they use. It passes SIGINT and SIGTERM on to the stack: a Node process can handle SIGINT even when
 * the shell that started it in the background ignores it (POSIX lets a script neither trap nor reset a
 * signal ignored on entry, so a bash launcher started with `&` from a script could not be stopped with
 * SIGINT). If the stack dies without stopping its servers (kill -9), it stops what was left in the group.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { constants } from 'node:os';

const stack = spawn(process.execPath, ['--import', 'tsx', 'local/stack.ts', ...process.argv.slice(2)], { stdio: 'inherit', detached: true });
const group = -stack.pid!;

let signalled = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    signalled = true;
    // Both mean "stop": the stack's ordered stop is on SIGINT and SIGTERM alike.
    if (stack.exitCode === null && stack.signalCode === null) stack.kill('SIGINT');
  });
}

/** Processes still in the stack's group, with their command names (read from /proc). */
function leftInGroup(): string[] {
  const left: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so split after the last ')'.
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      if (Number(fields[2]) === -group && fields[0] !== 'Z') left.push(`${stat.slice(stat.indexOf('(') + 1, close)} (pid ${entry})`);
    } catch {
      // gone between the listing and the read
    }
  }
  return left;
}

async function drained(seconds: number): Promise<boolean> {
  for (let i = 0; i < seconds * 5; i++) {
    if (leftInGroup().length === 0) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return leftInGroup().length === 0;
}

stack.once('exit', (code, signal) => {
  void (async () => {
    const clean = code === 0;
    // After a clean stop the servers may take a moment to finish exiting: that is not an abrupt stop.
    if (!(await drained(clean ? 10 : 1))) {
      const left = leftInGroup();
      process.stderr.write(
        clean
          ? `» the platform stopped, but left running: ${left.join(', ')}; stopping them\n`
          : `» the platform stopped abruptly (${signal ?? `exit ${code}`}); stopping what it left running: ${left.join(', ')}\n`,
      );
      try {
        process.kill(group, 'SIGINT');
      } catch {
        // already gone
      }
      if (!(await drained(10))) {
        try {
          process.kill(group, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    // A stop asked for is a success; a stack killed by a signal exits as a shell would report it (128 + n).
    process.exitCode = code ?? (signalled ? 0 : 128 + constants.signals[signal!]);
  })();
});
