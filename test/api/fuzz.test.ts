import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RouteSpec } from '../../api/access';
import { DEMO_USERS } from '../../db/demo-data';
import { Role } from '../../domain/access/roles';
import { fuzz, quiescent } from '../support/fuzz';
import { integrationSession, pdfBytes, signIn, startTestPlatform, type Session } from '../support/platform';

// `npm run fuzz` sends thousands (FUZZ_REQUESTS); the default run sends a few hundred.
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 400);
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);

let p: Awaited<ReturnType<typeof startTestPlatform>>;
const sessions: Session[] = [];
const pathValues: Record<string, string[]> = {};

beforeAll(async () => {
  p = await startTestPlatform();
  for (const role of Role.options) {
    const u = DEMO_USERS.find((x) => x.roles.includes(role) && (x.agencyCode === null || x.agencyCode === 'HNI-STP'))!;
    sessions.push(u.kind === 'integration' ? await integrationSession(p.apiUrl, p.idp.tokenURL) : await signIn(p.apiUrl, u.subject));
  }
  const citizen = sessions[Role.options.indexOf('citizen')]!;
  const form = new FormData();
  form.set('procedureCode', 'STP-KS');
  form.set('formData', JSON.stringify({ hoTenTre: 'Trần Bảo Ngọc', ngaySinhTre: '2026-09-09', noiSinh: 'Hà Nội' }));
  form.set('giayChungSinh', new Blob([pdfBytes()]), 'gcs.pdf');
  const dossier = (await (await citizen.multipart('/api/dossiers', form)).json()) as { code: string };
  const fb = (await (await citizen.send('POST', '/api/feedback', { title: 'Phản ánh để kiểm thử', content: 'Nội dung phản ánh dùng cho kiểm thử ngẫu nhiên các đường dẫn.', agencyCode: 'HNI-STP' })).json()) as { code: string };
  // A throwaway officer, so that generated lock/unlock requests never touch the demo accounts.
  const target = randomUUID();
  await p.orm.em.fork().execute("insert into account (id, subject, kind, full_name, agency_code, roles) values (?, ?, 'officer', 'Cán bộ thử nghiệm', 'HNI-STP', '{clerk}')", [target, `fuzz:${target}`]);
  Object.assign(pathValues, {
    code: [dossier.code, fb.code, 'STP-KS', 'STP-LLTP'],
    resultCode: [`${dossier.code}-KQ1`],
    id: [target],
    // Only far-future dates: a generated calendar change must not move other suites' deadlines.
    date: ['2035-01-02', '2035-06-30'],
  });
  // Both processes have recorded their submission before the fuzzing starts.
  for (let i = 0; i < 400; i++) {
    const [r] = await p.orm.em.fork().execute<{ d: number; f: number }[]>('select (select seq from dossier where code = ?) as d, (select seq from feedback where code = ?) as f', [dossier.code, fb.code]);
    if (r && r.d >= 1 && r.f >= 1) break;
    await new Promise((res) => setTimeout(res, 25));
  }
  await quiescent(counts);
});
afterAll(async () => {
  await p?.stop();
});

function seedBodies(route: RouteSpec): unknown[] {
  if (route.path.endsWith('/actions')) return [{ type: 'claim' }, { type: 'accept' }, { type: 'withdraw', reason: 'Không còn nhu cầu' }, { type: 'post_progress', text: 'Đang xử lý phản ánh.' }, { type: 'transfer', toAgencyCode: 'HCM-SKHDT', text: 'Chuyển cơ quan khác.' }];
  if (route.path === '/api/feedback') return [{ title: 'Phản ánh thử nghiệm', content: 'Nội dung phản ánh bằng tiếng Việt có dấu đủ dài.', agencyCode: 'HNI-STP' }];
  if (route.path === '/api/feedback/keyed') return [{ channel: 'phone', receivedAt: new Date().toISOString(), title: 'Qua điện thoại', content: 'Nội dung phản ánh bằng tiếng Việt có dấu đủ dài.', contact: { name: 'Lê Văn A', address: '1 Tràng Tiền, Hà Nội', phone: '0987654321' } }];
  if (route.path.endsWith('/lock')) return [{ kind: 'violation', note: 'Vi phạm quy chế sử dụng tài khoản' }];
  if (route.path.endsWith('/unlock') || route.path.endsWith('/revoke')) return [{ note: 'Lý do mở khóa đủ dài', reason: 'Lý do thu hồi đủ dài' }];
  if (route.path.startsWith('/api/calendar')) return [{ kind: 'day_off', note: 'Ngày nghỉ thử nghiệm' }];
  const birth = { hoTenTre: 'Lê Gia Hân', ngaySinhTre: '2026-10-20', noiSinh: 'Hà Nội' };
  if (route.path === '/api/dossiers') return [{ procedureCode: 'STP-KS', formData: '{}' }, { procedureCode: 'STP-KS', formData: birth }];
  if (route.path.endsWith('/supplement')) return [{ formData: birth }];
  return [{}];
}

async function counts() {
  const [row] = await p.orm.em.fork().execute<Record<string, number>[]>(
    `select (select count(*) from dossier)::int as dossier, (select count(*) from dossier_history)::int as dossier_history,
            (select count(*) from stored_file)::int as stored_file, (select count(*) from dossier_result)::int as dossier_result,
            (select coalesce(sum(seq), 0) from dossier)::int as dossier_seq, (select count(*) from feedback)::int as feedback,
            (select count(*) from feedback_text)::int as feedback_text, (select coalesce(sum(seq), 0) from feedback)::int as feedback_seq,
            (select count(*) from audit_log)::int as audit_log, (select count(*) from calendar_override)::int as calendar,
            (select count(*) from account where locked_at is not null)::int as locked_accounts, (select count(*) from account_review where confirmed_at is not null)::int as confirmed_reviews`,
  );
  return row!;
}

describe('fuzzing every route of the API', () => {
  it(`${REQUESTS} generated and mutated requests: no 5xx, no crash, no state change from a refused request`, async () => {
    const r = await fuzz({ apiUrl: p.apiUrl, sessions, pathValues, seedBodies, counts, requests: REQUESTS, seed: SEED });
    await writeFile('test-output/fuzz-report.json', JSON.stringify(r, null, 2)).catch(() => undefined);
    expect(r.findings).toEqual([]);
    // The process is alive and still answers.
    expect((await fetch(`${p.apiUrl}/health`)).status).toBe(200);
    expect(Object.keys(r.byStatus).length).toBeGreaterThan(3);
  }, 600_000);
});
