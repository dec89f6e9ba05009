import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

const require = createRequire(import.meta.url);
/** DejaVu Sans covers Vietnamese; embedded (subset) so that every reader shows the same letters. */
const FONTS = {
  regular: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
  bold: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
};

/** What an issued document says, top to bottom. */
export interface DocumentContent {
  /** The issuer's heading lines (agency), and the national motto beside it. */
  issuer: string;
  title: string;
  /** Label–value facts. */
  facts: [string, string][];
  /** Paragraphs after the facts. */
  paragraphs?: { heading?: string; text: string }[];
  /** A notice across the top in red (a revoked result). */
  notice?: string;
  footer: string;
  /** Document metadata. */
  subject: string;
  keywords: string[];
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 56;

/** Lays the content out on A4 pages (text wrapped to the width), ready to be signed. */
export async function buildPdf(c: DocumentContent): Promise<PDFDocument> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const regular = await doc.embedFont(FONTS.regular, { subset: true });
  const bold = await doc.embedFont(FONTS.bold, { subset: true });
  doc.setTitle(c.title, { showInWindowTitleBar: true });
  doc.setSubject(c.subject);
  doc.setAuthor(c.issuer);
  doc.setKeywords(c.keywords);
  doc.setLanguage('vi-VN');
  doc.setProducer('Cổng Dịch vụ công quốc gia');
  doc.setCreator('Cổng Dịch vụ công quốc gia');

  let page: PDFPage = doc.addPage(A4);
  let y = A4[1] - MARGIN;
  const width = A4[0] - 2 * MARGIN;
  const line = (text: string, font: PDFFont, size: number, opts: { x?: number; color?: [number, number, number]; center?: boolean; maxWidth?: number } = {}) => {
    for (const l of wrap(text, font, size, opts.maxWidth ?? width)) {
      if (y < MARGIN + size) {
        page = doc.addPage(A4);
        y = A4[1] - MARGIN;
      }
      const w = font.widthOfTextAtSize(l, size);
      const x = opts.center ? (A4[0] - w) / 2 : MARGIN + (opts.x ?? 0);
      page.drawText(l, { x, y, size, font, color: rgb(...(opts.color ?? [0.1, 0.1, 0.1])) });
      y -= size * 1.45;
    }
  };

  line('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', bold, 11, { center: true });
  line('Độc lập - Tự do - Hạnh phúc', bold, 11, { center: true });
  y -= 6;
  line(c.issuer, bold, 11, { center: true });
  y -= 14;
  if (c.notice) {
    line(c.notice, bold, 13, { center: true, color: [0.7, 0.04, 0.04] });
    y -= 8;
  }
  line(c.title.toUpperCase(), bold, 14, { center: true });
  y -= 12;
  for (const [label, value] of c.facts) {
    const top = y;
    line(`${label}:`, bold, 10.5, { maxWidth: 170 });
    const after = y;
    y = top;
    line(value || '—', regular, 10.5, { x: 175, maxWidth: width - 175 });
    y = Math.min(y, after) - 3;
  }
  for (const p of c.paragraphs ?? []) {
    y -= 8;
    if (p.heading) line(p.heading, bold, 11);
    for (const para of p.text.split(/\r?\n/)) line(para, regular, 10.5);
  }
  y -= 16;
  line(c.footer, regular, 9, { color: [0.3, 0.3, 0.3] });
  return doc;
}

/** Splits text into lines no wider than maxWidth (long words are cut). */
function wrap(text: string, font: PDFFont, size: number, maxWidth: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = current ? `${current} ${word}` : word;
    if (font.widthOfTextAtSize(candidate, size) <= maxWidth) {
      current = candidate;
      continue;
    }
    if (current) lines.push(current);
    current = word;
    while (font.widthOfTextAtSize(current, size) > maxWidth && current.length > 1) {
      let cut = current.length - 1;
      while (cut > 1 && font.widthOfTextAtSize(current.slice(0, cut), size) > maxWidth) cut--;
      lines.push(current.slice(0, cut));
      current = current.slice(cut);
    }
  }
  if (current || lines.length === 0) lines.push(current);
  return lines;
}
