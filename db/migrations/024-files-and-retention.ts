import { Migration } from '@mikro-orm/migrations';

/**
 * Ten years of data (issue 18). Uploaded files' contents move out of PostgreSQL into the file store
 * (services/file-store.ts): the row keeps the metadata and SHA-256, and its content is null once moved
 * (`npm run files:move` for the files uploaded before). Sent notifications keep their dedupe key and
 * times but not their recipient, subject and body past the retention period (NOTIFICATION_RETENTION_DAYS):
 * the outbox no longer keeps personal data for ever.
 */
export class Migration024FilesAndRetention extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table stored_file alter column content drop not null;
alter table notification add column redacted_at timestamptz;
create index notification_to_redact on notification (sent_at) where sent_at is not null and redacted_at is null;`);
  }
}
