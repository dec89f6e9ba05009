import { readFile } from 'node:fs/promises';
import type { PDFDocument } from 'pdf-lib';
import { localAgencyP12 } from './local-ca';
import { identityFromP12, signPdf, type SigningIdentity } from './pades';

export interface AgencySigningSettings {
  /** Where each agency's PKCS#12 file lies (`<agency code>.p12`); null: documents cannot be signed. */
  dir: string | null;
  passphrase: string;
  /** Issue missing agency certificates from a local certificate authority (development and tests). */
  localCa: boolean;
}

/** No certificate for this agency: its documents cannot be issued until one is installed. */
export class SigningUnavailable extends Error {}

/** Signs documents in the name of the issuing agency (003 §14; 004: every exchange signed). */
export class AgencySigning {
  private readonly identities = new Map<string, Promise<SigningIdentity>>();

  constructor(private readonly settings: AgencySigningSettings) {}

  private identity(agency: { code: string; name: string }): Promise<SigningIdentity> {
    let id = this.identities.get(agency.code);
    if (!id) {
      id = this.load(agency);
      // A failure is not remembered: a certificate installed later is found on the next request.
      id.catch(() => this.identities.delete(agency.code));
      this.identities.set(agency.code, id);
    }
    return id;
  }

  private async load(agency: { code: string; name: string }): Promise<SigningIdentity> {
    const { dir, passphrase, localCa } = this.settings;
    if (!dir || !/^[A-Za-z0-9_-]+$/.test(agency.code)) throw new SigningUnavailable(`no signing directory for ${agency.code}`);
    let der: Buffer;
    try {
      der = localCa ? await localAgencyP12(dir, agency, passphrase) : await readFile(`${dir}/${agency.code}.p12`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new SigningUnavailable(`no certificate for ${agency.code}`);
      throw e;
    }
    return identityFromP12(der, passphrase);
  }

  async sign(doc: PDFDocument, agency: { code: string; name: string }, reason: string, contactInfo: string): Promise<Buffer> {
    return signPdf(doc, await this.identity(agency), { reason, location: 'Việt Nam', contactInfo });
  }
}
