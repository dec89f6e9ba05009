import { describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { because } from '../support/because';
import { accessible, keepScreenshot, portalInBrowser, signInAs } from '../support/browser';
import { json } from '../support/http';
import { signIn } from '../support/platform';

/**
 * Service publication in the portal: the agency's unit administrator declares a service and asks for test
 * publication; the operator sees exactly the steps open to them and returns it with a reason (a reason too
 * short is refused beside its field). Every page passes axe-core at 360 px.
 */
const ctx = portalInBrowser();
const onPage = (name: string, run: (page: Page) => Promise<void>) => ctx.onPage(name, run);
const offeredSteps = (page: Page) => page.locator('form.action h3').allInnerTexts();

describe('publication pages', () => {
  it('an agency declares a service and asks for test publication; the operator returns it for completion', async () => {
    const procedureCode = `TN-${Array.from({ length: 5 }, () => String.fromCharCode(65 + Math.floor(Math.random() * 26))).join('')}`;
    const admin = await signIn(ctx.p.apiUrl, 'admin');
    await json(await admin.send('POST', '/api/catalogue/decisions', {
      kind: 'new', number: '12/QĐ-UBND', decidedOn: '2026-11-20', issuer: 'Ủy ban nhân dân thành phố Hà Nội', procedureCode, validFrom: '2026-11-20',
      content: { name: 'Cấp bản sao trích lục thử nghiệm', field: 'Hộ tịch', agencyCode: 'HNI-STP', processingDays: 2, feeAmount: 0, form: { fields: [], files: [] } },
    }), 201);
    let code = '';
    await onPage('service-declare', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'quantri.hn');
      expect(new URL(page.url()).pathname).toBe('/dich-vu');
      await accessible(page);
      await page.getByLabel('Thủ tục').selectOption(procedureCode);
      await page.getByLabel('Tên dịch vụ công trực tuyến').fill('Cấp bản sao trích lục trực tuyến');
      await page.getByRole('button', { name: 'Khai báo' }).click();
      code = `DV-${procedureCode}-HNI-STP`;
      expect(new URL(page.url()).pathname).toBe(`/dich-vu/${code}`);
      expect(await offeredSteps(page)).toEqual(['Đề nghị công khai thử nghiệm']);
      await accessible(page);
      await page.getByRole('button', { name: 'Đề nghị công khai thử nghiệm' }).click();
      expect(await page.getByRole('status').first().innerText()).toContain('Đã thực hiện: Đề nghị công khai thử nghiệm');
      expect(await page.locator('main').innerText()).toContain('Chờ duyệt công khai thử nghiệm');
      expect(await offeredSteps(page)).toEqual([]);
    });
    await onPage('service-review', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'vanhanh', `/dich-vu/${code}`);
      const offered = await offeredSteps(page);
      because('the operator is offered exactly the review steps, and stopping', () => expect(offered).toEqual(['Công khai thử nghiệm', 'Trả lại để hoàn thiện', 'Dừng cung cấp']));
      expect(await page.locator('main').innerText()).toContain('Hạn của bước hiện tại');
      await accessible(page);
      const form = page.locator('form.action', { has: page.getByRole('heading', { name: 'Trả lại để hoàn thiện' }) });
      await form.getByLabel(/^Lý do/).fill('Thiếu');
      await form.getByRole('button', { name: 'Trả lại để hoàn thiện' }).click();
      const again = page.locator('form.action', { has: page.getByRole('heading', { name: 'Trả lại để hoàn thiện' }) });
      expect(await again.getByLabel(/^Lý do/).getAttribute('aria-invalid')).toBe('true');
      expect(await again.getByLabel(/^Lý do/).inputValue()).toBe('Thiếu');
      await accessible(page);
      await again.getByLabel(/^Lý do/).fill('Thiếu mẫu tờ khai điện tử của thủ tục.');
      await again.getByRole('button', { name: 'Trả lại để hoàn thiện' }).click();
      expect(await page.locator('main').innerText()).toContain('Trả lại để hoàn thiện');
      expect(await page.locator('main').innerText()).toContain('Thiếu mẫu tờ khai điện tử của thủ tục.');
      await keepScreenshot(page, 'service-returned');
    });
  });
});
