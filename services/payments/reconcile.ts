import type { MikroORM } from '@mikro-orm/postgresql';
import { dayOfIsoDate, DAY_MS, localDayStart } from '../../domain/working-time';

/** What one run found: the cases opened now, the open ones no longer found, and the day's figures. */
export interface ReconciliationOutcome {
  opened: string[];
  cleared: string[];
  summary: Record<string, unknown>;
}

const LATE = `((s.debited_at at time zone 'Asia/Ho_Chi_Minh')::date + 2)::timestamp at time zone 'Asia/Ho_Chi_Minh'`;

/**
 * The three relations of 000 §34.4 for one business day, set-based in PostgreSQL (nothing of the day is
 * held in memory here): the portal's payments vs each bank's statement; the banks' successful payments
 * vs each agency's receipt list; the portal's vs the agencies'. Only the banks and agencies whose file
 * for the day is in are compared. Each mismatch is keyed (kind + the row it is about), so a run again
 * opens nothing twice and tells which open cases are no longer found.
 */
export async function reconcileDay(orm: MikroORM, day: string, now: Date, dueAt: string): Promise<ReconciliationOutcome> {
  const start = new Date(localDayStart(dayOfIsoDate(day)));
  const end = new Date(start.getTime() + DAY_MS);
  return orm.em.fork().transactional(async (tx) => {
    await tx.execute("set local work_mem = '128MB'");
    // The day's rows were just loaded (statistics not yet gathered): hash joins, never a nested loop over a million rows.
    await tx.execute('set local enable_nestloop = off');
    await tx.execute(`create temp table found (
      key text primary key, kind text, responsible text, bank_code text, agency_code text, transaction_type text, portal_payment_id text,
      bank_txn_id text, agency_receipt_id text, portal_amount bigint, bank_amount bigint, agency_amount bigint, detail text) on commit drop`);
    const portalDay = `(select id, bank_code, agency_code, transaction_type, amount_vnd, bank_txn_id from payment where status = 'paid' and paid_at >= ? and paid_at < ?)`;
    const banksIn = `(select party_code from reconciliation_file where kind = 'bank_statement' and business_day = ?)`;
    const agenciesIn = `(select party_code from reconciliation_file where kind = 'agency_receipts' and business_day = ?)`;
    const statement = `(select * from bank_statement_row where business_day = ?)`;
    const receipts = `(select * from agency_receipt_row where business_day = ?)`;

    // A bank debited the same payment twice or more.
    await tx.execute(`insert into found select 'duplicate_payment|' || bank_code || '|' || portal_payment_id, 'duplicate_payment', 'bank', bank_code, min(agency_code), min(transaction_type),
        portal_payment_id, string_agg(bank_txn_id, ' ' order by line), null, null, sum(amount_vnd), null, 'Ngân hàng ghi ' || count(*) || ' giao dịch thành công cho cùng một khoản thanh toán'
      from ${statement} s where status = 'success' group by bank_code, portal_payment_id having count(*) > 1`, [day]);
    // Portal vs bank, row by row of the statement.
    await tx.execute(`insert into found select k.key, c.kind, k.responsible, s.bank_code, s.agency_code, s.transaction_type, s.portal_payment_id, s.bank_txn_id, null,
        p.amount_vnd, s.amount_vnd, null, k.detail
      from ${statement} s left join payment p on p.id = s.portal_payment_id
      cross join lateral (select case
          when s.status = 'success' and p.id is null then 'missing_at_portal'
          when s.status = 'success' and p.status <> 'paid' then 'status_differs'
          when s.status = 'success' and p.amount_vnd <> s.amount_vnd then 'amount_differs'
          when s.status <> 'success' and p.status = 'paid' and p.bank_txn_id = s.bank_txn_id then 'status_differs'
        end as kind) c
      cross join lateral (select c.kind || '|bank|' || s.bank_code || '|' || s.bank_txn_id as key,
          case when c.kind = 'missing_at_portal' then 'portal' else 'bank' end as responsible,
          case c.kind
            when 'missing_at_portal' then 'Ngân hàng ghi nhận thanh toán thành công nhưng Cổng không có khoản thanh toán này'
            when 'amount_differs' then 'Số tiền ngân hàng ghi (' || s.amount_vnd || ') khác số tiền trên Cổng (' || p.amount_vnd || ')'
            else 'Ngân hàng ghi "' || s.status || '", Cổng ghi "' || p.status || '"' end as detail) k
      where c.kind is not null
      on conflict (key) do nothing`, [day]);
    // Money not in the beneficiary account by the end of T+1.
    await tx.execute(`insert into found select 'settled_late|' || s.bank_code || '|' || s.bank_txn_id, 'settled_late', 'bank', s.bank_code, s.agency_code, s.transaction_type, s.portal_payment_id, s.bank_txn_id, null,
        null, s.amount_vnd, null, case when s.settled_at is null then 'Chưa chuyển tiền vào tài khoản thụ hưởng sau ngày T+1' else 'Chuyển tiền vào tài khoản thụ hưởng lúc ' || to_char(s.settled_at at time zone 'Asia/Ho_Chi_Minh', 'HH24:MI DD/MM/YYYY') || ', quá ngày T+1' end
      from ${statement} s where s.status = 'success' and (s.settled_at >= ${LATE} or (s.settled_at is null and ?::timestamptz >= ${LATE}))
      on conflict (key) do nothing`, [day, now]);
    // Paid at the portal, absent from the statement of its bank (a row of another status is a status difference, above).
    await tx.execute(`insert into found select 'missing_at_bank|' || p.id, 'missing_at_bank', 'bank', p.bank_code, p.agency_code, p.transaction_type, p.id, p.bank_txn_id, null, p.amount_vnd, null, null,
        'Cổng ghi nhận đã thanh toán nhưng sao kê của ngân hàng không có giao dịch thành công'
      from ${portalDay} p where p.bank_code in ${banksIn}
        and not exists (select 1 from bank_statement_row s where s.business_day = ? and s.bank_code = p.bank_code and s.portal_payment_id = p.id)
      on conflict (key) do nothing`, [start, end, day, day]);
    // Paid (at the portal or per a bank), absent from its agency's list.
    await tx.execute(`insert into found select 'missing_at_agency|' || u.pid, 'missing_at_agency', 'agency', min(u.bank_code), min(u.agency_code), min(u.transaction_type), u.pid, min(u.txn), null,
        max(u.portal_amount), max(u.bank_amount), null, 'Đã thanh toán nhưng danh sách biên lai của cơ quan không có khoản này'
      from (select id as pid, bank_code, agency_code, transaction_type, bank_txn_id as txn, amount_vnd as portal_amount, null::bigint as bank_amount from ${portalDay} p
            union all select portal_payment_id, bank_code, agency_code, transaction_type, bank_txn_id, null, amount_vnd from ${statement} s where s.status = 'success') u
      where u.agency_code in ${agenciesIn} and not exists (select 1 from agency_receipt_row a where a.business_day = ? and a.portal_payment_id = u.pid)
      group by u.pid
      on conflict (key) do nothing`, [start, end, day, day, day]);
    // The agency's list vs the portal.
    await tx.execute(`insert into found select k.kind || '|agency|' || a.agency_code || '|' || a.agency_receipt_id, k.kind, case when k.kind = 'missing_at_portal' then 'portal' else 'agency' end,
        p.bank_code, a.agency_code, a.transaction_type, a.portal_payment_id, p.bank_txn_id, a.agency_receipt_id, p.amount_vnd, null, a.amount_vnd,
        case when k.kind = 'missing_at_portal' then 'Cơ quan ghi biên lai cho một khoản Cổng không ghi nhận đã thanh toán'
          else 'Số tiền cơ quan ghi (' || a.amount_vnd || ') khác số tiền trên Cổng (' || p.amount_vnd || ')' end
      from ${receipts} a left join payment p on p.id = a.portal_payment_id
      cross join lateral (select case when p.id is null or p.status <> 'paid' then 'missing_at_portal' when p.amount_vnd <> a.amount_vnd then 'amount_differs' end as kind) k
      where k.kind is not null
      on conflict (key) do nothing`, [day]);

    const code = `'CL-' || upper(substr(md5(f.key), 1, 12))`;
    const opened = await tx.execute<{ code: string }[]>(`insert into payment_discrepancy (code, business_day, kind, responsible, bank_code, agency_code, transaction_type, portal_payment_id, bank_txn_id,
        agency_receipt_id, portal_amount_vnd, bank_amount_vnd, agency_amount_vnd, detail, detected_at, due_at)
      select ${code}, ?, f.kind, f.responsible, f.bank_code, f.agency_code, f.transaction_type, f.portal_payment_id, f.bank_txn_id, f.agency_receipt_id,
        f.portal_amount, f.bank_amount, f.agency_amount, f.detail, ?, ? from found f
      on conflict (code) do nothing returning code`, [day, now, dueAt]);
    const cleared = await tx.execute<{ code: string }[]>(`select code from payment_discrepancy d where business_day = ? and status = 'open'
      and not exists (select 1 from found f where ${code} = d.code)`, [day]);
    const [figures] = await tx.execute<{ summary: Record<string, unknown> }[]>(`select jsonb_build_object(
        'portalPaid', (select jsonb_build_object('count', count(*), 'amountVnd', coalesce(sum(amount_vnd), 0)) from ${portalDay} p),
        'bankSuccess', (select coalesce(jsonb_object_agg(bank_code, jsonb_build_object('count', n, 'amountVnd', amt)), '{}') from (select bank_code, count(*) n, sum(amount_vnd) amt from ${statement} s where status = 'success' group by 1) b),
        'agencyRecorded', (select coalesce(jsonb_object_agg(agency_code, jsonb_build_object('count', n, 'amountVnd', amt)), '{}') from (select agency_code, count(*) n, sum(amount_vnd) amt from ${receipts} a group by 1) g),
        'filesIn', (select coalesce(jsonb_agg(jsonb_build_object('kind', kind, 'party', party_code, 'rows', row_count) order by kind, party_code), '[]') from reconciliation_file where business_day = ?),
        'found', (select coalesce(jsonb_object_agg(kind, n), '{}') from (select kind, count(*) n from found group by 1) k)) as summary`, [start, end, day, day, day]);
    await tx.execute(`insert into reconciliation_run (business_day, runs, last_run_at, summary) values (?, 1, ?, ?::jsonb)
      on conflict (business_day) do update set runs = reconciliation_run.runs + 1, last_run_at = excluded.last_run_at, summary = excluded.summary`, [day, now, JSON.stringify(figures!.summary)]);
    return { opened: opened.map((r) => r.code), cleared: cleared.map((r) => r.code), summary: figures!.summary };
  });
}
