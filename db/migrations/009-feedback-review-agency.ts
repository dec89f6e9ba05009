import { Migration } from '@mikro-orm/migrations';

/**
 * The agency that reviews a feedback answer before publication (000 §45.2): the receiving agency,
 * which after a transfer or an escalation is not the agency processing it. Its leaders find the answer
 * in their queue by it.
 */
export class Migration009FeedbackReviewAgency extends Migration {
  override up(): void {
    this.addSql('alter table feedback add column review_agency_code text references agency(code);');
    this.addSql('update feedback set review_agency_code = origin_agency_code;');
    this.addSql("create index feedback_review_queue on feedback (review_agency_code, received_at) where status = 'under_review';");
  }
}
