import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import forge from 'node-forge';

/**
 * The embedded default for signing keys (like the embedded database): on first use a local certificate
 * authority is created under the data directory, and one certificate per agency signed by it. A
 * production deployment gives each agency its own PKCS#12 file instead (SIGNING_KEYS_DIR).
 */
interface Ca {
  cert: forge.pki.Certificate;
  key: forge.pki.PrivateKey;
}

function keyPair(): { publicKey: forge.pki.PublicKey; privateKey: forge.pki.PrivateKey } {
  // Node's native generator (forge's own is pure JavaScript and slow), handed to forge as PEM.
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    privateKey: forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
  };
}

/** A name attribute as a UTF8String (node-forge otherwise writes a PrintableString). */
const utf8 = (name: string, value: string): forge.pki.CertificateField => ({ name, value, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class });

function certificate(subject: forge.pki.CertificateField[], publicKey: forge.pki.PublicKey, years: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial number of 16 bytes (hex of even length, the first byte's high bit clear).
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600_000);
  cert.validity.notAfter = new Date(Date.now() + years * 365 * 24 * 3600_000);
  cert.setSubject(subject);
  return cert;
}

async function loadOrCreateCa(dir: string): Promise<Ca> {
  try {
    const [certPem, keyPem] = await Promise.all([readFile(`${dir}/ca.crt`, 'utf8'), readFile(`${dir}/ca.key`, 'utf8')]);
    return { cert: forge.pki.certificateFromPem(certPem), key: forge.pki.privateKeyFromPem(keyPem) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const keys = keyPair();
  const subject = [
    utf8('commonName', 'CA cục bộ — Cổng Dịch vụ công (phát triển)'),
    utf8('organizationName', 'Cổng Dịch vụ công quốc gia (môi trường cục bộ)'),
    { name: 'countryName', value: 'VN' },
  ];
  const cert = certificate(subject, keys.publicKey, 10);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(`${dir}/ca.key`, forge.pki.privateKeyToPem(keys.privateKey), { mode: 0o600, flag: 'wx' });
  await writeFile(`${dir}/ca.crt`, forge.pki.certificateToPem(cert), { flag: 'wx' });
  return { cert, key: keys.privateKey };
}

/**
 * The agency's PKCS#12 file in `dir` (`<code>.p12`), issued by the local certificate authority when it
 * does not exist yet. The certificate names the agency (common name and organisation).
 */
export async function localAgencyP12(dir: string, agency: { code: string; name: string }, passphrase: string): Promise<Buffer> {
  const path = `${dir}/${agency.code}.p12`;
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const ca = await loadOrCreateCa(dir);
  const keys = keyPair();
  const cert = certificate(
    [
      utf8('commonName', agency.name),
      utf8('organizationName', agency.name),
      utf8('organizationalUnitName', agency.code),
      { name: 'countryName', value: 'VN' },
    ],
    keys.publicKey,
    3,
  );
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(ca.key as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const p12 = forge.pkcs12.toPkcs12Asn1(keys.privateKey as forge.pki.rsa.PrivateKey, [cert, ca.cert], passphrase, { algorithm: '3des', friendlyName: agency.code });
  const der = Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
  try {
    await writeFile(path, der, { mode: 0o600, flag: 'wx' });
    return der;
  } catch (e) {
    // Another process issued it first: theirs is the agency's certificate.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readFile(path);
    throw e;
  }
}
