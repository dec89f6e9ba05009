/** A rule the request broke. `code` is machine-readable; `message` is for the citizen or officer. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const forbidden = (code: string, message: string) => new DomainError(code, message, 403);
export const conflict = (code: string, message: string) => new DomainError(code, message, 409);
export const invalid = (code: string, message: string, details?: unknown) => new DomainError(code, message, 422, details);
export const notFound = (code: string, message: string) => new DomainError(code, message, 404);
