import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * What a running `./platform start` owns, kept in .data/stack.json: its process, its process group
 * (its own session when started by ./platform) and the servers it started. A start that finds the
 * record of a stack that died without stopping (kill -9, a power cut) stops what it left running,
 * and says so; a start that finds a live stack refuses, naming it.
 */
export interface StackRecord {
  pid: number;
  /** The process group, when the stack leads it (then everything it started belongs to it). */
  pgid: number | null;
  startedAt: string;
  children: Record<string, number>;
}

export class StackAlreadyRunning extends Error {}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const commandOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
};

function processGroupOf(pid: number): number | null {
  try {
    return Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }).trim()) || null;
  } catch {
    return null;
  }
}

/** The processes still in a process group, with their commands. */
function membersOf(pgid: number): { pid: number; command: string }[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,pgid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[2]) === pgid && Number(m[1]) !== process.pid)
    .map((m) => ({ pid: Number(m[1]), command: m[3]! }));
}

async function stopAll(pids: number[]): Promise<void> {
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGINT');
  for (let i = 0; i < 50 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 200));
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
}

export class StackRecordFile {
  private record: StackRecord;

  private constructor(private readonly file: string) {
    const pgid = processGroupOf(process.pid);
    this.record = { pid: process.pid, pgid: pgid === process.pid ? pgid : null, startedAt: new Date().toISOString(), children: {} };
  }

  /**
   * Claims the data directory for this start. Returns what was cleaned up after a crashed start
   * (for the person starting it to read); throws StackAlreadyRunning if a stack is running.
   */
  static async claim(dataDir: string, extraPidFiles: Record<string, string> = {}): Promise<{ record: StackRecordFile; cleaned: string[] }> {
    const file = `${dataDir}/stack.json`;
    const cleaned: string[] = [];
    if (existsSync(file)) {
      const old = JSON.parse(readFileSync(file, 'utf8')) as StackRecord;
      if (old.pid !== process.pid && alive(old.pid) && commandOf(old.pid).includes('local/stack')) {
        throw new StackAlreadyRunning(`Nền tảng đang chạy rồi (tiến trình ${old.pid}, từ ${old.startedAt}). Dừng nó bằng Ctrl-C ở cửa sổ đó, hoặc: kill -INT ${old.pid}`);
      }
      const leftovers = new Map<number, string>();
      if (old.pgid) for (const m of membersOf(old.pgid)) leftovers.set(m.pid, m.command);
      for (const [name, pid] of Object.entries(old.children)) if (alive(pid) && !leftovers.has(pid)) leftovers.set(pid, name);
      await stopAll([...leftovers.keys()]);
      for (const [pid, command] of leftovers) cleaned.push(`${command.split(' ').slice(0, 3).join(' ')} (pid ${pid})`);
    }
    // A server of this data directory may outlive a stack started without its own session.
    for (const [name, pidFile] of Object.entries(extraPidFiles)) {
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
      if (Number.isInteger(pid) && pid > 0 && alive(pid) && commandOf(pid).includes(name)) {
        await stopAll([pid]);
        cleaned.push(`${name} (pid ${pid})`);
      }
    }
    const record = new StackRecordFile(file);
    record.save();
    return { record, cleaned };
  }

  child(name: string, pid: number | undefined): void {
    if (!pid) return;
    this.record.children[name] = pid;
    this.save();
  }

  /** A clean stop: nothing is left behind, so there is nothing to record. */
  release(): void {
    rmSync(this.file, { force: true });
  }

  private save(): void {
    writeFileSync(this.file, JSON.stringify(this.record, null, 2));
  }
}
