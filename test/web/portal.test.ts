import { describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { accessible, keepScreenshot, openMenu, portalInBrowser, signInAs } from '../support/browser';
import { pdfBytes, signIn } from '../support/platform';

/**
 * The portal's public pages in a real browser (Debian's Chromium, driven by Playwright): a citizen finds
 * a procedure and reads what it needs, on a phone-sized screen; every page passes axe-core with no
 * serious or critical violation (WCAG 2.1 AA) and never scrolls sideways at 360 px. A screenshot of
 * every failing page goes to test-output/screenshots/.
 */
const ctx = portalInBrowser();
const onPage = (name: string, run: (page: Page) => Promise<void>) => ctx.onPage(name, run);

describe('the public portal in a browser', () => {
  it('a citizen searches the catalogue on a phone and opens a procedure: what to submit, how long, what it costs', async () => {
    await onPage('search-and-procedure', async (page) => {
      await page.goto(`${ctx.p.apiUrl}/`);
      expect(await page.locator('html').getAttribute('lang')).toBe('vi');
      await accessible(page);
      await page.getByLabel('Từ khóa').fill('khai sinh');
      await page.getByRole('button', { name: 'Tìm kiếm' }).click();
      expect(await page.getByRole('status').textContent()).toBe('1 thủ tục');
      await page.getByRole('link', { name: 'Đăng ký khai sinh' }).click();
      expect(new URL(page.url()).pathname).toBe('/thu-tuc/STP-KS');
      await accessible(page);
      const text = await page.locator('main').innerText();
      expect(text).toContain('Giấy chứng sinh (bắt buộc)');
      expect(text).toContain('1 ngày làm việc');
      expect(text).toContain('Không thu phí');
      expect(text).toContain('Sở Tư pháp');
    });
  });

  it('on a phone the header keeps to two rows for an operator with every menu; the menu opens on its groups, the current page marked', async () => {
    await onPage('header-menu', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'vanhanh', '/van-hanh');
      const header = page.locator('header.site');
      // Brand on one row, the account and the menu button on the next: 2.75 rem targets, no list of links.
      const closed = (await header.boundingBox())!.height;
      expect(closed).toBeLessThanOrEqual(110);
      expect(await page.getByRole('link', { name: 'Vận hành quy trình' }).count()).toBe(0);
      const menu = await openMenu(page);
      const groups = await menu.locator('.menu-group > p').allInnerTexts();
      expect(groups.map((g) => g.toLowerCase())).toEqual(['dịch vụ công', 'công việc', 'vận hành, quản trị']);
      const admin = menu.getByRole('list', { name: 'Vận hành, quản trị' });
      expect(await admin.getByRole('link').allInnerTexts()).toEqual(['Dịch vụ công trực tuyến', 'Vận hành quy trình', 'Bảo trì hệ thống', 'Khiếu nại tài khoản']);
      expect(await admin.getByRole('link', { name: 'Vận hành quy trình' }).getAttribute('aria-current')).toBe('page');
      await accessible(page);
      await keepScreenshot(page, 'header-menu-open');
      await menu.getByRole('link', { name: 'Thống kê' }).click();
      expect(new URL(page.url()).pathname).toBe('/thong-ke');
      expect((await header.boundingBox())!.height).toBe(closed);
    });
  });

  it('a procedure that does not exist says so in Vietnamese, with a way back', async () => {
    await onPage('missing-procedure', async (page) => {
      const res = await page.goto(`${ctx.p.apiUrl}/thu-tuc/KHONG-CO`);
      expect(res!.status()).toBe(404);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Không tìm thấy thủ tục');
      await accessible(page);
    });
  });

  it('search by field keeps what was chosen, and finds nothing politely', async () => {
    await onPage('field-search', async (page) => {
      await page.goto(`${ctx.p.apiUrl}/?q=${encodeURIComponent('không có thủ tục này')}&field=${encodeURIComponent('Hộ tịch')}`);
      expect(await page.getByLabel('Lĩnh vực').inputValue()).toBe('Hộ tịch');
      expect(await page.getByLabel('Từ khóa').inputValue()).toBe('không có thủ tục này');
      expect(await page.getByRole('status').textContent()).toBe('0 thủ tục');
      await accessible(page);
    });
  });
  it('anyone tracks a dossier by its code: its status and dates, nothing personal; a wrong code is said next to the field', async () => {
    const citizen = await signIn(ctx.p.apiUrl, 'congdan1');
    const form = new FormData();
    form.set('procedureCode', 'STP-KS');
    form.set('formData', JSON.stringify({ hoTenTre: 'Lê Gia Hân', ngaySinhTre: '2026-10-20', noiSinh: 'Bệnh viện Phụ sản Trung ương' }));
    form.set('giayChungSinh', new Blob([pdfBytes()]), 'gcs.pdf');
    const { code } = (await (await citizen.multipart('/api/dossiers', form)).json()) as { code: string };
    await onPage('track', async (page) => {
      await page.goto(`${ctx.p.apiUrl}/`);
      await (await openMenu(page)).getByRole('link', { name: 'Tra cứu hồ sơ' }).click();
      await page.getByLabel('Mã hồ sơ').fill(code.toLowerCase());
      await page.getByRole('button', { name: 'Tra cứu' }).click();
      const text = await page.locator('main').innerText();
      expect(text).toContain(`Hồ sơ ${code}`);
      expect(text).toContain('Đăng ký khai sinh');
      expect(text).toMatch(/Chờ tiếp nhận|Đang xử lý/);
      for (const personal of ['Lê Gia Hân', 'Nguyễn Văn An', 'Phụ sản']) expect(text).not.toContain(personal);
      await accessible(page);

      const res = await page.goto(`${ctx.p.apiUrl}/tra-cuu?ma=HNI-STP-000000-000000`);
      expect(res!.status()).toBe(404);
      expect(await page.getByRole('alert').textContent()).toContain('Không tìm thấy hồ sơ có mã này');
      expect(await page.getByLabel('Mã hồ sơ').getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByLabel('Mã hồ sơ').inputValue()).toBe('HNI-STP-000000-000000');
      await accessible(page);
    });
  });

  it('published answers to feedback can be searched by anyone', async () => {
    await onPage('answers', async (page) => {
      await page.goto(`${ctx.p.apiUrl}/`);
      await (await openMenu(page)).getByRole('link', { name: 'Phản ánh, kiến nghị' }).click();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Kết quả trả lời phản ánh, kiến nghị');
      await page.getByLabel('Từ khóa').fill('không có câu trả lời nào như thế này');
      await page.getByRole('button', { name: 'Tìm kiếm' }).click();
      expect(await page.getByRole('status').textContent()).toBe('0 kết quả trả lời');
      await accessible(page);
    });
  });
});
