import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import ExcelJS from 'exceljs';
import { json } from '../support/http';
import { signIn, startTestPlatform, type Session } from '../support/platform';
import { insertMarch2019 } from '../support/statistics-data';

/** Supervisors' statistics, drill-down, exports, ranking and who sees what (issue 16), over March 2019's dossiers. */
let p: Awaited<ReturnType<typeof startTestPlatform>>;
const sessions = new Map<string, Session>();
const as = async (subject: string) => {
  if (!sessions.has(subject)) sessions.set(subject, await signIn(p.apiUrl, subject));
  return sessions.get(subject)!;
};

type Figures = Record<string, number | null>;
type Table = { rows: { key: string; label: string; figures: Figures }[]; total: Figures; period: { from: string; to: string } };

beforeAll(async () => {
  p = await startTestPlatform();
  await insertMarch2019(p.orm);
});
afterAll(async () => {
  await p?.stop();
});

describe('statistics', () => {
  it('the figures of a month per agency, rolled up to the province, per field and per procedure; test dossiers never counted', async () => {
    const operator = await as('vanhanh');
    const byAgency = await json<Table>(await operator.get('/api/statistics/dossiers?period=2019-03&by=agency'), 200);
    expect(byAgency.period).toMatchObject({ from: '2019-03-01', to: '2019-03-31' });
    const hn = byAgency.rows.find((r) => r.key === 'HNI-STP')!.figures;
    expect(hn).toMatchObject({
      received: 6, received_online: 3, received_in_person: 2, received_post: 1, resolved_on_time: 2, resolved_late: 1, withdrawn: 1, refused: 1, returned: 0,
      pending_on_time: 0, pending_overdue: 1, onTimeRate: 66.67,
    });
    expect(byAgency.rows.find((r) => r.key === 'HCM-SKHDT')!.figures).toMatchObject({ received: 2, resolved_on_time: 1, pending_on_time: 1, pending_overdue: 0, onTimeRate: 100 });
    expect(byAgency.total).toMatchObject({ received: 8, resolved_on_time: 3, resolved_late: 1 });

    const byTop = await json<Table>(await operator.get('/api/statistics/dossiers?period=2019-Q1&by=top'), 200);
    expect(byTop.rows.find((r) => r.key === 'HNI-UBND')).toMatchObject({ label: 'Ủy ban nhân dân thành phố Hà Nội', figures: { received: 6 } });
    const byField = await json<Table>(await operator.get('/api/statistics/dossiers?from=2019-03-01&to=2019-03-31&by=field&agency=HNI-STP'), 200);
    expect(byField.rows.map((r) => [r.label, r.figures.received])).toEqual([['Hộ tịch', 4], ['Lý lịch tư pháp', 2]]);
    const oneDay = await json<Table>(await operator.get('/api/statistics/dossiers?period=2019-03-04&by=procedure'), 200);
    expect(oneDay.rows.find((r) => r.key === 'STP-KS')!.figures).toMatchObject({ received: 2, resolved_on_time: 0 });
    // A month without dossiers: every figure zero, not an error.
    expect((await json<Table>(await operator.get('/api/statistics/dossiers?period=2018-02'), 200)).total).toMatchObject({ received: 0, resolved_late: 0, onTimeRate: null });
  });

  it('every figure drills down to its dossiers, in pages; tables and lists export as XLSX and CSV', async () => {
    const giamsat = await as('giamsat.hn');
    const late = await json<{ items: { code: string; statusLabel: string }[]; more: boolean }>(await giamsat.get('/api/statistics/dossiers/list?period=2019-03&figure=resolved_late'), 200);
    expect(late.items.map((d) => d.code)).toEqual(['HNI-STP-190304-900002']);
    const online = await json<{ items: { code: string }[]; more: boolean }>(await giamsat.get('/api/statistics/dossiers/list?period=2019-03&figure=received_online&by=procedure&key=STP-KS&limit=1'), 200);
    expect(online).toMatchObject({ items: [{ code: 'HNI-STP-190304-900001' }], more: true });
    const next = await json<{ items: { code: string }[]; more: boolean }>(await giamsat.get('/api/statistics/dossiers/list?period=2019-03&figure=received_online&by=procedure&key=STP-KS&limit=1&offset=1'), 200);
    expect(next).toMatchObject({ items: [{ code: 'HNI-STP-190304-900002' }], more: false });

    const csv = await giamsat.get('/api/statistics/dossiers/list/export?period=2019-03&figure=received&format=csv');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0]).toBe('Mã hồ sơ,Thủ tục,Cơ quan,Kênh tiếp nhận,Trạng thái,Tiếp nhận,Hạn giải quyết,Kết thúc');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['HNI-STP-190304-900001', 'HNI-STP-190304-900002', 'HNI-STP-190305-900003', 'HNI-STP-190306-900004', 'HNI-STP-190311-900005', 'HNI-STP-190313-900007']);

    const xlsx = await giamsat.get('/api/statistics/dossiers/export?period=2019-03&by=procedure&format=xlsx');
    expect(xlsx.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await xlsx.arrayBuffer());
    const sheet = book.worksheets[0]!;
    const rows = sheet.getSheetValues().filter(Boolean).map((r) => (r as unknown[]).slice(1));
    expect(rows[0]!.slice(0, 3)).toEqual(['Thủ tục', 'Tiếp nhận', 'Trực tuyến']);
    expect(rows.at(-1)!.slice(0, 2)).toEqual(['Tổng cộng', 6]);
  });

  it('who sees what: a unit its own tree, a province its units, operators the country, citizens and other officers nothing', async () => {
    const q = '/api/statistics/dossiers?period=2019-03&by=agency';
    const keys = async (subject: string, query = q) => (await json<Table>(await (await as(subject)).get(query), 200)).rows.map((r) => r.key).sort();
    expect(await keys('giamsat.hn')).toEqual(['HNI-STP']);
    expect(await keys('lanhdao.hcm')).toEqual(['HCM-SKHDT']);
    expect(await keys('giamsat.ubndhn')).toEqual(['HNI-STP']);
    expect(await keys('giamsat.ubndhn', `${q}&agency=HNI-STP`)).toEqual(['HNI-STP']);
    expect(await keys('vanhanh')).toEqual(['HCM-SKHDT', 'HNI-STP']);
    expect(await keys('admin')).toEqual(['HCM-SKHDT', 'HNI-STP']);
    const refused: [string, string, number, string][] = [
      ['giamsat.hn', `${q}&agency=HCM-SKHDT`, 403, 'STATISTICS_OUT_OF_SCOPE'],
      ['giamsat.hn', `${q}&agency=HNI-UBND`, 403, 'STATISTICS_OUT_OF_SCOPE'],
      ['giamsat.hn', '/api/statistics/dossiers/list?period=2019-03&figure=received&by=agency&key=HCM-SKHDT', 200, ''],
      ['congdan1', q, 403, 'FORBIDDEN'],
      ['xuly.hn', q, 403, 'FORBIDDEN'],
      ['vanhanh', `${q}&agency=XYZ-KHONGCO`, 404, 'AGENCY_NOT_FOUND'],
      ['vanhanh', '/api/statistics/dossiers?period=2019-13', 422, 'VALIDATION_FAILED'],
    ];
    for (const [subject, path, status, code] of refused) {
      const res = await (await as(subject)).get(path);
      expect([subject, path, res.status]).toEqual([subject, path, status]);
      if (status === 200) expect(((await res.json()) as { items: unknown[] }).items).toEqual([]); // another agency's row is empty in one's own scope
      else expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    expect((await fetch(`${p.apiUrl}/api/statistics/dossiers`)).status).toBe(401);
  });

  it('the yearly ranking: public once the year is over, provisional for supervisors during the year, with the criteria documented', async () => {
    type Ranking = { provisional: boolean; items: { code: string; score: number; level: string; levelLabel: string; criteria: { criterion: string; rate: number | null; weight: number }[] }[] };
    const r = await json<Ranking>(await fetch(`${p.apiUrl}/api/ranking/2019`), 200);
    expect(r.provisional).toBe(false);
    const hn = r.items.find((i) => i.code === 'HNI-UBND')!;
    // On time 2/3, online 3/6, status sync 6/6; no feedback, no fee: their 30 points go to the others in proportion.
    const byCriterion = Object.fromEntries(hn.criteria.map((c) => [c.criterion, c]));
    expect(byCriterion.feedback).toMatchObject({ rate: null, weight: 0 });
    expect(byCriterion.on_time!.weight).toBeCloseTo(57.14, 2);
    expect(hn.score).toBeCloseTo((2 / 3) * 57.142857 + (3 / 6) * 28.571429 + 14.285714, 1);
    expect(hn).toMatchObject({ level: 'fair', levelLabel: 'Khá' });
    const hcm = r.items.find((i) => i.code === 'HCM-UBND')!;
    expect(hcm).toMatchObject({ score: 100, level: 'excellent', levelLabel: 'Xuất sắc' });
    expect(r.items[0]!.code).toBe('HCM-UBND');

    const year = new Date().getFullYear();
    expect((await fetch(`${p.apiUrl}/api/ranking/${year}`)).status).toBe(404);
    expect((await json<Ranking>(await (await as('giamsat.hn')).get(`/api/ranking/${year}`), 200)).provisional).toBe(true);
    const csv = await (await fetch(`${p.apiUrl}/api/ranking/2019/export?format=csv`)).text();
    expect(csv).toContain('Hạng,"Bộ, ngành, địa phương",Điểm,Xếp loại');
    expect(csv).toContain('Ủy ban nhân dân Thành phố Hồ Chí Minh,100,Xuất sắc');
  });
});
