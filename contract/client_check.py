"""A client generated from the committed document, used as an integrator would.

Run by contract/run.sh after `openapi-python-client generate`: it uses nothing but the
generated package (no hand edits, no raw HTTP), against a demo server. Each step asserts
what the user would see; the first failure stops the script with a message.

    python contract/client_check.py <base-url> <generated package name>
"""

import importlib
import io
import json
import sys
import uuid


def check(condition, what, reply=None):
    if not condition:
        answer = f" (answered {reply.status_code}: {reply.content[:500]!r})" if reply is not None else ""
        raise SystemExit(f"client check failed: {what}{answer}")
    print(f"ok  {what}")


def resident_id(birth: str, serial: str) -> str:
    """A resident ID number of district 610117 with its GB 11643 check character."""
    body = "610117" + birth.replace("-", "") + serial
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights))
    return body + "10X98765432"[total % 11]


def serial() -> str:
    """A man's sequence code (odd) no run is likely to have used, so the script can run
    against any demo database."""
    return f"{(uuid.uuid4().int % 500) * 2 + 1:03d}"


def main(base_url: str, package: str) -> None:
    client_module = importlib.import_module(package)
    api = lambda name: importlib.import_module(f"{package}.api.{name}")  # noqa: E731
    models = importlib.import_module(f"{package}.models")
    types = importlib.import_module(f"{package}.types")

    anonymous = client_module.Client(base_url=base_url)
    login = api("auth.issue_token").sync_detailed(
        client=anonymous,
        body=models.TokenRequest.from_dict(
            {"grant_type": "password", "username": "admin", "password": "admin-demo-password"}
        ),
    )
    check(login.status_code == 200, "log in with the password grant", login)
    token = login.parsed.access_token
    client = client_module.AuthenticatedClient(base_url=base_url, token=token)

    wrong = api("auth.issue_token").sync_detailed(
        client=anonymous,
        body=models.TokenRequest.from_dict(
            {"grant_type": "password", "username": "admin", "password": "not-the-password"}
        ),
    )
    check(
        wrong.status_code == 400 and wrong.parsed.error.value == "invalid_grant",
        "a wrong password is RFC 6749 invalid_grant",
    )

    town = "610117001000"
    seen, cursor, pages = 0, types.UNSET, 0
    while True:
        page = api("households.list_households").sync_detailed(
            client=client, region=town, limit=40, cursor=cursor
        )
        check(page.status_code == 200, f"page {pages + 1} of the town's households")
        seen += len(page.parsed.items)
        pages += 1
        if not page.parsed.next_cursor:
            break
        cursor = page.parsed.next_cursor
    check(seen > 0 and pages > 1, f"paged through the town to the end: {seen} households in {pages} pages")

    number = "PY-" + uuid.uuid4().hex[:10].upper()
    body = models.CreateHousehold.from_dict(
        {
            "household_number": number,
            "region_code": "610117001201",
            "phone": "13812345678",
            "address": "客户端测试组1号",
            "attribute": "general",
            "main_cause": "illness",
            "identified_year": 2016,
            "head": {
                "name": "客户端",
                "id_number": resident_id("1970-03-04", serial()),
                "sex": "male",
                "birth_date": "1970-03-04",
                "ethnicity": "汉族",
                "education": "primary",
                "schooling": "not_in_school",
                "health": "chronic_illness",
                "disability": "none",
                "labour_ability": "ordinary",
                "employment": "farming",
                "basic_medical_insurance": True,
            },
        }
    )
    key = str(uuid.uuid4())
    created = api("households.create_household").sync_detailed(client=client, body=body, idempotency_key=key)
    check(created.status_code == 201, "register a household", created)
    household_id = created.parsed.id
    replayed = api("households.create_household").sync_detailed(client=client, body=body, idempotency_key=key)
    check(
        replayed.status_code == 201 and replayed.headers.get("idempotent-replayed") == "true",
        "the same Idempotency-Key replays the registration",
    )

    read = api("households.get_household").sync_detailed(household_id, client=client)
    check(read.status_code == 200 and read.parsed.household_number == number, "read it back")
    etag = read.headers["etag"]

    not_modified = api("households.get_household").sync_detailed(household_id, client=client, if_none_match=etag)
    check(not_modified.status_code == 304, "If-None-Match with the current ETag is 304")

    change = models.UpdateHousehold.from_dict({"address": "客户端测试组2号"})
    patched = api("households.update_household").sync_detailed(household_id, client=client, body=change, if_match=etag)
    check(patched.status_code == 200 and patched.parsed.address == "客户端测试组2号", "PATCH with If-Match")

    stale = api("households.update_household").sync_detailed(household_id, client=client, body=change, if_match=etag)
    check(stale.status_code == 412, "PATCH with the old ETag is 412")

    bad = models.UpdateHousehold.from_dict({"phone": "123"})
    fresh = api("households.get_household").sync_detailed(household_id, client=client).headers["etag"]
    invalid = api("households.update_household").sync_detailed(household_id, client=client, body=bad, if_match=fresh)
    check(
        invalid.status_code == 422 and invalid.parsed.errors[0].field == "phone",
        "a bad phone number is 422 naming the field",
    )

    line = {
        "household_number": "PY-IMP-" + uuid.uuid4().hex[:8].upper(),
        "region_code": "610117001201",
        "phone": "13812345678",
        "address": "导入组1号",
        "attribute": "general",
        "main_cause": "illness",
        "identified_year": 2017,
        "members": [
            dict(
                body.to_dict()["head"],
                relation="head",
                birth_date="1968-07-08",
                id_number=resident_id("1968-07-08", serial()),
            )
        ],
    }
    upload = models.ImportUpload(
        file=types.File(
            payload=io.BytesIO((json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")),
            file_name="households.ndjson",
            mime_type="application/x-ndjson",
        )
    )
    imported = api("exchange.import_households").sync_detailed(
        client=client, body=upload, mode=models.ImportHouseholdsMode.BEST_EFFORT
    )
    check(
        imported.status_code == 200 and imported.parsed.created == 1,
        "import a small file as a multipart form",
        imported,
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
