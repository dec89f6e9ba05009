import { Migration } from '@mikro-orm/migrations';

/**
 * What a submission carried, as a SHA-256 of its procedure, form and files: a retry with the same
 * Idempotency-Key is recognised as the same request, a different request with the key is refused.
 */
export class Migration006IdempotencyFingerprint extends Migration {
  override up(): void {
    this.addSql('alter table dossier add column idempotency_fingerprint text;');
  }
}
