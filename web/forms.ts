import type { Request } from 'express';
import type { z } from 'zod';
import { DomainError } from '../domain/errors';
import type { ProcedureForm } from '../domain/dossier/form';
import { boundedComponents, readUpload, type Components, type UploadedFile } from '../api/uploads';

/** What a refused form shows: each field's messages beside it, and the general message on top. */
export interface FormProblems {
  message: string;
  fields: Record<string, string[]>;
}

/** A refusal (DomainError with per-field details) as the page shows it; other errors are not form problems. */
export function problemsOf(e: unknown): FormProblems | null {
  if (!(e instanceof DomainError) || e.status >= 500 || e.status === 401 || e.status === 403 || e.status === 404) return null;
  const fields: Record<string, string[]> = {};
  for (const d of Array.isArray(e.details) ? (e.details as { field?: string; message?: string }[]) : []) {
    if (!d.field || !d.message) continue;
    (fields[d.field] ??= []).push(d.message);
  }
  return { message: e.message, fields };
}

/**
 * A list's filter from a page's query, its fields under Vietnamese names (`{ trang_thai: 'status' }`),
 * checked by the API's own query schema: a value it refuses leaves the list unfiltered and the page says so.
 */
export function listFilter<S extends z.ZodType>(schema: S, names: Record<string, string>, query: Record<string, unknown>): { filter: Partial<z.output<S>>; refused: boolean } {
  const given: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(names)) if (query[name] !== undefined && query[name] !== '') given[field] = query[name];
  const r = schema.safeParse(given);
  return r.success ? { filter: r.data as Partial<z.output<S>>, refused: false } : { filter: {}, refused: true };
}

/**
 * A multipart form of the portal (a submission or a supplement): text fields and each component's file.
 * A file input left empty sends an empty part without a name: it is no file.
 */
export async function readPortalUpload(req: Request, components: Promise<Components>, maxUploadBytes: number): Promise<{ fields: Record<string, string>; files: UploadedFile[] }> {
  const allowed = components.then((c) => boundedComponents(c, maxUploadBytes));
  allowed.catch(() => undefined);
  const typed: Record<string, string> = Object.create(null) as Record<string, string>;
  try {
    const upload = await readUpload(req, { components: () => allowed, maxFields: 200, maxFieldBytes: 256 * 1024, maxFiles: 20, onField: (n, v) => void (typed[n] = v) });
    return { fields: upload.fields, files: upload.files.filter((f) => !(f.originalname === '' && f.size === 0)) };
  } catch (e) {
    throw new UploadRefused(e, typed);
  }
}

/** A multipart form refused while it streamed, with the text fields that had arrived (to show them again). */
export class UploadRefused extends Error {
  constructor(readonly refusal: unknown, readonly fields: Record<string, string>) {
    super('upload refused');
  }
}

/** The electronic form's answers from the form's fields (`field.<name>`): blanks left out, numbers as numbers. */
export function formDataFrom(form: ProcedureForm, fields: Record<string, string>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const f of form.fields) {
    const raw = fields[`field.${f.name}`];
    if (raw === undefined || raw.trim() === '') continue;
    const v = raw.trim();
    data[f.name] = f.type === 'number' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  return data;
}

/** What a portal form took from the citizen's data store: `kho.<component>` selects, and the consent checkbox. */
export interface StoreChoice {
  fromStore: Record<string, string>;
  consent: boolean;
}

export function storeChoiceFrom(fields: Record<string, string>): StoreChoice {
  const fromStore: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (name.startsWith('kho.') && value) fromStore[name.slice(4)] = value;
  }
  return { fromStore, consent: fields.storeConsent === 'true' };
}
