import { describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { accessible, keepScreenshot, portalInBrowser, signInAs } from '../support/browser';
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
    });
  });
});
