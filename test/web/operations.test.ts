import { describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { enqueueMessages } from '../../services/records';
import { accessible, keepScreenshot, portalInBrowser, signInAs } from '../support/browser';
import { json } from '../support/http';
import { pdfBytes, signIn } from '../support/platform';
import { demoUser } from '../../db/demo-data';

/** The operators' console in a real browser (issue 14): inspect a process, terminate it with a reason, re-send a message, preview a batch. */
const ctx = portalInBrowser();
const onPage = (name: string, run: (page: Page) => Promise<void>) => ctx.onPage(name, run);

async function submitDossier(): Promise<string> {
  const citizen = await signIn(ctx.p.apiUrl, 'congdan1');
  const f = new FormData();
  f.set('procedureCode', 'STP-KS');
  f.set('formData', JSON.stringify({ hoTenTre: 'Phạm Minh Khang', ngaySinhTre: '2026-09-09', noiSinh: 'Hà Nội' }));
  f.set('giayChungSinh', new Blob([pdfBytes()]), 'gcs.pdf');
  const { code } = await json<{ code: string }>(await citizen.multipart('/api/dossiers', f), 201);
  for (let i = 0; i < 100; i++) {
    const [row] = await ctx.p.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from dossier_history where dossier_code = ?', [code]);
    if (row!.n > 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return code;
}

describe('the operators console pages', () => {
  it('a process page shows the business history beside the engine events; terminated with a reason, it is listed as ended', async () => {
    const code = await submitDossier();
    await onPage('operations-process', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'vanhanh', `/van-hanh/quy-trinh/${code}`);
      const main = page.locator('main');
      expect(await main.getByRole('heading', { level: 1 }).innerText()).toBe(`Hồ sơ ${code}`);
      expect(await page.getByRole('region', { name: 'Bảng sự kiện của máy quy trình' }).innerText()).toContain('WorkflowExecutionStarted');
      expect(await main.getByRole('heading', { name: 'Lịch sử nghiệp vụ' }).isVisible()).toBe(true);
      expect(await main.innerText()).toContain('dossier.submit');
      await accessible(page);
      await keepScreenshot(page, 'operations-process');

      // No reason: refused beside the field, nothing done.
      await page.getByRole('button', { name: 'Chấm dứt' }).click();
      expect(await page.getByRole('alert').first().innerText()).toBeTruthy();
      expect(await main.innerText()).toContain('Đang chạy');
      await page.getByLabel('Lý do', { exact: true }).last().fill('Hồ sơ thử nghiệm của đội vận hành');
      await page.getByRole('button', { name: 'Chấm dứt' }).click();
      expect(await page.getByRole('status').first().innerText()).toContain('Đã chấm dứt quy trình');
      expect(await main.innerText()).toContain('Bị chấm dứt');

      await page.goto(`${ctx.p.apiUrl}/van-hanh?su_co=ket-thuc&loai=dossier`);
      for (let i = 0; i < 30 && !(await main.innerText()).includes(code); i++) {
        await page.waitForTimeout(300);
        await page.reload();
      }
      expect(await main.innerText()).toContain(code);
      await accessible(page);
      await keepScreenshot(page, 'operations-ended');
    });
  });

  it('a message that could not be sent is listed with its dossier and sent again from the page; a batch is previewed first', async () => {
    const code = await submitDossier();
    await ctx.p.orm.em.fork().transactional((tx) => enqueueMessages(tx, [{ dedupeKey: `dossier:${code}:99:test`, recipient: 'khong-hop-le', subject: `Thư thử ${code}`, body: 'Thử' }]));
    await onPage('operations-outbox', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'vanhanh', '/van-hanh?su_co=thu-chua-gui');
      const card = page.locator('.card', { hasText: `Thư thử ${code}` });
      for (let i = 0; i < 30 && (await card.count()) === 0; i++) {
        await page.waitForTimeout(300);
        await page.reload();
      }
      expect(await card.innerText()).toContain(code);
      expect(await card.innerText()).toContain('STP-KS');
      await accessible(page);
      await keepScreenshot(page, 'operations-outbox');
      await card.getByRole('button', { name: 'Gửi lại ngay' }).click();
      expect(await page.getByRole('status').first().innerText()).toContain('Đã đưa thư, tin nhắn vào hàng gửi ngay');

      await page.goto(`${ctx.p.apiUrl}/van-hanh?su_co=thu-lai&loai=dossier`);
      await page.getByLabel('Lý do').fill('Kiểm tra trước khi chạy lại');
      await page.getByRole('button', { name: 'Xem trước' }).click();
      expect(await page.getByRole('heading', { name: 'Xem trước: các quy trình sẽ bị tác động' }).isVisible()).toBe(true);
      await accessible(page);
    });
    const audits = await ctx.p.orm.em.fork().execute<{ n: number }[]>("select count(*)::int as n from audit_log where action = 'notification.retry' and actor_role = 'operator'");
    expect(audits[0]!.n).toBeGreaterThan(0);
  });

  it('stuck messages are filtered by process kind, agency, age and error, and sent again in a batch after a dry run that lists them', async () => {
    const code = await submitDossier();
    await ctx.p.orm.em.fork().transactional((tx) => enqueueMessages(tx, [
      { dedupeKey: `dossier:${code}:98:batch`, recipient: 'khong-hop-le-1', subject: `Lô A ${code}`, body: 'Thử' },
      { dedupeKey: `dossier:${code}:97:batch`, recipient: 'khong-hop-le-2', subject: `Lô B ${code}`, body: 'Thử' },
      { dedupeKey: `feedback:PA-${code}:1:batch`, recipient: 'khong-hop-le-3', subject: `Lô C ${code}`, body: 'Thử' },
    ]));
    await onPage('operations-outbox-batch', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'vanhanh', '/van-hanh?su_co=thu-chua-gui&loai_thu=dossier&co_quan=HNI-STP');
      const cards = page.locator('.card', { hasText: 'Lô ' }).filter({ hasText: code });
      // (listed once their first attempt failed; the attempt's error is written just after its count)
      const ready = async () => (await cards.count()) === 2 && (await cards.allInnerTexts()).every((t) => t.includes('lỗi: '));
      for (let i = 0; i < 30 && !(await ready()); i++) {
        await page.waitForTimeout(300);
        await page.reload();
      }
      expect((await cards.locator('h3').allInnerTexts()).sort()).toEqual([`Lô A ${code}`, `Lô B ${code}`]);
      // Words of the error as shown on a card filter the list too; a minimum age leaves these new ones out.
      const error = /lỗi: (.+)$/m.exec(await cards.first().innerText())![1]!.trim().split(/\s+/).slice(0, 2).join(' ');
      await page.getByLabel('Lỗi có chứa').fill(error);
      await page.getByRole('button', { name: 'Lọc' }).click();
      expect(await cards.count()).toBe(2);
      await accessible(page);
      await page.goto(`${ctx.p.apiUrl}/van-hanh?su_co=thu-chua-gui&loai_thu=dossier&tuoi=24`);
      expect(await page.locator('.card', { hasText: code }).count()).toBe(0);
      // A bad value is said, not silently dropped, and no batch is offered over a wider list.
      await page.goto(`${ctx.p.apiUrl}/van-hanh?su_co=thu-chua-gui&loai_thu=dossier&tuoi=mot-ngay`);
      expect(await page.getByRole('alert').first().innerText()).toContain('Tạo cách đây ít nhất (giờ)');
      expect(await page.getByRole('button', { name: 'Gửi lại', exact: true }).count()).toBe(0);
      await page.goto(`${ctx.p.apiUrl}/van-hanh?su_co=thu-chua-gui&loai_thu=dossier&co_quan=HNI-STP&loi=${encodeURIComponent(error)}`);

      // No reason: refused beside the field, nothing done.
      await page.getByRole('button', { name: 'Xem trước' }).click();
      expect(await page.getByRole('alert').first().isVisible()).toBe(true);
      await page.getByLabel('Lý do').fill('Máy chủ thư đã hoạt động lại');
      await page.getByRole('button', { name: 'Xem trước' }).click();
      const preview = page.locator('section', { has: page.getByRole('heading', { name: 'Xem trước: các thư, tin nhắn sẽ được gửi lại' }) });
      const listed = await preview.getByRole('listitem').allInnerTexts();
      expect(listed.filter((t) => t.includes(code)).map((t) => /Lô [ABC]/.exec(t)![0]).sort()).toEqual(['Lô A', 'Lô B']);
      await accessible(page);
      expect(await ctx.p.orm.em.fork().execute("select count(*)::int as n from audit_log where action = 'notification.retry_batch'")).toEqual([{ n: 0 }]);
      await page.getByLabel('Lý do').fill('Máy chủ thư đã hoạt động lại');
      await page.getByRole('button', { name: 'Gửi lại', exact: true }).click();
      expect(await page.getByRole('heading', { name: /^Đã đưa \d+ thư, tin nhắn vào hàng gửi ngay$/ }).isVisible()).toBe(true);
      await keepScreenshot(page, 'operations-outbox-batch');
    });
    const audits = await ctx.p.orm.em.fork().execute<{ entity_id: string; after: { reason: string } }[]>(
      "select a.entity_id, a.after from audit_log a join notification n on n.id::text = a.entity_id where a.action = 'notification.retry_batch' and n.subject like ?", [`%${code}`]);
    expect(audits.map((a) => a.after.reason)).toEqual(['Máy chủ thư đã hoạt động lại', 'Máy chủ thư đã hoạt động lại']);
  });

  it('planned maintenance: a notice too short is refused beside the form; an emergency with its reason is announced, shown on every page, then cancelled', async () => {
    await onPage('maintenance', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'vanhanh', '/van-hanh/bao-tri');
      const local = (hours: number) => new Date(Date.now() + 7 * 3_600_000 + hours * 3_600_000).toISOString().slice(0, 16);
      await page.getByLabel('Tiêu đề').fill('Nâng cấp cổng thanh toán');
      await page.getByLabel('Nội dung, phạm vi ảnh hưởng').fill('Thanh toán trực tuyến tạm dừng trong thời gian nâng cấp.');
      await page.getByLabel('Bắt đầu (giờ Việt Nam)').fill(local(30));
      await page.getByLabel('Kết thúc (giờ Việt Nam)').fill(local(31));
      await page.getByRole('button', { name: 'Thông báo bảo trì' }).click();
      expect(await page.getByRole('alert').first().innerText()).toContain('ít nhất 5 ngày làm việc');
      await accessible(page);
      await page.getByLabel('Bảo trì khẩn cấp (thông báo trước dưới 5 ngày làm việc)').check();
      await page.getByLabel('Lý do khẩn cấp').fill('Nhà cung cấp yêu cầu vá lỗi bảo mật gấp.');
      await page.getByRole('button', { name: 'Thông báo bảo trì' }).click();
      const banner = page.getByRole('complementary', { name: 'Thông báo bảo trì' });
      expect(await banner.innerText()).toContain('Bảo trì khẩn cấp: Nâng cấp cổng thanh toán');
      await accessible(page);
      await keepScreenshot(page, 'maintenance');
      await page.goto(`${ctx.p.apiUrl}/tra-cuu`);
      expect(await banner.isVisible()).toBe(true);
      await page.goto(`${ctx.p.apiUrl}/van-hanh/bao-tri`);
      const card = page.locator('li.card', { hasText: 'Nâng cấp cổng thanh toán' }).first();
      await card.getByLabel(/Lý do hủy/).fill('Lùi lịch theo đề nghị của ngân hàng.');
      await card.getByRole('button', { name: 'Hủy đợt bảo trì' }).click();
      expect(await page.locator('li.card', { hasText: 'Nâng cấp cổng thanh toán' }).first().innerText()).toContain('Đã hủy');
      expect(await banner.count()).toBe(0);
      // The list filtered: planned notices only leave this emergency out; cancelled emergencies show it.
      await page.getByLabel('Loại', { exact: true }).selectOption('false');
      await page.getByRole('button', { name: 'Lọc' }).click();
      expect(await page.locator('li.card', { hasText: 'Nâng cấp cổng thanh toán' }).count()).toBe(0);
      await page.getByLabel('Trạng thái').selectOption('cancelled');
      await page.getByLabel('Loại', { exact: true }).selectOption('true');
      await page.getByRole('button', { name: 'Lọc' }).click();
      expect(await page.locator('li.card', { hasText: 'Nâng cấp cổng thanh toán' }).count()).toBeGreaterThan(0);
      expect(new Set(await page.locator('li.card .status').allInnerTexts())).toEqual(new Set(['Đã hủy']));
      await accessible(page);
    });
  });

  it('an account complaint: the citizen files it (a description too short refused beside it), operators notify the parties and answer, the citizen reads the outcome', async () => {
    let code = '';
    await onPage('complaint-citizen', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'congdan1', '/tai-khoan/khieu-nai');
      await page.getByLabel('Nội dung khiếu nại').selectOption('wrong_data');
      await page.getByLabel('Mô tả').fill('Sai');
      await page.getByRole('button', { name: 'Gửi khiếu nại' }).click();
      expect(await page.getByRole('alert').first().isVisible()).toBe(true);
      await accessible(page);
      await page.getByLabel('Mô tả').fill('Số điện thoại trên tài khoản không phải của tôi.');
      await page.getByRole('button', { name: 'Gửi khiếu nại' }).click();
      code = /KN-\d{6}/.exec(await page.getByRole('status').innerText())![0];
      expect(await page.locator('li.card', { hasText: code }).innerText()).toContain('Đã tiếp nhận');
      await accessible(page);
    });
    await onPage('complaint-operator', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'vanhanh', '/van-hanh/khieu-nai');
      for (let i = 0; i < 50 && !(await page.getByLabel(`Đã thông báo cho các bên nào (${code})`).count()); i++) await page.reload();
      await page.getByLabel(`Đã thông báo cho các bên nào (${code})`).fill('Đã báo bộ phận quản lý dữ liệu dân cư.');
      await page.getByRole('button', { name: 'Ghi nhận đã thông báo các bên' }).first().click();
      await accessible(page);
      await keepScreenshot(page, 'complaints-operator');
      await page.getByLabel(`Trả lời người khiếu nại (${code})`).fill('Đã cập nhật số điện thoại theo dữ liệu dân cư.');
      await page.locator('li.card', { hasText: code }).getByRole('button', { name: 'Trả lời kết quả' }).click();
      expect(await page.locator('li.card', { hasText: code }).innerText()).toContain('Đã có kết quả');
    });
    await onPage('complaint-result', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'congdan1', '/tai-khoan/khieu-nai');
      expect(await page.locator('li.card', { hasText: code }).innerText()).toContain('Kết quả: Khiếu nại đúng — Đã cập nhật số điện thoại');
    });
  });

  it('a locked citizen: after signing in, only the complaint form opens, for one complaint; an operator records one on a citizen\'s behalf and unlocks from the outcome', async () => {
    const locked = demoUser('congdan2');
    const admin = await signIn(ctx.p.apiUrl, 'admin');
    await json(await admin.send('POST', `/api/accounts/${locked.id}/lock`, { kind: 'violation', note: 'Nghi ngờ sử dụng sai mục đích' }), 200);
    let code = '';
    await onPage('complaint-locked', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'congdan2');
      expect(new URL(page.url()).pathname).toBe('/tai-khoan/bi-khoa');
      const main = page.locator('main');
      expect(await main.innerText()).toContain('Tài khoản đã bị khóa (vi phạm');
      // Nothing else opens to it: the citizen's own pages lead back here through sign-in.
      await page.goto(`${ctx.p.apiUrl}/ho-so`);
      expect(new URL(page.url()).pathname).toBe('/tai-khoan/bi-khoa');
      await page.getByLabel('Mô tả').fill('Sai');
      await page.getByRole('button', { name: 'Gửi khiếu nại' }).click();
      expect(await page.getByRole('alert').first().isVisible()).toBe(true);
      expect(await page.getByLabel('Mô tả').getAttribute('aria-invalid')).toBe('true');
      expect(await ctx.p.orm.em.fork().execute('select code from account_complaint where account_id = ?', [locked.id])).toEqual([]);
      await accessible(page);
      await page.getByLabel('Mô tả').fill('Tôi không vi phạm quy định nào; xin mở khóa tài khoản.');
      await page.getByRole('button', { name: 'Gửi khiếu nại' }).click();
      code = /KN-\d{6}/.exec(await page.getByRole('status').innerText())![0];
      await accessible(page);
      await keepScreenshot(page, 'complaint-locked');
      // One complaint per sign-in: the form is gone.
      await page.reload();
      expect(await page.getByRole('button', { name: 'Gửi khiếu nại' }).count()).toBe(0);
    });
    const em = ctx.p.orm.em.fork();
    expect(await em.execute('select account_id, channel, filed_by, kind from account_complaint where code = ?', [code])).toEqual([{ account_id: locked.id, channel: 'locked_account', filed_by: null, kind: 'wrongly_locked' }]);
    expect(await em.execute('select actor_id, action from audit_log where entity_id = ? and action like ?', [code, 'complaint.filed%'])).toEqual([{ actor_id: locked.id, action: 'complaint.filed_locked_account' }]);

    // Recorded by an operator for a citizen who called: through the API, then in the portal.
    const citizen = await signIn(ctx.p.apiUrl, 'congdan1');
    expect((await citizen.send('POST', '/api/account-complaints/on-behalf', { account: 'congdan1', kind: 'misuse', description: 'Không được tự ghi nhận thay người khác.' })).status).toBe(403);
    const op = await signIn(ctx.p.apiUrl, 'vanhanh');
    const unknown = await json<{ error: { code: string; details: { field: string }[] } }>(await op.send('POST', '/api/account-complaints/on-behalf', { account: 'khong-co-ai', kind: 'misuse', description: 'Có người dùng tài khoản của tôi.' }), 404);
    expect(unknown.error.code).toBe('UNKNOWN_ACCOUNT');
    expect(unknown.error.details.map((d) => d.field)).toEqual(['account']);
    let byPhone = '';
    await onPage('complaint-on-behalf', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'vanhanh', '/van-hanh/khieu-nai');
      for (let i = 0; i < 50 && !(await page.locator('li.card', { hasText: code }).count()); i++) await page.reload();
      expect(await page.locator('li.card', { hasText: code }).innerText()).toContain('công dân gửi khi tài khoản đang bị khóa');
      await page.getByText('Ghi nhận khiếu nại thay công dân', { exact: true }).first().click();
      const form = page.getByRole('form', { name: 'Ghi nhận khiếu nại thay công dân' });
      await form.getByLabel('Tên đăng nhập của công dân').fill('khong-co-ai');
      await form.getByLabel('Nội dung khiếu nại').selectOption('misuse');
      await form.getByLabel('Mô tả').fill('Công dân báo qua Tổng đài: có người dùng tài khoản để nộp hồ sơ.');
      await form.getByRole('button', { name: 'Ghi nhận khiếu nại' }).click();
      expect(await form.innerText()).toContain('Không có tài khoản công dân với tên đăng nhập này.');
      expect(await form.getByLabel('Mô tả').inputValue()).toContain('Tổng đài');
      await accessible(page);
      await form.getByLabel('Tên đăng nhập của công dân').fill('congdan1');
      await form.getByRole('button', { name: 'Ghi nhận khiếu nại' }).click();
      byPhone = /KN-\d{6}/.exec(await page.getByRole('status').innerText())![0];
      expect(await page.locator('li.card', { hasText: byPhone }).innerText()).toContain('cán bộ vận hành ghi nhận thay công dân');
      // The list filtered by how the complaint came in, by its clocks; a bad value is said.
      await page.getByLabel('Cách tiếp nhận').selectOption('operator');
      await page.getByRole('button', { name: 'Lọc' }).click();
      expect(await page.locator('li.card', { hasText: byPhone }).count()).toBe(1);
      expect(await page.locator('li.card', { hasText: code }).count()).toBe(0);
      expect(new URL(page.url()).searchParams.get('kenh')).toBe('operator');
      await accessible(page);
      await page.goto(`${ctx.p.apiUrl}/van-hanh/khieu-nai?qua_han=1&kenh=locked_account`);
      expect(await page.locator('li.card', { hasText: code }).count()).toBe(0);
      await page.goto(`${ctx.p.apiUrl}/van-hanh/khieu-nai?trang_thai=khong-co`);
      expect(await page.getByRole('alert').first().innerText()).toContain('Giá trị lọc không hợp lệ');
      await page.goto(`${ctx.p.apiUrl}/van-hanh/khieu-nai`);
      // The locked citizen's complaint upheld, the account unlocked from the answer.
      await page.getByLabel(`Trả lời người khiếu nại (${code})`).fill('Khóa nhầm; đã mở khóa tài khoản.');
      await page.getByLabel(`Mở khóa tài khoản (${code})`).check();
      await page.locator('li.card', { hasText: code }).getByRole('button', { name: 'Trả lời kết quả' }).click();
      expect(await page.locator('li.card', { hasText: code }).innerText()).toContain('Đã có kết quả');
      await accessible(page);
    });
    expect(await em.execute('select account_id, channel, filed_by from account_complaint where code = ?', [byPhone])).toEqual([{ account_id: demoUser('congdan1').id, channel: 'operator', filed_by: demoUser('vanhanh').id }]);
    expect((await json<{ items: { code: string }[] }>(await citizen.get('/api/account-complaints'), 200)).items.map((c) => c.code)).toContain(byPhone);
    const byChannel = (await json<{ items: { code: string; channel: string }[] }>(await op.get('/api/account-complaints?channel=locked_account'), 200)).items;
    expect(byChannel.map((c) => c.code)).toContain(code);
    expect(byChannel.every((c) => c.channel === 'locked_account')).toBe(true);
    await json(await op.get('/api/account-complaints?channel=fax'), 422);
    for (let i = 0; i < 50; i++) {
      const [row] = await em.fork().execute<{ locked_at: string | null }[]>('select locked_at from account where id = ?', [locked.id]);
      if (row!.locked_at === null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await (await signIn(ctx.p.apiUrl, 'congdan2')).get('/auth/me')).status).toBe(200);
  });

  it('a support request: an officer reports it, operators classify (a complex one without its time refused beside it) and resolve it, the officer confirms', async () => {
    let code = '';
    await onPage('support-officer', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'xuly.hn', '/ho-tro');
      await page.getByLabel('Loại yêu cầu').selectOption('incident');
      await page.getByLabel('Tiêu đề').fill('Không in được phiếu hẹn');
      await page.getByLabel('Mô tả').fill('Máy in báo lỗi định dạng tệp PDF từ chiều qua.');
      await page.getByRole('button', { name: 'Gửi yêu cầu' }).click();
      code = /HT-\d{6}/.exec(await page.getByRole('status').innerText())![0];
      await accessible(page);
    });
    await onPage('support-operator', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'vanhanh', '/ho-tro');
      for (let i = 0; i < 50 && !(await page.getByLabel(`Phân loại (${code})`).count()); i++) await page.reload();
      await page.getByLabel(`Phân loại (${code})`).selectOption('complex');
      await page.locator('li.card', { hasText: code }).getByRole('button', { name: 'Phân loại' }).click();
      expect(await page.locator('li.card', { hasText: code }).innerText()).toContain('phải có thời điểm dự kiến hoàn thành');
      await accessible(page);
      await page.getByLabel(`Phân loại (${code})`).selectOption('simple');
      await page.locator('li.card', { hasText: code }).getByRole('button', { name: 'Phân loại' }).click();
      await page.getByLabel(`Kết quả xử lý (${code})`).fill('Đã cập nhật trình điều khiển máy in.');
      await page.locator('li.card', { hasText: code }).getByRole('button', { name: 'Đã xử lý xong' }).click();
      expect(await page.locator('li.card', { hasText: code }).innerText()).toContain('Đã xử lý, chờ xác nhận');
      await keepScreenshot(page, 'support-operator');
      // The operators' filter: status and kind through the form; a value the API refuses is said, not dropped.
      await page.getByLabel('Trạng thái').selectOption('resolved');
      await page.getByLabel('Loại yêu cầu').selectOption('incident');
      await page.getByRole('button', { name: 'Lọc' }).click();
      expect(page.url()).toContain('trang_thai=resolved');
      expect(await page.locator('li.card', { hasText: code }).count()).toBe(1);
      await page.getByLabel('Loại yêu cầu').selectOption('support');
      await page.getByRole('button', { name: 'Lọc' }).click();
      expect(await page.locator('li.card', { hasText: code }).count()).toBe(0);
      await page.goto(`${ctx.p.apiUrl}/ho-tro?loai=fax`);
      expect(await page.getByRole('alert').innerText()).toContain('Giá trị lọc không hợp lệ');
      expect(await page.locator('li.card', { hasText: code }).count()).toBe(1);
      await accessible(page);
    });
    await onPage('support-confirm', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'xuly.hn', '/ho-tro');
      await page.getByRole('button', { name: `Xác nhận đã được xử lý (${code})` }).click();
      expect(await page.locator('li.card', { hasText: code }).innerText()).toContain('Đã đóng');
    });
  });

  it('an administrator account: a unit asks for it, a system administrator creates it', async () => {
    const subject = `qt.web${Date.now() % 100000}`;
    await onPage('admin-request', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'lanhdao.hn', '/quan-tri/de-nghi');
      await page.getByLabel('Tên đăng nhập tại hệ thống định danh').fill(subject);
      await page.getByLabel('Họ và tên').fill('Lý Thu Trang');
      await page.getByLabel('Thư điện tử công vụ').fill(`${subject}@dichvucong.gov.vn`);
      await page.getByLabel('Lý do đề nghị').fill('Bổ sung quản trị viên cho bộ phận một cửa.');
      await page.getByRole('button', { name: 'Gửi đề nghị' }).click();
      expect(await page.getByRole('status').innerText()).toMatch(/QT-\d{6}/);
      await accessible(page);
    });
    await onPage('admin-decision', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'admin', '/quan-tri/de-nghi');
      const card = page.locator('li.card', { hasText: subject });
      await card.getByRole('button', { name: /Cấp tài khoản/ }).click();
      expect(await page.locator('li.card', { hasText: subject }).innerText()).toContain('Đã cấp tài khoản');
      await accessible(page);
      await keepScreenshot(page, 'admin-requests');
      // Filtered by status and unit: the decided request is under its status and unit only.
      await page.getByLabel('Trạng thái').selectOption('pending');
      await page.getByRole('button', { name: 'Lọc' }).click();
      expect(await page.locator('li.card', { hasText: subject }).count()).toBe(0);
      await page.getByLabel('Trạng thái').selectOption('approved');
      await page.getByLabel('Đơn vị (mã)').fill('HCM-SKHDT');
      await page.getByRole('button', { name: 'Lọc' }).click();
      expect(await page.locator('li.card', { hasText: subject }).count()).toBe(0);
      await page.getByLabel('Đơn vị (mã)').fill('');
      await page.getByRole('button', { name: 'Lọc' }).click();
      expect(await page.locator('li.card', { hasText: subject }).count()).toBe(1);
      await page.getByLabel('Đơn vị (mã)').fill('không phải mã');
      await page.getByRole('button', { name: 'Lọc' }).click();
      expect(await page.getByRole('alert').innerText()).toContain('Giá trị lọc không hợp lệ');
      await accessible(page);
    });
    const [a] = await ctx.p.orm.em.fork().execute<{ roles: string[] }[]>('select roles from account where subject = ?', [subject]);
    expect(a!.roles).toEqual(['unit_admin']);
  });
});
