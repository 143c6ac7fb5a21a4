"""Schemathesis hooks for Fupin's contract run (`schemathesis.toml` loads this file).

Only what the OpenAPI document cannot say lives here; each hook says why it is needed.
Everything a schema can state is stated in the document instead.
"""

import json
import re
import uuid
from datetime import date

import schemathesis

# A cursor of the documented shape that the server did not issue fails its MAC and is a 400
# (`invalid_cursor`), rightly: a schema cannot hold a secret. A shaped cursor is only drawn for
# data meant to be valid, so it is dropped; cursors of the wrong shape (negative data) stay.
CURSOR = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}$")
CURSOR_PARAMETERS = ("cursor", "after")

# Request dates that record paper (a meeting, a payment) may not lie in the future, and income
# years run to this year: bounds relative to today, which JSON Schema cannot express.
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _whole_floats_to_ints(value):
    """OAS 3.1.0 (4.2 Data Types) defines `integer` as "a JSON number without a fraction or
    exponent part"; Fupin parses integers strictly (`2040.0` is a 422 `invalid_type`), while
    schemathesis, following JSON Schema 2020-12, also draws `2040.0` for `type: integer`."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_whole_floats_to_ints(v) for v in value]
    if isinstance(value, dict):
        return {k: _whole_floats_to_ints(v) for k, v in value.items()}
    return value


def _is_future(text, today):
    try:
        return date.fromisoformat(text) > today
    except ValueError:  # not a real date: negative data, kept as drawn
        return False


def _no_future_dates(value, today):
    if isinstance(value, str) and ISO_DATE.match(value) and _is_future(value, today):
        return today.isoformat()
    if isinstance(value, list):
        return [_no_future_dates(v, today) for v in value]
    if isinstance(value, dict):
        return {k: _no_future_dates(v, today) for k, v in value.items()}
    return value


# The documented If-Match shape. schemathesis 4.32's coverage phase (scenario "All required
# properties and optional ...") sends `0` for an optional header whatever its pattern and counts
# the case as valid; the server rightly answers 400 to a value that is not an ETag.
IF_MATCH = re.compile(r'^(W/)?"[0-9]+"$')


def _header_mode(case):
    meta = getattr(case, "meta", None)
    for location, info in (getattr(meta, "components", None) or {}).items():
        if getattr(location, "value", location) == "header":
            return getattr(info.mode, "value", info.mode)
    return None


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    today = date.today()
    # A case-insensitive mapping, not a dict; None when the case has no headers.
    headers = case.headers if case.headers is not None else {}
    if _header_mode(case) != "negative":
        if "If-Match" in headers and not IF_MATCH.match(str(headers["If-Match"])):
            headers["If-Match"] = '"0"'
    if "Idempotency-Key" in headers and re.match(r"^[!-~]{1,200}$", str(headers["Idempotency-Key"])):
        # A key names one request: the same key with another body is a 422
        # `idempotency_key_reused`, by design. schemathesis draws few distinct keys and reuses
        # them across bodies, so each well-formed key is made fresh.
        headers["Idempotency-Key"] = str(uuid.uuid4())
    if isinstance(case.body, (dict, list)):
        case.body = _no_future_dates(_whole_floats_to_ints(case.body), today)
    if isinstance(case.query, dict):
        for name in CURSOR_PARAMETERS:
            value = case.query.get(name)
            if isinstance(value, str) and CURSOR.match(value):
                del case.query[name]
    if isinstance(case.path_parameters, dict):
        year = case.path_parameters.get("year")
        if isinstance(year, int) and year > today.year + 1:
            # Incomes run to this year, poverty lines to next year.
            case.path_parameters["year"] = today.year
        elif isinstance(year, int) and year > today.year and "incomes" in case.operation.path:
            case.path_parameters["year"] = today.year


# POST /api/v1/imports/households takes application/x-ndjson (one ImportHousehold a line);
# schemathesis has no serializer for it and would report "Serialization not possible".
@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if value is None:
        return None
    rows = value if isinstance(value, list) else [value]
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
