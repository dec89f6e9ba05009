import { describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { because } from '../support/because';
import { accessible, portalInBrowser, keepScreenshot, signInAs } from '../support/browser';
import { pdfBytes, signIn } from '../support/platform';
import { dossierViewQuery } from '../../workflows/dossier/definitions';
import { insertMarch2019 } from '../support/statistics-data';

/**
 * Feedback (PAKN) in the portal, from the citizen's form to the published answer, and the supervisors'
 * overdue board, in a real browser; every page passes axe-core at 360 px.
 */
const ctx = portalInBrowser();
const onPage = (name: string, run: (page: Page) => Promise<void>) => ctx.onPage(name, run);
const offeredSteps = (page: Page) => page.locator('form.action h3').allInnerTexts();

/** An officer opens the feedback from their feedback queue and takes one step. */
async function feedbackStep(officer: string, code: string, expected: string[], step: string, fill: Record<string, string> = {}) {
  await onPage(`pakn-${officer}-${step}`, async (page) => {
    await signInAs(page, ctx.p.apiUrl, officer, '/can-bo/pakn');
    await accessible(page);
    await page.getByRole('link', { name: code }).click();
    const offered = await offeredSteps(page);
    because(`${officer} is offered exactly the steps of their role now`, () => expect(offered).toEqual(expected));
    await accessible(page);
    const form = page.locator('form.action', { has: page.getByRole('heading', { name: step, exact: true }) });
    for (const [label, value] of Object.entries(fill)) await form.getByLabel(label).fill(value);
    await form.getByRole('button', { name: step }).click();
    expect(await page.getByRole('status').first().innerText()).toContain(`Đã thực hiện: ${step}`);
  });
}

describe('feedback in the portal', () => {
  let code = '';

  it('a citizen sends feedback: text without Vietnamese diacritics is refused beside the field, nothing lost', async () => {
    await onPage('pakn-new', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'congdan2', '/pakn/gui');
      await accessible(page);
      expect(await page.getByLabel('Số điện thoại').inputValue()).toBe('0912000002');
      await page.getByLabel(/^Tiêu đề/).fill('Thời gian cấp phiếu quá lâu');
      await page.getByLabel(/^Nội dung/).fill('De nghi rut ngan thoi gian cap phieu ly lich tu phap');
      await page.getByLabel('Cơ quan nhận (khi không chọn hồ sơ)').selectOption({ label: 'Sở Tư pháp thành phố Hà Nội' });
      await page.getByRole('button', { name: 'Gửi phản ánh, kiến nghị' }).click();
      expect(await page.locator('#pakn-content-loi').innerText()).toContain('tiếng Việt có dấu');
      expect(await page.getByLabel(/^Nội dung/).getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByLabel(/^Tiêu đề/).inputValue()).toBe('Thời gian cấp phiếu quá lâu');
      await accessible(page);
      await keepScreenshot(page, 'pakn-1-refused');
      await page.getByLabel(/^Nội dung/).fill('Đề nghị rút ngắn thời gian cấp phiếu lý lịch tư pháp xuống còn 5 ngày.');
      await page.getByRole('button', { name: 'Gửi phản ánh, kiến nghị' }).click();
      await page.waitForURL(/\/pakn\/PAKN-\d{6}-\d{6}\?da-gui=1$/);
      code = /\/pakn\/([^?]+)/.exec(page.url())![1]!;
      expect(await page.getByRole('status').first().innerText()).toContain(code);
      await accessible(page);
    });
  });

  it('the agency asks for a clarification, the citizen answers it, and the answer is published after review', async () => {
    await feedbackStep('tiepnhan.hn', code, STEPS_RECEIVED, 'Đề nghị làm rõ nội dung', { 'Nội dung cần làm rõ': 'Xin cho biết phiếu số 1 hay số 2.' });
    await onPage('pakn-clarify', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'congdan2', `/pakn/${code}`);
      expect(await page.getByRole('region', { name: 'Cơ quan đề nghị làm rõ' }).innerText()).toContain('phiếu số 1 hay số 2');
      expect(await offeredSteps(page)).toEqual(['Người dân làm rõ nội dung']);
      await accessible(page);
      await page.getByLabel('Nội dung làm rõ').fill('Phiếu lý lịch tư pháp số 1.');
      await page.getByRole('button', { name: 'Người dân làm rõ nội dung' }).click();
      expect(await page.getByRole('status').first().innerText()).toContain('Đã thực hiện: Người dân làm rõ nội dung');
    });
    await feedbackStep('tiepnhan.hn', code, STEPS_RECEIVED, 'Tiếp nhận xử lý');
    await feedbackStep('xuly.hn', code, STEPS_PROCESSING, 'Đã có kết quả xử lý');
    await feedbackStep('xuly.hn', code, STEPS_RESULT, 'Cập nhật kết quả trả lời', { 'Kết quả trả lời': 'Sở sẽ rút ngắn thời gian cấp phiếu số 1 xuống 7 ngày từ tháng 1.' });
    await feedbackStep('lanhdao.hn', code, STEPS_REVIEW, 'Duyệt và công khai kết quả');
    await onPage('pakn-published', async (page) => {
      await page.goto(`${ctx.p.apiUrl}/phan-anh?q=${encodeURIComponent('rút ngắn')}`);
      expect(await page.locator('main').innerText()).toContain('xuống 7 ngày');
      await accessible(page);
    });
  });
});

describe('supervision', () => {
  it('a supervisor sees the agency\'s overdue dossiers by rung and step, and only their agency\'s', async () => {
    const citizen = await signIn(ctx.p.apiUrl, 'congdan1');
    const submit = async () => {
      const form = new FormData();
      form.set('procedureCode', 'STP-KS');
      form.set('formData', JSON.stringify({ hoTenTre: 'Lê Gia Hân', ngaySinhTre: '2026-10-20', noiSinh: 'Bệnh viện Phụ sản Trung ương' }));
      form.set('giayChungSinh', new Blob([pdfBytes()]), 'gcs.pdf');
      return ((await (await citizen.multipart('/api/dossiers', form)).json()) as { code: string }).code;
    };
    const [late, onTime] = [await submit(), await submit()];
    // Once the process has recorded its steps (it writes the read model), nothing of it overwrites the change below.
    const recorded = async (code: string) => {
      for (let i = 0; i < 100; i++) {
        const v = await ctx.p.temporal.workflow.getHandle(code).query(dossierViewQuery);
        if (v.recordedSeq === v.state.seq) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${code} not recorded`);
    };
    await recorded(late);
    // The escalation that marks a dossier overdue runs on the process's timers, crossed on the time-skipping
    // server in the workflow tests; here the read model is set as it records it, and the board reads it.
    await ctx.p.orm.em.fork().execute("update dossier set overdue_level = 1, legal_due_at = now() - interval '1 day' where code = ?", [late]);
    await onPage('overdue-board', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'giamsat.hn');
      expect(new URL(page.url()).pathname).toBe('/giam-sat');
      const text = await page.locator('main').innerText();
      expect(text).toContain('Quá hạn giải quyết — mức 1 · Chờ tiếp nhận');
      expect(text).toContain(late);
      expect(text).not.toContain(onTime);
      await accessible(page);
      await keepScreenshot(page, 'overdue-board');
    });
    await onPage('overdue-board-other-agency', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'giamsat.hcm', '/giam-sat');
      expect(await page.locator('main').innerText()).not.toContain(late);
    });
  });

  it('a province supervisor reads the statistics of its tree, drills down from a figure, and the ranking is public', async () => {
    await insertMarch2019(ctx.p.orm);
    await onPage('statistics', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'giamsat.ubndhn', '/thong-ke?period=2019-03&by=procedure');
      const main = page.locator('main');
      expect(await main.getByRole('heading', { level: 1 }).innerText()).toBe('Thống kê tình hình giải quyết');
      const table = page.getByRole('table', { name: /Hồ sơ theo thủ tục/ });
      const row = table.getByRole('row', { name: /Đăng ký khai sinh/ });
      expect(await row.getByRole('cell').allInnerTexts()).toEqual(['4', '2', '1', '1', '1', '1', '0', '0', '1', '1', '0', '50%']);
      // The chart is drawn from the same figures (the table stays the accessible source).
      expect(await page.evaluate('Boolean(window.Chart && window.Chart.getChart("bieu-do"))')).toBe(true);
      await accessible(page);
      await keepScreenshot(page, 'statistics');
      // On a desktop screen the filter form reads as a form: each label on the line of its control, controls wide enough for their values.
      await page.setViewportSize({ width: 1280, height: 800 });
      const form = page.getByRole('form', { name: 'Chọn kỳ và cách xem' });
      const heading = (await form.getByRole('heading').boundingBox())!;
      expect(heading.height).toBeLessThan(48);
      for (const name of ['Kỳ báo cáo', 'Từ ngày', 'Đến ngày', 'Xem theo', 'Cơ quan']) {
        const control = form.getByLabel(name, { exact: true });
        const [c, l] = [(await control.boundingBox())!, (await form.locator('label', { hasText: new RegExp(`^${name}$`) }).boundingBox())!];
        because(`${name}: label beside its control`, () => {
          expect(l.x + l.width).toBeLessThanOrEqual(c.x);
          expect(Math.abs(l.y + l.height / 2 - (c.y + c.height / 2))).toBeLessThan(4);
          expect(c.width).toBeGreaterThanOrEqual(220);
        });
      }
      await keepScreenshot(page, 'statistics-1280');
      await page.setViewportSize({ width: 360, height: 740 });
      await row.getByRole('link', { name: /Giải quyết quá hạn/ }).click();
      expect(await main.getByRole('heading', { level: 1 }).innerText()).toBe('Hồ sơ: Giải quyết quá hạn');
      expect(await main.getByRole('table').getByRole('rowheader').allInnerTexts()).toEqual(['HNI-STP-190304-900002']);
      await accessible(page);
      await keepScreenshot(page, 'statistics-list');
      // The list's address without a figure (a bookmark, typed by hand): the statistics form, filters kept.
      await page.goto(`${ctx.p.apiUrl}/thong-ke/ho-so?period=2019-03`);
      expect(new URL(page.url()).pathname).toBe('/thong-ke');
      expect(new URL(page.url()).searchParams.get('period')).toBe('2019-03');
      expect(await main.getByRole('heading', { level: 1 }).innerText()).toBe('Thống kê tình hình giải quyết');
      await page.goto(`${ctx.p.apiUrl}/thong-ke/ho-so`);
      expect(new URL(page.url()).pathname).toBe('/thong-ke');
      expect(await main.innerText()).not.toContain('VALIDATION_FAILED');
    });
    await onPage('ranking', async (page) => {
      await page.goto(`${ctx.p.apiUrl}/xep-hang/2019`);
      const row = page.getByRole('row', { name: /Ủy ban nhân dân Thành phố Hồ Chí Minh/ });
      expect(await row.innerText()).toContain('Xuất sắc');
      await accessible(page);
      await keepScreenshot(page, 'ranking');
    });
  });

  it('the local sign-in page speaks Vietnamese and shows the role groups by their labels', async () => {
    await onPage('sign-in-page', async (page) => {
      await page.goto(`${ctx.p.apiUrl}/auth/login`);
      expect(await page.locator('html').getAttribute('lang')).toBe('vi');
      const text = await page.locator('body').innerText();
      for (const label of ['Công dân', 'Cán bộ tiếp nhận', 'Lãnh đạo đơn vị', 'Cán bộ giám sát']) expect(text).toContain(label);
      expect(text).toContain('Sở Tư pháp thành phố Hà Nội');
      await accessible(page);
    });
  });
});

const STEPS_RECEIVED = ['Nhận xử lý', 'Không tiếp nhận', 'Đề nghị làm rõ nội dung', 'Chuyển cơ quan có thẩm quyền', 'Tiếp nhận xử lý', 'Chuyển cơ quan chủ trì', 'Cập nhật tình hình xử lý', 'Chuyển xử lý theo chế độ mật'];
const STEPS_PROCESSING = ['Nhận xử lý', 'Cập nhật tình hình xử lý', 'Đã có kết quả xử lý', 'Cập nhật kết quả trả lời'];
const STEPS_RESULT = ['Nhận xử lý', 'Cập nhật tình hình xử lý', 'Cập nhật kết quả trả lời'];
const STEPS_REVIEW = ['Nhận xử lý', 'Cập nhật tình hình xử lý', 'Duyệt và công khai kết quả', 'Trả lại để xử lý lại', 'Chuyển xử lý theo chế độ mật'];
