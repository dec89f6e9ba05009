import { Migration } from '@mikro-orm/migrations';

/**
 * Hot queries that scanned whole tables: the system administrators (`'system_admin' = any(roles)`
 * cannot use the agency roles index, which leaves out accounts without an agency) and a feedback's
 * queued messages by key prefix (`dedupe_key like 'feedback:X:%'` needs pattern ordering).
 */
export class Migration010IndexFriendly extends Migration {
  override up(): void {
    this.addSql("create index account_system_admins on account (id) where 'system_admin' = any(roles) and locked_at is null;");
    this.addSql('create index notification_dedupe_prefix on notification (dedupe_key text_pattern_ops);');
  }
}
