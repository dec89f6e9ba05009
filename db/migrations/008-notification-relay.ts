import { Migration } from '@mikro-orm/migrations';

/**
 * The outbox relay: each message keeps when it may be tried next (back-off, or the lease of the relay
 * sending it), its attempts and last error, and when it was given up (dead letter: a permanent refusal,
 * or too many attempts). Relays find due messages by the partial index.
 */
export class Migration008NotificationRelay extends Migration {
  override up(): void {
    this.addSql('alter table notification add column next_attempt_at timestamptz not null default now();');
    this.addSql('alter table notification add column dead_at timestamptz;');
    this.addSql('drop index notification_unsent;');
    this.addSql('create index notification_due on notification (next_attempt_at) where sent_at is null and dead_at is null;');
    this.addSql('create index notification_dead on notification (dead_at) where dead_at is not null;');
  }
}
