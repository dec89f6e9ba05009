import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';

/** What poppler's pdfsig says of a PDF's first signature. */
export interface PdfSignature {
  signerCommonName: string;
  signatureType: string;
  validation: string;
  /** "Total document signed": nothing was added or changed after signing. */
  wholeDocument: boolean;
  raw: string;
}

export async function pdfsig(pdf: Buffer | Uint8Array): Promise<PdfSignature> {
  const dir = await mkdtemp(`${tmpdir()}/pdfsig-`);
  try {
    await writeFile(`${dir}/doc.pdf`, pdf);
    const out = await promisify(execFile)('pdfsig', [`${dir}/doc.pdf`]).then(
      (r) => r.stdout,
      // pdfsig exits non-zero when a signature does not verify; its report is still the answer.
      (e: { stdout?: string }) => e.stdout ?? '',
    );
    const field = (name: string) => new RegExp(`- ${name}: (.*)`).exec(out)?.[1]?.trim() ?? '';
    return {
      signerCommonName: field('Signer Certificate Common Name'),
      signatureType: field('Signature Type'),
      validation: field('Signature Validation'),
      wholeDocument: out.includes('Total document signed'),
      raw: out,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The text of a PDF as poppler's pdftotext extracts it (what a reader copies, or a screen reader speaks). */
export async function pdfText(pdf: Buffer | Uint8Array): Promise<string> {
  const dir = await mkdtemp(`${tmpdir()}/pdftext-`);
  try {
    await writeFile(`${dir}/doc.pdf`, pdf);
    return (await promisify(execFile)('pdftotext', ['-enc', 'UTF-8', `${dir}/doc.pdf`, '-'])).stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
