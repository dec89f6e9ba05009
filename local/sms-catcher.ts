import express from 'express';
import { createServer, type Server } from 'node:http';

export interface CaughtSms {
  id: number;
  to: string;
  text: string;
  idempotencyKey: string;
  receivedAt: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A local SMS gateway that keeps what it receives, with the same API as HttpSmsGateway expects:
 * POST /messages (bearer key, Idempotency-Key: a repeated key is accepted and not stored twice),
 * GET /messages (JSON), GET / (an inbox page).
 */
export async function startSmsCatcher(opts: { port: number; host?: string; apiKey: string }) {
  const messages: CaughtSms[] = [];
  const app = express();
  app.post('/messages', express.json(), (req, res) => {
    if (req.headers.authorization !== `Bearer ${opts.apiKey}`) return void res.status(401).json({ error: 'unauthorized' });
    const key = String(req.headers['idempotency-key'] ?? '');
    const { to, text } = (req.body ?? {}) as { to?: unknown; text?: unknown };
    if (!key || typeof to !== 'string' || !/^\+?\d{9,15}$/.test(to) || typeof text !== 'string' || text.length === 0) {
      return void res.status(400).json({ error: 'to, text and Idempotency-Key are required' });
    }
    const existing = messages.find((m) => m.idempotencyKey === key);
    if (existing) return void res.status(200).json({ id: existing.id, duplicate: true });
    const m = { id: messages.length + 1, to, text, idempotencyKey: key, receivedAt: new Date().toISOString() };
    messages.push(m);
    res.status(201).json({ id: m.id });
  });
  app.get('/messages', (_req, res) => void res.json(messages));
  app.get('/', (_req, res) =>
    void res.type('html').send(`<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Hộp tin SMS (cục bộ)</title></head><body style="font-family:sans-serif">
<h1>Tin nhắn SMS đã gửi (${messages.length})</h1><ul>${messages.slice().reverse().map((m) => `<li><b>${esc(m.to)}</b> ${esc(m.receivedAt)}<br>${esc(m.text)}</li>`).join('')}</ul></body></html>`),
  );
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host ?? '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
