import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { json } from '../support/http';
import { enqueueMessages } from '../../services/records';
import { signIn, startTestPlatform, type Session } from '../support/platform';

/** Dead letters are visible to operators through the API, and can be sent again (issue 10). */
let p: Awaited<ReturnType<typeof startTestPlatform>>;
let operator: Session;
let citizen: Session;

beforeAll(async () => {
  p = await startTestPlatform();
  operator = await signIn(p.apiUrl, 'vanhanh');
  citizen = await signIn(p.apiUrl, 'congdan2');
});
afterAll(async () => {
  await p?.stop();
});

type Listed = { items: { id: string; dedupeKey: string; recipient: string; attempts: number; lastError: string | null; state: string; stateLabel: string }[] };

async function deadFor(code: string): Promise<Listed['items']> {
  for (let i = 0; i < 400; i++) {
    const found = (await json<Listed>(await operator.get('/api/operations/notifications?state=dead'), 200)).items.filter((m) => m.dedupeKey.includes(code));
    if (found.length > 0) return found;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no dead letter for ${code}`);
}

describe('dead letters for operators', () => {
  it('a message refused for good is listed with its reason; an operator sends it again; a sent one cannot be', async () => {
    // A message to an address no mail server can take, queued as a process queues its messages.
    const code = `thu-hong-${Date.now()}`;
    await p.orm.em.fork().transactional((tx) => enqueueMessages(tx, [{ dedupeKey: `test:${code}:citizen`, recipient: 'khong-hop-le', subject: 'Thử', body: 'Thử' }]));
    const [dead] = await deadFor(code);
    expect(dead).toMatchObject({ recipient: 'khong-hop-le', attempts: 1, state: 'dead' });
    expect(dead!.lastError).toBeTruthy();
    expect(dead!.stateLabel).toMatch(/ngừng gửi/);
    // Citizens and officers do not see the outbox.
    expect((await citizen.get('/api/operations/notifications')).status).toBe(403);

    const again = await json<{ state: string }>(await operator.send('POST', `/api/operations/notifications/${dead!.id}/retry`), 200);
    expect(again.state).toBe('waiting');
    // The relay tried it again at once (and, the address still being wrong, gave it up again).
    for (let i = 0; i < 400; i++) {
      const [row] = await p.orm.em.fork().execute<{ attempts: number; dead_at: string | null }[]>('select attempts, dead_at from notification where id = ?', [dead!.id]);
      if (row!.attempts === 2 && row!.dead_at) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const [row] = await p.orm.em.fork().execute<{ attempts: number }[]>('select attempts from notification where id = ?', [dead!.id]);
    expect(row!.attempts).toBe(2);
    const [audit] = await p.orm.em.fork().execute<{ actor_role: string }[]>("select actor_role from audit_log where action = 'notification.retry' and entity_id = ?", [dead!.id]);
    expect(audit!.actor_role).toBe('operator');

    const [sent] = await p.orm.em.fork().execute<{ id: string }[]>('select id from notification where sent_at is not null order by id limit 1');
    if (sent) expect((await operator.send('POST', `/api/operations/notifications/${sent.id}/retry`)).status).toBe(409);
    expect((await operator.send('POST', '/api/operations/notifications/999999999/retry')).status).toBe(404);
  });

  it('replay before a deploy: every open process, or one, replayed against the current workflow code; operators only, audited', async () => {
    // An open process: a feedback waiting for its agency.
    const { code } = await json<{ code: string }>(await citizen.send('POST', '/api/feedback', {
      title: 'Thời gian chờ tại bộ phận một cửa', content: 'Đề nghị bố trí thêm quầy tiếp nhận vào buổi sáng thứ Hai hằng tuần.', agencyCode: 'HNI-STP',
    }), 201);
    const audited = async () => Number((await p.orm.em.fork().execute<{ n: string }[]>("select count(*) as n from audit_log where action = 'operations.replay'"))[0]!.n);
    const before = await audited();
    const all = await json<{ replayed: number; failures: unknown[] }>(await operator.send('POST', '/api/operations/replay', {}), 200);
    expect(all.replayed).toBeGreaterThanOrEqual(1);
    expect(all.failures).toEqual([]);
    const one = await json<{ replayed: number; failures: unknown[] }>(await operator.send('POST', '/api/operations/replay', { workflowId: code }), 200);
    expect(one).toEqual({ replayed: 1, failures: [] });
    expect((await operator.send('POST', '/api/operations/replay', { workflowId: 'PAKN-000000-000000' })).status).toBe(404);
    expect((await citizen.send('POST', '/api/operations/replay', {})).status).toBe(403);
    expect((await operator.send('POST', '/api/operations/replay', { workflowId: code, all: true })).status).toBe(422);
    expect(await audited()).toBe(before + 2);
  });
});
