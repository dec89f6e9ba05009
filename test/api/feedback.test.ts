import { json } from '../support/http';
import { SEARCH_CANDIDATES } from '../../services/search';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { signIn, startTestPlatform, type Session } from '../support/platform';

let p: Awaited<ReturnType<typeof startTestPlatform>>;
const s: Record<string, Session> = {};
const CONTENT = 'Đề nghị bỏ yêu cầu nộp bản sao sổ hộ khẩu khi cấp phiếu lý lịch tư pháp vì thông tin đã có trong cơ sở dữ liệu.';

beforeAll(async () => {
  p = await startTestPlatform();
  for (const u of ['congdan1', 'congdan2', 'tiepnhan.hn', 'xuly.hn', 'lanhdao.hn', 'vanthu.hn', 'giamsat.hn']) s[u] = await signIn(p.apiUrl, u);
});
afterAll(async () => {
  await p?.stop();
});

async function counts() {
  const [row] = await p.orm.em.fork().execute<Record<string, number>[]>(
    `select (select count(*) from feedback)::int as feedback, (select count(*) from feedback_text)::int as texts,
            (select count(*) from feedback_history)::int as history, (select count(*) from audit_log)::int as audit`,
  );
  return row!;
}

/** The counts once the processes started by earlier tests have settled (a clock already past fires right away). */
async function steadyCounts() {
  let last = await counts();
  for (let i = 0; i < 40; i++) {
    await new Promise((res) => setTimeout(res, 250));
    const now = await counts();
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
  return last;
}

async function recorded(code: string, seq: number) {
  for (let i = 0; i < 400; i++) {
    const [r] = await p.orm.em.fork().execute<{ seq: number }[]>('select seq from feedback where code = ?', [code]);
    if (r && r.seq >= seq) return;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`feedback ${code} not recorded`);
}

describe('feedback through the API', () => {
  it('a citizen sends feedback; the agency answers; the answer is published and searchable without personal data', async () => {
    const sent = await json<{ code: string }>(await s.congdan1!.send('POST', '/api/feedback', { title: 'Giấy tờ trùng lặp khi xin lý lịch tư pháp', content: CONTENT, procedureCode: 'STP-LLTP' }), 201);
    const code = sent.code;
    await p.smtp.waitFor((m) => m.subject.includes(`Đã tiếp nhận phản ánh, kiến nghị ${code}`) && m.to.includes('an.nguyen@example.vn'));
    await recorded(code, 1);

    const tracked = await json<{ status: string; agency: { code: string }; contact: { name: string; phone: string }; answerDueAt: string; classificationDueAt: string }>(await s.congdan1!.get(`/api/feedback/${code}`), 200);
    expect(tracked).toMatchObject({ status: 'received', agency: { code: 'HNI-STP' }, contact: { name: 'Nguyễn Văn An', phone: '0912000001' } });
    expect(Date.parse(tracked.answerDueAt) - Date.parse(tracked.classificationDueAt)).toBeGreaterThan(0);
    expect((await s.congdan2!.get(`/api/feedback/${code}`)).status).toBe(404);

    const queue = await json<{ items: { code: string }[] }>(await s['tiepnhan.hn']!.get('/api/feedback-queue?status=received'), 200);
    expect(queue.items.map((i) => i.code)).toContain(code);

    const act = (who: string, body: unknown) => s[who]!.send('POST', `/api/feedback/${code}/actions`, body);
    await json(await act('tiepnhan.hn', { type: 'accept' }), 200);
    // The progress update sent twice with its Idempotency-Key (a retry after a lost answer): applied once, one text.
    const progress = { type: 'post_progress', text: 'Đang phối hợp với Công an thành phố để khai thác dữ liệu.' };
    const retried = await Promise.all([1, 2].map(() => s['xuly.hn']!.send('POST', `/api/feedback/${code}/actions`, progress, { 'idempotency-key': `tien-do-${code}` })));
    const [first, second] = await Promise.all(retried.map((r) => json<{ seq: number }>(r, 200)));
    expect(second!.seq).toBe(first!.seq);
    const again = await json<{ seq: number }>(await s['xuly.hn']!.send('POST', `/api/feedback/${code}/actions`, progress, { 'idempotency-key': `tien-do-${code}` }), 200);
    expect(again.seq).toBe(first!.seq);
    const [texts] = await p.orm.em.fork().execute<{ n: number; h: number }[]>(
      "select (select count(*) from feedback_text where feedback_code = ? and kind = 'progress')::int as n, (select count(*) from feedback_history where feedback_code = ? and action = 'post_progress')::int as h",
      [code, code],
    );
    expect(texts).toEqual({ n: 1, h: 1 });
    await p.smtp.waitFor((m) => m.subject.includes(`Cập nhật tình hình xử lý phản ánh, kiến nghị ${code}`) && m.text.includes('Công an thành phố'));
    await json(await act('xuly.hn', { type: 'enter_result', text: 'Từ ngày 01/12/2026 Sở Tư pháp không yêu cầu nộp bản sao sổ hộ khẩu.' }), 200);
    await json(await act('lanhdao.hn', { type: 'approve_answer' }), 200);
    await p.smtp.waitFor((m) => m.subject.includes(`${code} đã được công khai`));

    const found = await json<{ items: Record<string, unknown>[] }>(await fetch(`${p.apiUrl}/api/public/feedback-answers?q=${encodeURIComponent('sổ hộ khẩu')}`), 200);
    const item = found.items.find((i) => i.code === code);
    expect(item).toMatchObject({ title: 'Giấy tờ trùng lặp khi xin lý lịch tư pháp', agency: { code: 'HNI-STP' } });
    expect(String(item!.answer)).toContain('không yêu cầu nộp bản sao sổ hộ khẩu');
    expect(JSON.stringify(found)).not.toMatch(/Nguyễn Văn An|0912000001|an\.nguyen@|Hàng Bài|citizen/);
    const none = await json<{ items: unknown[] }>(await fetch(`${p.apiUrl}/api/public/feedback-answers?q=khongcotukhoanay`), 200);
    expect(none.items).toEqual([]);

    const history = await json<{ history: { action: string; text: string | null }[] }>(await s.congdan1!.get(`/api/feedback/${code}`), 200);
    expect(history.history.map((h) => h.action)).toEqual(['submit', 'accept', 'post_progress', 'enter_result', 'approve_answer']);
  });

  it('an officer keys in feedback received by phone with its original receipt date', async () => {
    const receivedAt = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const r = await json<{ code: string; receivedAt: string }>(
      await s['vanthu.hn']!.send('POST', '/api/feedback/keyed', {
        channel: 'phone', receivedAt, title: 'Phản ánh qua đường dây nóng', content: 'Cán bộ một cửa hẹn trả kết quả chậm hơn thời hạn quy định.',
        contact: { name: 'Lê Văn Cường', address: '8 Tràng Tiền, Hà Nội', phone: '0987654321' },
      }),
      201,
    );
    expect(Date.parse(r.receivedAt)).toBe(Date.parse(receivedAt));
    expect(r.receivedAt).toMatch(/\+07:00$/);
    await recorded(r.code, 1);
    const t = await json<{ channel: string; receivedAt: string; agency: { code: string } }>(await s['tiepnhan.hn']!.get(`/api/feedback/${r.code}`), 200);
    expect(t).toMatchObject({ channel: 'phone', channelLabel: 'Điện thoại', agency: { code: 'HNI-STP' } });
    expect(Date.parse(t.receivedAt)).toBe(Date.parse(receivedAt));
  });

  const bad: [string, () => Promise<Response>, number, string][] = [
    ['content not in Vietnamese', () => s.congdan1!.send('POST', '/api/feedback', { title: 'Complaint here', content: 'This content is written in English only, no diacritics.', agencyCode: 'HNI-STP' }), 422, 'VALIDATION_FAILED'],
    ['no receiving agency', () => s.congdan1!.send('POST', '/api/feedback', { title: 'Thiếu cơ quan', content: CONTENT }), 422, 'AGENCY_REQUIRED'],
    ['unknown agency', () => s.congdan1!.send('POST', '/api/feedback', { title: 'Cơ quan lạ', content: CONTENT, agencyCode: 'KHONG-CO' }), 404, 'UNKNOWN_AGENCY'],
    ['a dossier that is not mine', () => s.congdan2!.send('POST', '/api/feedback', { title: 'Hồ sơ người khác', content: CONTENT, dossierCode: 'HNI-STP-000000-000001' }), 404, 'UNKNOWN_DOSSIER'],
    ['bad phone in contact', () => s.congdan1!.send('POST', '/api/feedback', { title: 'Số điện thoại sai', content: CONTENT, agencyCode: 'HNI-STP', contact: { phone: '12ab' } }), 422, 'VALIDATION_FAILED'],
    ['unknown field', () => s.congdan1!.send('POST', '/api/feedback', { title: 'Trường lạ', content: CONTENT, agencyCode: 'HNI-STP', secret: 1 }), 422, 'VALIDATION_FAILED'],
    ['keyed in with a future date', () => s['vanthu.hn']!.send('POST', '/api/feedback/keyed', { channel: 'paper', receivedAt: new Date(Date.now() + 86_400_000).toISOString(), title: 'Ngày tương lai', content: CONTENT, contact: { name: 'Lê Văn Cường', address: '8 Tràng Tiền, Hà Nội', phone: '0987654321' } }), 422, 'RECEIVED_IN_FUTURE'],
    ['disagreeing with an answer that is not published', () => s.congdan1!.send('POST', '/api/feedback', { title: 'Không nhất trí', content: CONTENT, agencyCode: 'HNI-STP', disagreesWith: 'PAKN-000000-000000' }), 404, 'UNKNOWN_FEEDBACK'],
  ];
  for (const [label, run, status, code] of bad) {
    it(`refuses ${label}, changing nothing`, async () => {
      const before = await steadyCounts();
      const body = await json<{ error: { code: string; message: string } }>(await run(), status);
      expect(body.error.code).toBe(code);
      expect(await counts()).toEqual(before);
    });
  }

  it('a refused step leaves no text behind (transfer to an unknown agency, acting out of turn)', async () => {
    const { code } = await json<{ code: string }>(await s.congdan1!.send('POST', '/api/feedback', { title: 'Phản ánh thử nghiệm', content: CONTENT, agencyCode: 'HNI-STP' }), 201);
    await recorded(code, 1);
    const before = await counts();
    const t = await json<{ error: { code: string } }>(await s['tiepnhan.hn']!.send('POST', `/api/feedback/${code}/actions`, { type: 'transfer', toAgencyCode: 'KHONG-CO', text: 'Chuyển đi nơi khác.' }), 404);
    expect(t.error.code).toBe('UNKNOWN_AGENCY');
    const o = await json<{ error: { code: string } }>(await s['xuly.hn']!.send('POST', `/api/feedback/${code}/actions`, { type: 'enter_result', text: 'Trả lời khi chưa tiếp nhận.' }), 409);
    expect(o.error.code).toBe('WRONG_STEP');
    const r = await json<{ error: { code: string } }>(await s['xuly.hn']!.send('POST', `/api/feedback/${code}/actions`, { type: 'accept' }), 403);
    expect(r.error.code).toBe('ROLE_NOT_ALLOWED');
    expect(await counts()).toEqual(before);
  });

  it('supervisors see feedback past any deadline', async () => {
    const { code } = await json<{ code: string }>(
      await s['vanthu.hn']!.send('POST', '/api/feedback/keyed', {
        channel: 'paper', receivedAt: new Date(Date.now() - 40 * 86_400_000).toISOString(), title: 'Đơn thư nhận từ lâu', content: CONTENT,
        contact: { name: 'Phạm Thị Dung', address: '3 Lý Thường Kiệt, Hà Nội', phone: '0977000111' },
      }),
      201,
    );
    for (let i = 0; i < 400; i++) {
      const items = (await json<{ items: { code: string; overdue: { classificationLevel: number; answer: boolean } }[] }>(await s['giamsat.hn']!.get('/api/feedback-overdue'), 200)).items;
      const it = items.find((x) => x.code === code);
      if (it && it.overdue.answer && it.overdue.classificationLevel === 2) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('overdue feedback not listed');
  });
});

describe('search with or without diacritics (published answers and the catalogue)', () => {
  /** Publishes answers straight into the read model; a marker word keeps this run's answers apart. */
  async function publish(marker: string, answers: { title: string; answer: string; daysAgo: number }[]) {
    const codes: string[] = [];
    for (const [i, a] of answers.entries()) {
      const code = `PAKN-${marker.slice(-6)}-${String(i + 1).padStart(6, '0')}`;
      await p.orm.em.fork().execute(
        `insert into feedback (code, channel, title, content, contact, origin_agency_code, agency_code, status, received_at, answer_due_at, seq, closed_at)
         values (?, 'portal', ?, 'Nội dung', '{"name":"Ẩn danh"}', 'HNI-STP', 'HNI-STP', 'published', now(), now(), 1, now())`,
        [code, a.title],
      );
      await p.orm.em.fork().execute(
        `insert into feedback_publication (code, agency_code, title, question, answer, received_at, published_at)
         values (?, 'HNI-STP', ?, ?, ?, now(), now() - ? * interval '1 day')`,
        [code, a.title, `Câu hỏi ${marker}`, a.answer, a.daysAgo],
      );
      codes.push(code);
    }
    return codes;
  }
  const search = async (q: string) =>
    (await json<{ items: { code: string }[] }>(await fetch(`${p.apiUrl}/api/public/feedback-answers?q=${encodeURIComponent(q)}`), 200)).items.map((i) => i.code);

  it('finds answers typed without marks, ranks the word as typed and title words first', async () => {
    const marker = `xq${Date.now().toString().slice(-6)}`;
    const [dat, datMarked, title, body] = await publish(marker, [
      { title: 'Kết quả đạt yêu cầu', answer: 'Hồ sơ đạt yêu cầu.', daysAgo: 1 },
      { title: 'Giấy chứng nhận quyền sử dụng đất', answer: 'Thửa đất đã được cấp giấy.', daysAgo: 3 },
      { title: 'Thời hạn giải quyết hồ sơ', answer: 'Theo quy định.', daysAgo: 5 },
      { title: 'Trả lời về lệ phí', answer: 'Thời hạn giải quyết được rút ngắn.', daysAgo: 2 },
    ]);
    // Without marks, both "đạt" and "đất" fold to "dat"; with marks, the word as typed comes first.
    expect((await search(`dat ${marker}`)).sort()).toEqual([dat, datMarked].sort());
    expect(await search(`đất ${marker}`)).toEqual([datMarked, dat]);
    expect(await search(`đạt ${marker}`)).toEqual([dat, datMarked]);
    // The same words in a title outrank them in an answer's body, though the body's answer is newer.
    expect(await search(`thoi han giai quyet ${marker}`)).toEqual([title, body]);
    expect(await search(`THỜI HẠN ${marker}`)).toEqual([title, body]);
    // A quoted phrase must appear as written; a minus excludes.
    expect(await search(`"han giai" ${marker}`)).toEqual([title, body]);
    expect(await search(`dat ${marker} -giay`)).toEqual([dat]);
  });

  it('finds matches in every past period, and ranks only the newest SEARCH_CANDIDATES matches across periods', async () => {
    // Periods are 30 days (migration 030): a rare word's matches years apart are all found, newest period first.
    const marker = `xp${Date.now().toString().slice(-6)}`;
    const spread = await publish(marker, [1, 45, 95, 400, 800].map((daysAgo) => ({ title: 'Trả lời', answer: `Nội dung ${daysAgo}`, daysAgo })));
    expect((await search(marker)).sort()).toEqual([...spread].sort());
    // One more match than the bound: the oldest, though its title would rank it first, is not a candidate.
    const bound = `xb${Date.now().toString().slice(-6)}`;
    const [oldest] = await publish(bound, [{ title: `Tiêu đề ${bound}`, answer: 'Cũ nhất', daysAgo: 900 }]);
    const em = p.orm.em.fork();
    await em.execute(
      `insert into feedback (code, channel, title, content, contact, origin_agency_code, agency_code, status, received_at, answer_due_at, seq, closed_at)
       select 'PAKN-' || ? || '-' || lpad(g::text, 6, '0'), 'portal', 'Phản ánh', 'Nội dung', '{}', 'HNI-STP', 'HNI-STP', 'published', now(), now(), 1, now()
         from generate_series(2, ?::int) g`,
      [bound.slice(-6), SEARCH_CANDIDATES + 1],
    );
    const newer = (from: number, to: number) => em.execute(
      `insert into feedback_publication (code, agency_code, title, question, answer, received_at, published_at)
       select 'PAKN-' || ? || '-' || lpad(g::text, 6, '0'), 'HNI-STP', 'Trả lời', 'Câu hỏi', 'Nội dung ' || ?, now(), now() - g * interval '3 days'
         from generate_series(?::int, ?::int) g`,
      [bound.slice(-6), bound, from, to],
    );
    // 199 newer matches over 600 days (twenty periods) and the oldest: 200, all ranked.
    await newer(2, SEARCH_CANDIDATES);
    expect((await search(bound))[0]).toBe(oldest);
    await newer(SEARCH_CANDIDATES + 1, SEARCH_CANDIDATES + 1);
    // Asked differently (a page is kept for a minute): one match more, and the oldest is no longer a candidate.
    expect(await search(bound.toUpperCase())).not.toContain(oldest);
  });

  it('searches the catalogue by name, field or code with or without marks; bad queries change nothing', async () => {
    const names = async (q: string) => (await json<{ items: { code: string }[] }>(await fetch(`${p.apiUrl}/api/procedures?q=${encodeURIComponent(q)}`), 200)).items.map((i) => i.code);
    expect((await names('ly lich tu phap'))[0]).toBe('STP-LLTP');
    expect((await names('Đăng ký khai sinh'))[0]).toBe('STP-KS');
    expect(await names('dang ky')).toEqual(expect.arrayContaining(['STP-KS', 'KHDT-DNTN']));
    expect(await names('ho tich')).toContain('STP-KS');
    expect(await names('khongcotukhoanay')).toEqual([]);
    const byField = await json<{ items: { code: string; field: string }[] }>(await fetch(`${p.apiUrl}/api/procedures?field=${encodeURIComponent('Hộ tịch')}`), 200);
    expect(byField.items.length).toBeGreaterThan(0);
    expect(byField.items.every((i) => i.field === 'Hộ tịch')).toBe(true);
    const bad = await fetch(`${p.apiUrl}/api/procedures?agencyCode=khong-hop-le`);
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    // Punctuation alone is no query: the newest answers, as without one.
    const page = await fetch(`${p.apiUrl}/phan-anh?q=${encodeURIComponent('!!! ???')}`);
    expect(page.status).toBe(200);
  });
});
