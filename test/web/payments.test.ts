import { describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { accessible, keepScreenshot, portalInBrowser, signInAs } from '../support/browser';
import { demoUser } from '../../db/demo-data';
import { json } from '../support/http';
import { pdfBytes, signIn } from '../support/platform';

/** A citizen pays a dossier's fee from its page, at a simulated bank's own page, in a real browser. */
const ctx = portalInBrowser();
const onPage = (name: string, run: (page: Page) => Promise<void>) => ctx.onPage(name, run);

describe('paying a fee in the portal', () => {
  it('from the dossier page to the bank and back: the receipt shows and the dossier goes on', async () => {
    const citizen = await signIn(ctx.p.apiUrl, 'congdan1');
    const officer = await signIn(ctx.p.apiUrl, 'tiepnhan.hn');
    const f = new FormData();
    f.set('procedureCode', 'STP-LLTP');
    f.set('formData', JSON.stringify({ hoTen: 'Nguyễn Văn An', soDinhDanh: '001090012345', ngaySinh: '1990-05-17', mucDich: 'Xin việc' }));
    f.set('cccd', new Blob([pdfBytes()], { type: 'application/pdf' }), 'cccd.pdf');
    const { code } = await json<{ code: string }>(await citizen.multipart('/api/dossiers', f), 201);
    await json(await officer.send('POST', `/api/dossiers/${code}/actions`, { type: 'accept' }), 200);
    await onPage('pay-fee', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'congdan1', `/ho-so/${code}`);
      const panel = page.getByRole('region', { name: 'Nộp phí, lệ phí trực tuyến' });
      expect(await panel.innerText()).toContain('200.000 đồng');
      await accessible(page);
      await panel.getByLabel('Ngân hàng, trung gian thanh toán').selectOption('NH-MOT');
      await panel.getByRole('button', { name: 'Thanh toán qua ngân hàng' }).click();
      // The bank's own page.
      await page.waitForURL((u) => u.toString().startsWith(ctx.p.banks[0]!.url));
      expect(await page.locator('body').innerText()).toContain('200.000 đồng');
      await page.getByRole('button', { name: 'Thanh toán', exact: true }).click();
      await page.waitForURL((u) => u.pathname === `/ho-so/${code}`);
      // The bank's signed callback arrives on its own; the payment, then the dossier's process, record it.
      const settled = async () => { const t = await page.locator('main').innerText(); return t.includes('Đã thanh toán') && t.includes('Đang xử lý'); };
      for (let i = 0; i < 50 && !(await settled()); i++) {
        await page.waitForTimeout(200);
        await page.reload();
      }
      const text = await page.locator('main').innerText();
      expect(text).toContain('Đã thanh toán');
      expect(text).toMatch(/biên lai điện tử số NH-MOT-BL-\d{7}/);
      expect(text).toContain('Đang xử lý');
      await accessible(page);
      await keepScreenshot(page, 'fee-paid');

      // The citizen asks for the fee back: nothing was taken twice, so the agency's fee officer decides.
      await page.getByText('Yêu cầu hoàn tiền', { exact: true }).click();
      await page.getByRole('button', { name: 'Gửi yêu cầu hoàn tiền' }).click();
      expect(await page.getByRole('alert').first().innerText()).toBeTruthy();
      await page.getByLabel('Lý do đề nghị hoàn tiền').fill('Tôi đã nộp nhầm thủ tục, đề nghị hoàn lại lệ phí.');
      await page.getByRole('button', { name: 'Gửi yêu cầu hoàn tiền' }).click();
      await page.waitForURL((u) => u.searchParams.get('hoan-tien') === '1');
      for (let i = 0; i < 50 && !(await page.locator('main').innerText()).includes('Chờ cơ quan thu xem xét'); i++) {
        await page.waitForTimeout(200);
        await page.reload();
      }
      expect(await page.locator('main').innerText()).toContain('Chờ cơ quan thu xem xét');
    });
    await onPage('refund-decided-by-agency', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'thuphi.hn', '/doi-soat');
      const section = page.getByRole('region', { name: 'Yêu cầu hoàn tiền chờ cơ quan xem xét' });
      expect(await section.innerText()).toContain('Tôi đã nộp nhầm thủ tục');
      await accessible(page);
      await section.getByLabel('Ghi chú gửi người nộp').fill('Lệ phí không được hoàn khi hồ sơ đã được tiếp nhận.');
      await section.getByRole('button', { name: 'Từ chối' }).click();
      await page.waitForURL((u) => u.pathname === '/doi-soat');
    });
    await onPage('refund-refused-seen', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'congdan1', `/ho-so/${code}`);
      const text = await page.locator('main').innerText();
      expect(text).toContain('Không chấp nhận hoàn tiền (200.000 đồng). Ghi chú của cơ quan: Lệ phí không được hoàn khi hồ sơ đã được tiếp nhận.');
      await accessible(page);
    });
  });

  it('reconciliation screens: the agency uploads its receipt list (a bad one refused with its line), the report shows the case, its party closes it', async () => {
    const yesterday = new Date(Date.now() + 7 * 3600_000 - 24 * 3600_000).toISOString().slice(0, 10);
    const header = 'agency_receipt_id,portal_payment_id,agency_code,transaction_type,amount_vnd,received_at';
    const upload = async (page: Page, content: string) => {
      await page.getByLabel('Ngày của tệp (YYYY-MM-DD)').fill(yesterday);
      await page.getByLabel('Tệp CSV').setInputFiles({ name: 'bien-lai.csv', mimeType: 'text/csv', buffer: Buffer.from(content) });
      await page.getByRole('button', { name: 'Tải lên' }).click();
    };
    await onPage('reconciliation-upload', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'thuphi.hn', '/doi-soat');
      await accessible(page);
      await upload(page, `${header}\nBL-1,TT-00000000C0DE,HNI-STP,LE_PHI_TTHC,12.000,${yesterday}T10:00:00+07:00\n`);
      expect(await page.getByRole('alert').first().innerText()).toContain('Dòng 2: amount_vnd');
      await accessible(page);
      await upload(page, `${header}\nBL-1,TT-00000000C0DE,HNI-STP,LE_PHI_TTHC,12000,${yesterday}T10:00:00+07:00\n`);
      await page.waitForURL((u) => u.searchParams.has('da_tai'));
      expect(await page.getByRole('status').first().innerText()).toContain('1 dòng');
      // The files received: the agency's own list, with who sent it; no bank's statement shown to the agency.
      const files = await page.getByRole('region', { name: 'Bảng tệp đối soát đã nhận' }).innerText();
      expect(files).toContain(`Danh sách biên lai ngày của cơ quan\tHNI-STP\t1\tTải lên bởi ${demoUser('thuphi.hn').fullName}`);
      expect(files).not.toContain('Sao kê ngày của ngân hàng');
    });
    const operator = await signIn(ctx.p.apiUrl, 'vanhanh');
    await json(await operator.send('POST', `/api/reconciliation/runs/${yesterday}`), 200);
    await onPage('reconciliation-case', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'vanhanh', `/doi-soat?tu=${yesterday}&den=${yesterday}&loai=missing_at_portal`);
      await page.getByRole('link', { name: 'Ngân hàng hoặc cơ quan có, Cổng không có' }).first().click();
      expect(await page.locator('main').innerText()).toContain('TT-00000000C0DE');
      await accessible(page);
      await page.getByLabel('Cách đã xử lý').fill('Cơ quan ghi nhầm mã giao dịch, đã sửa biên lai.');
      await page.getByRole('button', { name: 'Đóng chênh lệch' }).click();
      await page.waitForURL((u) => u.searchParams.get('xong') === '1');
      expect(await page.locator('main').innerText()).toContain('Đã xử lý');
      await page.goto(`${ctx.p.apiUrl}/doi-soat?tu=${yesterday}&den=${yesterday}&xem=tong-hop`);
      expect(await page.getByRole('region', { name: 'Bảng tổng hợp chênh lệch' }).innerText()).toContain('HNI-STP');
      // The operator sees every file of the day, the agency's with its sender.
      expect(await page.getByRole('region', { name: 'Bảng tệp đối soát đã nhận' }).innerText()).toContain(`HNI-STP\t1\tTải lên bởi ${demoUser('thuphi.hn').fullName}`);
      await accessible(page);
      await page.setViewportSize({ width: 375, height: 800 });
      await keepScreenshot(page, 'reconciliation-summary-phone');
    });
  });
});
