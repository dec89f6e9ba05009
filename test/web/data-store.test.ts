import { describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { because } from '../support/because';
import { accessible, keepScreenshot, openMenu, portalInBrowser, signInAs } from '../support/browser';
import { json } from '../support/http';
import { pdfsig, pdfText } from '../support/pdfsig';
import { pdfBytes, signIn } from '../support/platform';

/**
 * The citizen's data store in a real browser (issue 19): the result the agency issued is in "Kho dữ liệu",
 * downloads signed; the submission form offers it for the component that accepts it ("choose from my
 * store"), with the consent checkbox; the receiving officer's page says where the file came from and that
 * its hash matches; the citizen hides a result and deletes a kept document. Each page passes axe at 360 px.
 */
const ctx = portalInBrowser();
const onPage = (name: string, run: (page: Page) => Promise<void>) => ctx.onPage(name, run);

async function download(page: Page, linkName: RegExp): Promise<Buffer> {
  // (a signed PDF is made on request: seconds of CPU, longer while other test files run beside this one)
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByRole('link', { name: linkName }).first().click({ timeout: 60_000 })]);
  const chunks: Buffer[] = [];
  for await (const c of await d.createReadStream()) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('the data store in the portal', () => {
  let birth = '';
  let resultCode = '';
  let record = '';

  it('a result issued to the citizen is in their store and downloads signed by the agency', async () => {
    // The birth registration goes through the agency by the API (its pages are the journeys' test).
    const citizen = await signIn(ctx.p.apiUrl, 'congdan2');
    const form = new FormData();
    form.set('procedureCode', 'STP-KS');
    form.set('formData', JSON.stringify({ hoTenTre: 'Trần Gia Hân', ngaySinhTre: '2026-11-20', noiSinh: 'Bệnh viện Bạch Mai' }));
    form.set('giayChungSinh', new Blob([pdfBytes('chung-sinh')], { type: 'application/pdf' }), 'giay-chung-sinh.pdf');
    form.set('storeConsent', 'true');
    birth = (await json<{ code: string }>(await citizen.multipart('/api/dossiers', form), 201)).code;
    const act = async (who: string, body: unknown) => json<{ resultCode: string | null }>(await (await signIn(ctx.p.apiUrl, who)).send('POST', `/api/dossiers/${birth}/actions`, body), 200);
    await act('tiepnhan.hn', { type: 'accept' });
    await act('xuly.hn', { type: 'claim' });
    await act('xuly.hn', { type: 'submit_for_approval', summary: 'Hồ sơ hợp lệ' });
    await act('lanhdao.hn', { type: 'approve' });
    resultCode = (await act('trakq.hn', { type: 'issue_result', title: 'Giấy khai sinh', content: 'Trích lục khai sinh điện tử của Trần Gia Hân' })).resultCode!;

    await onPage('store-list', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'congdan2', '/kho-du-lieu');
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Kho dữ liệu điện tử của tôi');
      const card = page.locator('li.card', { has: page.getByRole('heading', { name: new RegExp(resultCode) }) });
      expect(await card.innerText()).toContain('Sở Tư pháp thành phố Hà Nội ban hành');
      expect(await page.locator('li.card', { hasText: `hồ sơ ${birth}` }).count()).toBe(2);
      await accessible(page);
      await keepScreenshot(page, 'store-1-list');
      const pdf = await download(page, new RegExp(`Tải về ${resultCode}`));
      const sig = await pdfsig(pdf);
      because(sig.raw, () => {
        expect(sig.validation).toBe('Signature is Valid.');
        expect(sig.signerCommonName).toBe('Sở Tư pháp thành phố Hà Nội');
      });
      expect(await pdfText(pdf)).toContain(resultCode);
    });
  });

  it('the submission form offers the result for the component that accepts it; the officer sees where it came from', async () => {
    await onPage('store-choose', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'congdan2', '/thu-tuc/STP-LLTP/nop');
      await page.getByLabel(/^Họ và tên/).fill('Trần Thị Bình');
      await page.getByLabel('Số định danh cá nhân').fill('079190000002');
      await page.getByLabel('Ngày sinh').fill('1991-02-03');
      await page.getByLabel('Mục đích sử dụng phiếu').fill('Xin việc');
      await page.getByLabel(/Căn cước công dân/).setInputFiles({ name: 'cccd.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdfBytes('cccd-2')) });
      const fromStore = page.locator('#c-giayKhaiSinh-kho');
      const options = await fromStore.locator('option').allInnerTexts();
      expect(options.some((o) => o.startsWith(`${resultCode}: Giấy khai sinh`))).toBe(true);
      // The birth certificate of the child is not offered for the applicant's ID card (another kind).
      expect(await page.locator('#c-cccd-kho').count()).toBe(0);
      await fromStore.selectOption({ label: options.find((o) => o.startsWith(resultCode))! });
      await page.getByLabel(/Tôi đồng ý lưu giữ/).check();
      await accessible(page);
      await keepScreenshot(page, 'store-2-choose-from-store');
      await page.getByRole('button', { name: 'Nộp hồ sơ' }).click();
      await page.waitForURL(/\/ho-so\/HNI-STP-\d{6}-\d{6}\?da-nop=1$/);
      record = /\/ho-so\/([^?]+)/.exec(page.url())![1]!;
      expect(await page.locator('#luu-kho + p').innerText()).toContain('Bạn đã đồng ý');
      // Consent can be changed until the agency accepts the dossier.
      await page.getByRole('button', { name: 'Không lưu giữ nữa' }).click();
      expect(await page.getByRole('status').first().innerText()).toContain('Không lưu giữ thành phần hồ sơ vào Kho dữ liệu');
      expect(await page.locator('#luu-kho + p').innerText()).toContain('Bạn chưa đồng ý');
      await accessible(page);
    });

    await onPage('store-officer-provenance', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'tiepnhan.hn', `/ho-so/${record}`);
      const item = page.locator('.files li', { hasText: 'Giấy khai sinh (nếu có)' });
      const text = await item.innerText();
      expect(text).toContain(`Lấy từ Kho dữ liệu của công dân: kết quả ${resultCode} của hồ sơ ${birth}, do Sở Tư pháp thành phố Hà Nội ban hành.`);
      expect(text).toContain('Mã băm khớp với bản lưu trong Kho');
      // The officer has no way into the citizen's store: the menu offers the officer's work, not the store.
      const menu = await openMenu(page);
      expect(await menu.getByRole('link', { name: 'Hồ sơ cần xử lý' }).isVisible()).toBe(true);
      expect(await menu.getByRole('link', { name: 'Kho dữ liệu' }).count()).toBe(0);
      await accessible(page);
      await keepScreenshot(page, 'store-3-officer-provenance');
    });
  });

  it('a supplement takes the result from the store on the dossier page, and the officer sees where it came from', async () => {
    const citizen = await signIn(ctx.p.apiUrl, 'congdan2');
    const form = new FormData();
    form.set('procedureCode', 'STP-LLTP');
    form.set('formData', JSON.stringify({ hoTen: 'Trần Thị Bình', soDinhDanh: '079190000002', ngaySinh: '1991-02-03', mucDich: 'Đi du học' }));
    form.set('cccd', new Blob([pdfBytes('cccd-3')], { type: 'application/pdf' }), 'cccd.pdf');
    const asked = (await json<{ code: string }>(await citizen.multipart('/api/dossiers', form), 201)).code;
    await json(await (await signIn(ctx.p.apiUrl, 'tiepnhan.hn')).send('POST', `/api/dossiers/${asked}/actions`, { type: 'request_supplement', guidance: 'Đề nghị bổ sung giấy khai sinh để đối chiếu.' }), 200);
    await onPage('store-supplement', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'congdan2', `/ho-so/${asked}`);
      const step = page.locator('form.action', { has: page.getByRole('heading', { name: 'Bổ sung hồ sơ' }) });
      const fromStore = step.locator('#c-giayKhaiSinh-kho');
      const option = (await fromStore.locator('option').allInnerTexts()).find((o) => o.startsWith(`${resultCode}: Giấy khai sinh`))!;
      expect(option).toBeTruthy();
      await fromStore.selectOption({ label: option });
      await accessible(page);
      await step.getByRole('button', { name: 'Gửi bản bổ sung' }).click();
      expect(await page.getByRole('status').first().innerText()).toContain('Đã thực hiện: Bổ sung hồ sơ');
    });
    await onPage('store-supplement-officer', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'tiepnhan.hn', `/ho-so/${asked}`);
      const item = page.locator('.files li', { hasText: 'Giấy khai sinh (nếu có)' }).first();
      expect(await item.innerText()).toContain(`Lấy từ Kho dữ liệu của công dân: kết quả ${resultCode} của hồ sơ ${birth}`);
      expect(await item.innerText()).toContain('Mã băm khớp với bản lưu trong Kho');
    });
  });

  it('the citizen hides a result and deletes a kept document; the dossier keeps its file', async () => {
    await onPage('store-manage', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'congdan2', '/kho-du-lieu');
      await page.getByRole('button', { name: `Ẩn khỏi danh sách ${resultCode}` }).click();
      expect(await page.getByRole('status').first().innerText()).toContain('Đã ẩn mục khỏi danh sách.');
      expect(await page.getByRole('heading', { name: new RegExp(resultCode) }).count()).toBe(0);
      await page.getByLabel('Hiển thị').selectOption('1');
      await page.getByRole('button', { name: 'Lọc' }).click();
      expect(await page.getByRole('heading', { name: new RegExp(resultCode) }).count()).toBe(1);
      await page.getByRole('button', { name: `Hiện lại ${resultCode}` }).click();
      expect(await page.getByRole('status').first().innerText()).toContain('Đã hiện lại');

      await page.goto(`${ctx.p.apiUrl}/kho-du-lieu?loai=document`);
      await page.getByRole('button', { name: `Xóa khỏi Kho Giấy chứng sinh của hồ sơ ${birth}` }).click();
      expect(await page.getByRole('status').first().innerText()).toContain('Đã xóa giấy tờ khỏi Kho');
      expect(await page.locator('li.card', { hasText: `hồ sơ ${birth}` }).count()).toBe(0);
      // Filtered to documents, an empty list says that kind is empty, not the store.
      if (await page.locator('li.card').count() === 0) expect(await page.locator('main').innerText()).toContain('Kho không có mục nào thuộc loại "Thành phần hồ sơ đã được tiếp nhận"');
      await accessible(page);
      await keepScreenshot(page, 'store-4-after-delete');
      // The dossier it came from still has its file.
      await page.goto(`${ctx.p.apiUrl}/ho-so/${birth}`);
      expect(await page.locator('.files li', { hasText: 'Giấy chứng sinh' }).count()).toBeGreaterThan(0);
    });
  });
});
