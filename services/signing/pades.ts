import { createHash, createSign } from 'node:crypto';
import forge from 'node-forge';
import type { PDFDocument } from 'pdf-lib';
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { SignPdf } from '@signpdf/signpdf';
import { Signer, SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils';

const { asn1 } = forge;
const OID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';

/** The key and certificate chain of a PKCS#12 file. */
export interface SigningIdentity {
  key: forge.pki.rsa.PrivateKey;
  certificate: forge.pki.Certificate;
  chain: forge.pki.Certificate[];
  /** The signer's name as its certificate gives it (common name). */
  signerName: string;
}

export function identityFromP12(p12Der: Buffer, passphrase: string): SigningIdentity {
  const p12 = forge.pkcs12.pkcs12FromAsn1(asn1.fromDer(forge.util.createBuffer(p12Der.toString('binary'))), false, passphrase);
  const keyBag = forge.pki.oids.pkcs8ShroudedKeyBag!;
  const certBag = forge.pki.oids.certBag!;
  const key = p12.getBags({ bagType: keyBag })[keyBag]?.[0]?.key as forge.pki.rsa.PrivateKey | undefined;
  const chain = (p12.getBags({ bagType: certBag })[certBag] ?? []).map((b: forge.pkcs12.Bag) => b.cert).filter((c): c is forge.pki.Certificate => Boolean(c));
  if (!key) throw new Error('PKCS#12 file without a private key');
  const certificate = chain.find((c) => (c.publicKey as forge.pki.rsa.PublicKey).n.compareTo(key.n) === 0);
  if (!certificate) throw new Error('PKCS#12 file without the certificate of its private key');
  const signerName = forge.util.decodeUtf8(String(certificate.subject.getField('CN')?.value ?? ''));
  return { key, certificate, chain, signerName };
}

/**
 * A CAdES signature for PAdES baseline B-B (ETSI EN 319 142-1): detached CMS over the PDF's byte range,
 * SHA-256, with the content type, the message digest and the ESS signing-certificate-v2 attribute that
 * binds the signer's certificate; the signing time is the /M entry of the PDF signature dictionary.
 */
class PadesSigner extends Signer {
  constructor(private readonly id: SigningIdentity) {
    super();
  }

  override async sign(pdf: Buffer): Promise<Buffer> {
    const p7 = forge.pkcs7.createSignedData();
    p7.content = forge.util.createBuffer(pdf.toString('binary'));
    for (const c of this.id.chain) p7.addCertificate(c);
    p7.addSigner({
      key: this.id.key,
      certificate: this.id.certificate,
      digestAlgorithm: forge.pki.oids.sha256!,
      authenticatedAttributes: [{ type: forge.pki.oids.contentType!, value: forge.pki.oids.data }, { type: forge.pki.oids.messageDigest! }],
    });
    p7.sign({ detached: true });
    // node-forge writes only the attributes it knows: the signing-certificate-v2 attribute is added to the
    // signed attributes here and the signature computed again over the whole set (RFC 5652 §5.4).
    const certDer = asn1.toDer(forge.pki.certificateToAsn1(this.id.certificate)).getBytes();
    const certHash = createHash('sha256').update(Buffer.from(certDer, 'binary')).digest();
    const essAttr = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID_SIGNING_CERTIFICATE_V2).getBytes()),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [
        // SigningCertificateV2 { certs: [ ESSCertIDv2 { certHash (SHA-256, the default algorithm) } ] }
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
          asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
            asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, certHash.toString('binary'))]),
          ]),
        ]),
      ]),
    ]);
    const signer = (p7 as unknown as { signers: { authenticatedAttributesAsn1: forge.asn1.Asn1 }[]; signerInfos: forge.asn1.Asn1[] });
    const attrs = signer.signers[0]!.authenticatedAttributesAsn1;
    (attrs.value as forge.asn1.Asn1[]).push(essAttr);
    // Signed over the DER of the attributes as a SET (not the [0] IMPLICIT tag they are written with).
    const asSet = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, attrs.value as forge.asn1.Asn1[]);
    const der = Buffer.from(asn1.toDer(asSet).getBytes(), 'binary');
    const keyPem = forge.pki.privateKeyToPem(this.id.key);
    const signature = createSign('sha256').update(der).sign(keyPem);
    const info = signer.signerInfos[0]!.value as forge.asn1.Asn1[];
    const at = info.indexOf(attrs);
    const sigNode = info[at + 2]!;
    if (at < 0 || sigNode.type !== asn1.Type.OCTETSTRING) throw new Error('unexpected SignerInfo layout');
    sigNode.value = signature.toString('binary');
    // The signer's issuer exactly as its certificate encodes it (node-forge would encode a UTF-8 name again).
    const tbs = forge.pki.certificateToAsn1(this.id.certificate).value[0] as forge.asn1.Asn1;
    const [, serial, , issuer] = tbs.value as forge.asn1.Asn1[];
    info[1] = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [issuer!, serial!]);
    return Buffer.from(asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
  }
}

const signpdf = new SignPdf();

/**
 * Signs a PDF (built by pdf-lib) in PAdES: a signature field is added, the document saved once, and the
 * CMS signature over every byte but the signature itself written into it.
 */
export async function signPdf(doc: PDFDocument, id: SigningIdentity, info: { reason: string; location: string; contactInfo: string }): Promise<Buffer> {
  pdflibAddPlaceholder({ pdfDoc: doc, reason: info.reason, contactInfo: info.contactInfo, name: id.signerName, location: info.location, subFilter: SUBFILTER_ETSI_CADES_DETACHED, signatureLength: 16_384 });
  const bytes = Buffer.from(await doc.save({ useObjectStreams: false }));
  return signpdf.sign(bytes, new PadesSigner(id));
}
