import { describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { because } from '../support/because';
import { accessible, portalInBrowser, keepScreenshot, signInAs } from '../support/browser';
import { pdfsig, pdfText } from '../support/pdfsig';
import { pdfBytes, signIn } from '../support/platform';

/**
 * Whole journeys in a real browser (Debian's Chromium): a citizen submits a dossier through the form
 * generated from the procedure (a wrong field first, then right); the agency's officers accept it,
 * confirm the fee, ask for a supplement; the citizen supplements; the leader approves, the result is
 * issued; the citizen downloads the signed receipt and result, which pdfsig verifies. Every page passes
 * axe-core (WCAG 2.1 AA) at 360 px; every page offers exactly the steps the account may take.
 */
const ctx = portalInBrowser();
const onPage = (name: string, run: (page: Page) => Promise<void>) => ctx.onPage(name, run);

/** The steps the dossier page offers (the headings of its step forms). */
async function offeredSteps(page: Page): Promise<string[]> {
  return page.locator('form.action h3').allInnerTexts();
}

/** Opens the dossier as an officer from their work queue, and takes one step with its form. */
async function officerStep(officer: string, code: string, expected: string[], step: string, fill: Record<string, string> = {}, screenshot?: string) {
  await onPage(`step-${officer}-${step}`, async (page) => {
    await signInAs(page, ctx.p.apiUrl, officer);
    expect(new URL(page.url()).pathname).toBe('/can-bo');
    await accessible(page);
    await page.getByRole('link', { name: code }).click();
    const offered = await offeredSteps(page);
    because(`${officer} is offered exactly the steps of their role at this step`, () => expect(offered).toEqual(expected));
    await accessible(page);
    const form = page.locator('form.action', { has: page.getByRole('heading', { name: step, exact: true }) });
    for (const [label, value] of Object.entries(fill)) await form.getByLabel(label).fill(value);
    if (screenshot) await keepScreenshot(page, screenshot);
    await form.getByRole('button', { name: step }).click();
    expect(await page.getByRole('status').first().innerText()).toContain(`Đã thực hiện: ${step}`);
  });
}

async function download(page: Page, linkName: RegExp): Promise<Buffer> {
  // (a signed PDF is made on request: seconds of CPU, longer while other test files run beside this one)
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByRole('link', { name: linkName }).click({ timeout: 60_000 })]);
  const stream = await d.createReadStream();
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('journeys in the portal', () => {
  let code = '';

  it('a citizen submits a dossier: the wrong field is shown beside it with nothing typed lost, then the dossier is sent', async () => {
    await onPage('citizen-submits', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'congdan1', '/thu-tuc/STP-LLTP');
      await page.getByRole('link', { name: 'Nộp hồ sơ trực tuyến' }).click();
      await accessible(page);
      await page.getByLabel(/^Họ và tên/).fill('Nguyễn Văn An');
      await page.getByLabel('Số định danh cá nhân').fill('12345');
      await page.getByLabel('Ngày sinh').fill('1990-05-17');
      await page.getByLabel('Mục đích sử dụng phiếu').fill('Bổ sung hồ sơ xin việc');
      await page.getByLabel(/Căn cước công dân/).setInputFiles({ name: 'cccd.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdfBytes('cccd')) });
      await page.getByRole('button', { name: 'Nộp hồ sơ' }).click();

      expect(await page.getByRole('heading', { level: 2, name: 'Chưa gửi được' }).isVisible()).toBe(true);
      const idField = page.getByLabel('Số định danh cá nhân');
      expect(await idField.getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#f-soDinhDanh-loi').innerText()).toContain('không đúng định dạng');
      // What was typed is kept.
      expect(await idField.inputValue()).toBe('12345');
      expect(await page.getByLabel('Mục đích sử dụng phiếu').inputValue()).toBe('Bổ sung hồ sơ xin việc');
      expect(await page.getByLabel('Ngày sinh').inputValue()).toBe('1990-05-17');
      await accessible(page);
      await keepScreenshot(page, 'journey-1-refused-submission');

      await idField.fill('001090012345');
      await page.getByLabel(/Căn cước công dân/).setInputFiles({ name: 'cccd.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdfBytes('cccd')) });
      await page.getByRole('button', { name: 'Nộp hồ sơ' }).click();
      await page.waitForURL(/\/ho-so\/HNI-STP-\d{6}-\d{6}\?da-nop=1$/);
      code = /\/ho-so\/([^?]+)/.exec(page.url())![1]!;
      expect(await page.getByRole('status').first().innerText()).toContain(`Mã hồ sơ: ${code}`);
      expect(await offeredSteps(page)).toEqual(['Rút hồ sơ']);
      expect(await page.locator('main').innerText()).toContain('cccd.pdf');
      await accessible(page);
      await keepScreenshot(page, 'journey-2-submitted');

      await page.goto(`${ctx.p.apiUrl}/ho-so`);
      expect(await page.getByRole('link', { name: code }).isVisible()).toBe(true);
      await accessible(page);
    });
  });

  it('officers accept the dossier and confirm the fee; the processing officer asks for a supplement with guidance', async () => {
    await officerStep('tiepnhan.hn', code, ['Nhận xử lý', 'Tiếp nhận hồ sơ', 'Yêu cầu bổ sung hồ sơ', 'Từ chối tiếp nhận'], 'Tiếp nhận hồ sơ');
    await officerStep('thuphi.hn', code, ['Nhận xử lý', 'Xác nhận nộp phí'], 'Xác nhận nộp phí', { 'Số biên lai': 'BL-2026-0001' });
    await officerStep('xuly.hn', code, ['Nhận xử lý', 'Yêu cầu bổ sung hồ sơ', 'Trình lãnh đạo phê duyệt'], 'Yêu cầu bổ sung hồ sơ', {
      'Hướng dẫn bổ sung đầy đủ, một lần (ít nhất 10 ký tự)': 'Bản chụp căn cước bị mờ; vui lòng chụp lại rõ cả hai mặt.',
      'Các giấy tờ cần bổ sung (mỗi dòng một mục)': 'Căn cước công dân (bản chụp rõ)',
    }, 'journey-3-officer-dossier');
  });

  it('the citizen reads the guidance, supplements a clearer file and the same code goes on', async () => {
    await onPage('citizen-supplements', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'congdan1');
      await page.getByRole('link', { name: code }).click();
      const request = page.getByRole('region', { name: 'Yêu cầu bổ sung hồ sơ' });
      expect(await request.innerText()).toContain('Bản chụp căn cước bị mờ');
      expect(await offeredSteps(page)).toEqual(['Bổ sung hồ sơ', 'Rút hồ sơ']);
      await accessible(page);
      const form = page.locator('form.action', { has: page.getByRole('heading', { name: 'Bổ sung hồ sơ' }) });
      expect(await form.getByLabel('Số định danh cá nhân').inputValue()).toBe('001090012345');
      await form.getByLabel(/Căn cước công dân/).setInputFiles({ name: 'cccd-ro.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdfBytes('cccd rõ')) });
      await form.getByRole('button', { name: 'Gửi bản bổ sung' }).click();
      expect(await page.getByRole('status').first().innerText()).toContain('Đã thực hiện: Bổ sung hồ sơ');
      const text = await page.locator('main').innerText();
      expect(text).toContain('Phiên bản 2');
      expect(text).toContain('cccd-ro.pdf');
      expect(text).toContain('cccd.pdf');
      // Each file of each version downloads as it was sent.
      const file = await download(page, /^cccd-ro\.pdf$/);
      expect(file.toString()).toContain('cccd rõ');
      await accessible(page);
      await keepScreenshot(page, 'journey-4-supplemented');
    });
  });

  it('the leader approves, the result is issued, and the citizen downloads the signed receipt and result', async () => {
    await officerStep('xuly.hn', code, ['Nhận xử lý', 'Yêu cầu bổ sung hồ sơ', 'Trình lãnh đạo phê duyệt'], 'Trình lãnh đạo phê duyệt', { 'Tóm tắt kết quả xử lý': 'Đủ điều kiện cấp phiếu.' });
    await officerStep('lanhdao.hn', code, ['Nhận xử lý', 'Phê duyệt', 'Trả lại để xử lý lại'], 'Phê duyệt');
    await officerStep('trakq.hn', code, ['Nhận xử lý', 'Trả kết quả'], 'Trả kết quả', {
      'Tên kết quả': 'Phiếu lý lịch tư pháp số 1',
      'Nội dung kết quả': 'Ông Nguyễn Văn An không có án tích.',
    });
    await onPage('citizen-downloads', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'congdan1', `/ho-so/${code}`);
      expect(await page.locator('main').innerText()).toContain('Đã trả kết quả');
      // How fresh the page is: read now, the last step's time beside it (issue 31).
      expect(await page.locator('section[aria-labelledby="lich-su"]').innerText()).toMatch(/Thông tin tính đến .+; bước gần nhất được ghi nhận lúc .+\./);
      expect(await offeredSteps(page)).toEqual([]);
      await accessible(page);
      await keepScreenshot(page, 'journey-5-result');
      // The result comes right after the dossier's facts, above fees, the data store and the history.
      const resultTop = (await page.getByRole('link', { name: /^Kết quả .*-KQ1/ }).boundingBox())!.y;
      const later = (await page.locator('main h2').evaluateAll((hs) => hs.map((h) => [h.textContent, h.getBoundingClientRect().y] as const))).filter(([t]) => t !== 'Giấy tờ và kết quả');
      expect(later.length).toBeGreaterThan(1);
      for (const [title, y] of later) because(`${title} below the result`, () => expect(y).toBeGreaterThan(resultTop));
      for (const [link, what] of [[/^Giấy tiếp nhận hồ sơ/, 'receipt'], [/^Kết quả .*-KQ1/, 'result']] as const) {
        const pdf = await download(page, link);
        const sig = await pdfsig(pdf);
        because(`${what}: ${sig.raw}`, () => {
          expect(sig.validation).toBe('Signature is Valid.');
          expect(sig.wholeDocument).toBe(true);
          expect(sig.signerCommonName).toBe('Sở Tư pháp thành phố Hà Nội');
          expect(sig.signatureType).toBe('ETSI.CAdES.detached');
        });
        // One byte changed after signing: the signature says so.
        const tampered = Buffer.from(pdf);
        tampered[300] = tampered[300]! ^ 0x01;
        expect((await pdfsig(tampered)).validation).not.toBe('Signature is Valid.');
      }
    });
  });

  it('a revoked result says so in the signed document; the leader sees the revoke form, the citizen does not', async () => {
    await onPage('leader-revokes', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'lanhdao.hn', `/ho-so/${code}`);
      await page.getByLabel(`Lý do thu hồi kết quả ${code}-KQ1`).fill('ngắn');
      await page.getByRole('button', { name: 'Thu hồi kết quả' }).click();
      expect(await page.locator('main').innerText()).toContain('Lý do thu hồi cần ít nhất 10 ký tự.');
      await accessible(page);
      await page.getByLabel(`Lý do thu hồi kết quả ${code}-KQ1`).fill('Cấp nhầm thông tin nhân thân.');
      await page.getByRole('button', { name: 'Thu hồi kết quả' }).click();
      expect(await page.locator('main').innerText()).toContain('Đã thu hồi');
      const pdf = await download(page, /^Kết quả .*-KQ1/);
      expect((await pdfsig(pdf)).validation).toBe('Signature is Valid.');
      // The notice is text of the document (the embedded font maps its glyphs back to Unicode).
      const text = (await pdfText(pdf)).replace(/\s+/g, ' ');
      expect(text).toContain('ĐÃ BỊ THU HỒI');
      expect(text).toContain('Cấp nhầm thông tin nhân thân.');
      // Who am I, then switching accounts (the provider asks for the credentials again despite single sign-on).
      await page.getByRole('link', { name: /^Tài khoản:/ }).click();
      expect(await page.locator('main').innerText()).toContain('Lãnh đạo đơn vị');
      expect(await page.locator('main').innerText()).toContain('Sở Tư pháp thành phố Hà Nội');
      await accessible(page);
      await page.getByRole('link', { name: 'Đăng nhập tài khoản khác' }).click();
      await page.getByLabel('Tên đăng nhập').fill('congdan1');
      await page.getByLabel('Mật khẩu').fill('demo');
      await page.getByRole('button', { name: 'Đăng nhập' }).click();
      await page.waitForURL(/\/ho-so$/);
      await page.getByRole('link', { name: code }).click();
      expect(await page.getByRole('button', { name: 'Thu hồi kết quả' }).count()).toBe(0);
      expect(await page.locator('main').innerText()).toContain('Đã thu hồi');
    });
  });
});

describe('withdrawing', () => {
  it('a citizen withdraws a dossier with a reason; it then offers no step', async () => {
    const citizen = await signIn(ctx.p.apiUrl, 'congdan2');
    const form = new FormData();
    form.set('procedureCode', 'STP-KS');
    form.set('formData', JSON.stringify({ hoTenTre: 'Trần Minh Châu', ngaySinhTre: '2026-10-02', noiSinh: 'Bệnh viện Từ Dũ' }));
    form.set('giayChungSinh', new Blob([pdfBytes()]), 'gcs.pdf');
    const { code } = (await (await citizen.multipart('/api/dossiers', form)).json()) as { code: string };
    await onPage('citizen-withdraws', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'congdan2', `/ho-so/${code}`);
      expect(await offeredSteps(page)).toEqual(['Rút hồ sơ']);
      await page.getByRole('button', { name: 'Rút hồ sơ' }).click();
      // No reason: refused beside the field, nothing changed.
      expect(await page.getByLabel('Lý do rút hồ sơ').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('main').innerText()).toContain('Chờ tiếp nhận');
      await accessible(page);
      await page.getByLabel('Lý do rút hồ sơ').fill('Gia đình đăng ký tại nơi cư trú khác.');
      await page.getByRole('button', { name: 'Rút hồ sơ' }).click();
      expect(await page.getByRole('status').first().innerText()).toContain('Đã thực hiện: Rút hồ sơ');
      expect(await page.locator('main').innerText()).toContain('Đã rút hồ sơ');
      expect(await offeredSteps(page)).toEqual([]);
    });
  });
});

describe('signing out', () => {
  it('the account page signs out: the next page asks to sign in', async () => {
    await onPage('sign-out', async (page) => {
      await signInAs(page, ctx.p.apiUrl, 'congdan2');
      await page.goto(`${ctx.p.apiUrl}/tai-khoan`);
      expect(await page.locator('main').innerText()).toContain('Công dân');
      await page.getByRole('button', { name: 'Đăng xuất' }).click();
      await page.waitForURL(`${ctx.p.apiUrl}/`);
      expect(await page.getByRole('link', { name: 'Đăng nhập' }).isVisible()).toBe(true);
      const res = await page.request.get(`${ctx.p.apiUrl}/ho-so`, { maxRedirects: 0 });
      expect(res.status()).toBe(303);
      expect(res.headers().location).toBe('/auth/login?next=%2Fho-so');
    });
  });
});
