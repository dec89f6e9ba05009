"""Schemathesis hooks for the contract test: what no schema can say, made true in valid requests.

A report period ends on or after its start (valid requests ask for one day). A daily reconciliation file must have its header row: valid requests carry one with no rows.
The API refuses a file whose content is not one of the component's formats (it sniffs the bytes, not
the name): valid generated requests carry a small real PDF in every file part. Planned maintenance is
announced at least 5 working days ahead and ends after it starts: valid notices start in 30 days. A complex
support request's expected completion lies ahead: valid ones are 3 days away. A form field in a
publication decision must be satisfiable — its `pattern` a JavaScript regular expression that fits its
length, `min` ≤ `max`, the earliest date before the latest: valid requests carry such fields. Invalid
(negative) requests keep what was generated.
"""
from datetime import datetime, timedelta, timezone

import schemathesis

AGENCY_CSV = b"agency_receipt_id,portal_payment_id,agency_code,transaction_type,amount_vnd,received_at\n"
BANK_CSV = b"bank_txn_id,portal_payment_id,agency_code,transaction_type,amount_vnd,status,debited_at,settled_at\n"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% contract test\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    # Valid in every part: a case whose body (or any part) was made invalid on purpose is left as it is.
    positive = meta is not None and meta.generation.mode.is_positive and not any(c.mode.is_negative for c in (getattr(meta, "components", None) or {}).values())
    path = getattr(case, "path", "") or ""
    if positive and "/reconciliation/discrepancies" in path and isinstance(case.query, dict) and "from" in case.query and "to" in case.query:
        # A report's period ends on or after its start and spans at most a year: the one-day period.
        case.query = {**case.query, "to": case.query["from"]}
    if positive and isinstance(case.body, dict) and path == "/api/maintenance":
        # A planned notice: a month ahead, an hour long; an emergency with its reason.
        start = datetime.now(timezone.utc) + timedelta(days=30)
        case.body = {**case.body, "startsAt": start.isoformat(), "endsAt": (start + timedelta(hours=1)).isoformat()}
        if case.body.get("emergency") and "emergencyReason" not in case.body:
            case.body["emergencyReason"] = "Khắc phục sự cố khẩn cấp"
    if positive and isinstance(case.body, dict) and "/support-requests/" in path and case.body.get("type") in ("classify", "revise"):
        # A complex request's expected completion lies ahead (and is required).
        if case.body.get("type") == "revise" or case.body.get("complexity") == "complex":
            case.body = {**case.body, "expectedAt": (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()}
    if positive and isinstance(case.body, dict) and "/reconciliation/" in path and (case.media_type or "").startswith("multipart/"):
        # A daily reconciliation file: a valid one (its header row; no transactions that day).
        case.body = {"file": AGENCY_CSV if "/receipts/" in path else BANK_CSV}
        return case
    if positive and isinstance(case.body, dict) and (case.media_type or "").startswith("multipart/"):
        body = dict(case.body)
        for name, value in body.items():
            if name not in ("formData", "procedureCode") and not isinstance(value, (dict, list, int, float)):
                body[name] = PDF
        case.body = body
    if positive and isinstance(case.body, dict) and isinstance(case.body.get("content"), dict):
        form = case.body["content"].get("form")
        if isinstance(form, dict) and isinstance(form.get("fields"), list):
            for field in form["fields"]:
                if not isinstance(field, dict):
                    continue
                if "pattern" in field:
                    if field.get("type") == "text":
                        field["pattern"] = "^\\d{12}$"
                        field.pop("maxLength", None)
                    else:
                        del field["pattern"]
                if isinstance(field.get("min"), (int, float)) and isinstance(field.get("max"), (int, float)) and field["min"] > field["max"]:
                    field["min"], field["max"] = field["max"], field["min"]
                if "minDate" in field and "maxDate" in field:
                    del field["maxDate"]
    return case
