import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { temporalCliPath } from '../../runtime/tools';
import { Client, Connection } from '@temporalio/client';
import { because } from '../support/because';
import { PATCHES } from '../../workflows/shared';
import { SEARCH_ATTRIBUTE_KEYS } from '../../workflows/search-attributes';
import { pdfBytes, signIn, startTestPlatform, type Session } from '../support/platform';

/**
 * With payload keys configured (issue 10), the engine's histories hold no readable personal data: every
 * payload is encrypted; operators read them through the codec endpoint with its token.
 */
const CODEC_TOKEN = 'codec-token-0123456789abcdef';
const run = promisify(execFile);
let p: Awaited<ReturnType<typeof startTestPlatform>>;
let citizen: Session;
let raw: Client;

beforeAll(async () => {
  p = await startTestPlatform({ env: { TEMPORAL_PAYLOAD_KEYS: `k2026:${randomBytes(32).toString('base64')}`, TEMPORAL_CODEC_TOKEN: CODEC_TOKEN } });
  citizen = await signIn(p.apiUrl, 'congdan1');
  // A client without the keys: what someone reading the engine's database would see.
  raw = new Client({ connection: await Connection.connect({ address: p.cfg.TEMPORAL_ADDRESS }) });
});
afterAll(async () => {
  await raw?.connection.close();
  await p?.stop();
});

type RawPayload = { metadata?: Record<string, Uint8Array>; data?: Uint8Array };
function payloadsIn(node: unknown, out: RawPayload[] = []): RawPayload[] {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array) return out;
  const o = node as Record<string, unknown>;
  if (o.metadata && typeof o.metadata === 'object' && (o.data instanceof Uint8Array || o.data === undefined) && 'encoding' in (o.metadata as object)) {
    out.push(o as RawPayload);
    return out;
  }
  // Search attributes are indexed by the engine, hence plain by design: checked apart below.
  for (const [k, v] of Object.entries(o)) if (k !== 'searchAttributes') payloadsIn(v, out);
  return out;
}

describe('encrypted payloads', () => {
  it("a dossier's history holds no readable personal data; the codec endpoint reads it back for operators", async () => {
    const form = new FormData();
    form.set('procedureCode', 'STP-KS');
    form.set('formData', JSON.stringify({ hoTenTre: 'Lê Gia Hân', ngaySinhTre: '2026-10-20', noiSinh: 'Bệnh viện Phụ sản Hà Nội' }));
    form.set('giayChungSinh', new Blob([pdfBytes()]), 'gcs.pdf');
    const res = await citizen.multipart('/api/dossiers', form);
    expect(res.status).toBe(201);
    const { code } = (await res.json()) as { code: string };
    const officer = await signIn(p.apiUrl, 'tiepnhan.hn');
    for (let i = 0; i < 200 && (await officer.send('POST', `/api/dossiers/${code}/actions`, { type: 'request_supplement', guidance: 'Giấy chứng sinh của bé Lê Gia Hân bị mờ', items: ['Giấy chứng sinh'] })).status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }

    const history = await raw.workflow.getHandle(code).fetchHistory();
    const payloads = payloadsIn(history);
    expect(payloads.length).toBeGreaterThan(5);
    // Only the engine's own markers stay plain — patch markers (the names of code changes) and the bookkeeping
    // of local activities (which clock was computed or step recorded, when; its arguments and result are sealed);
    // everything of the dossier is sealed.
    const plain = payloads.filter((x) => Buffer.from(x.metadata!.encoding!).toString() !== 'binary/encrypted');
    const patchIds = Object.values(PATCHES) as string[];
    const LOCAL_ACTIVITY_META = ['seq', 'attempt', 'activity_id', 'activity_type', 'complete_time', 'backoff', 'original_schedule_time'];
    for (const x of plain) {
      const text = Buffer.from(x.data ?? []).toString('utf8');
      const meta = /"activity_type"/.test(text) ? (JSON.parse(text) as Record<string, unknown>) : null;
      if (meta) {
        because(text, () => expect(Object.keys(meta).every((k) => LOCAL_ACTIVITY_META.includes(k)) && /^(compute|record)[A-Za-z]+$/.test(String(meta.activity_type))).toBe(true));
        continue;
      }
      because(text, () => expect(text.replace(/"(id|deprecated)"|false|true/g, '').match(/"[^"]+"/g)?.every((q) => patchIds.includes(q.slice(1, -1)))).toBe(true));
    }
    expect(payloads.filter((x) => Buffer.from(x.metadata!.encoding!).toString() === 'binary/encrypted').length).toBeGreaterThan(5);
    const readable = payloads.map((x) => Buffer.from(x.data ?? []).toString('utf8')).join('\n');
    // Nothing is readable: no personal data (most of it no longer travels at all), and not even the steps.
    for (const secret of ['Lê Gia Hân', 'Nguyễn Văn An', 'Phụ sản', 'bị mờ', 'Cán bộ tiếp nhận', 'request_supplement', code]) because(secret, () => expect(readable).not.toContain(secret));

    // The search attributes hold the process's kind, agency, status, procedure and overdue level (and patch names): nothing personal.
    const indexed = history.events!.flatMap((e) => Object.entries(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}));
    expect(indexed.length).toBeGreaterThan(0);
    // (TemporalChangeVersion: the SDK's own record of the patches a process took.)
    for (const [key] of indexed) expect([...SEARCH_ATTRIBUTE_KEYS.map((k) => k.name), 'TemporalChangeVersion']).toContain(key);
    const indexedText = indexed.map(([, v]) => Buffer.from(v.data ?? []).toString('utf8')).join('\n');
    for (const secret of ['Lê Gia Hân', 'Nguyễn Văn An', 'Phụ sản', 'bị mờ', 'Cán bộ tiếp nhận', code]) because(secret, () => expect(indexedText).not.toContain(secret));

    const asJson = { payloads: payloads.map((x) => ({ metadata: Object.fromEntries(Object.entries(x.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(x.data ?? []).toString('base64') })) };
    const denied = await fetch(`${p.apiUrl}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(asJson) });
    expect(denied.status).toBe(401);
    const decoded = await fetch(`${p.apiUrl}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${CODEC_TOKEN}` }, body: JSON.stringify(asJson) });
    expect(decoded.status).toBe(200);
    const opened = ((await decoded.json()) as { payloads: { data?: string }[] }).payloads.map((x) => Buffer.from(x.data ?? '', 'base64').toString('utf8')).join('\n');
    expect(opened).toContain('"type":"request_supplement"');
    expect(opened).toContain(`"code":"${code}"`);

    // The Temporal CLI reads the same history through the endpoint, as an operator would.
    // (Asynchronously: the API answering the CLI runs in this process.)
    const cli = await run(temporalCliPath(), [
      'workflow', 'show', '--workflow-id', code, '--address', p.cfg.TEMPORAL_ADDRESS, '--output', 'json',
      '--codec-endpoint', `${p.apiUrl}/codec`, '--codec-auth', `Bearer ${CODEC_TOKEN}`,
    ], { encoding: 'utf8', timeout: 30_000 });
    const shown = [...cli.stdout.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8')).join('\n');
    expect(shown).toContain('"type":"request_supplement"');
    expect(cli.stdout).not.toContain(Buffer.from('binary/encrypted').toString('base64'));
  });
});
