"""Schemathesis hooks for the contract test: real documents where the API detects a file's type.

The API refuses a file whose content is not one of the component's formats (it sniffs the bytes, not
the name), which no schema can say. Valid generated requests therefore carry a small real PDF in
every file part; invalid (negative) requests keep what was generated.
"""
import schemathesis

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% contract test\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    positive = meta is not None and meta.generation.mode.is_positive
    if positive and isinstance(case.body, dict) and (case.media_type or "").startswith("multipart/"):
        body = dict(case.body)
        for name, value in body.items():
            if name not in ("formData", "procedureCode") and not isinstance(value, (dict, list, int, float)):
                body[name] = PDF
        case.body = body
    return case
