"""DocuSign CLM source against a fake CLM v2 API on 127.0.0.1 (fake_docusign_clm.py, API_BRIEF.md §2):
JWT grant, Items/Next pagination, per-folder watermarks, 429 with X-RateLimit-Reset, resume after a failure at
the third page, attribute write-back."""

from __future__ import annotations

import datetime as dt

import pytest
from milestones.register import open_register
from milestones.sources import DocuSignCLMConfig, DocuSignCLMSource, RetryPolicy, SourceError, pull
from milestones.sources.sync import get_watermark

FAST = RetryPolicy(max_attempts=3, backoff_s=1.0, read_timeout_s=5.0, connect_timeout_s=2.0)
FOLDER_A, FOLDER_B = "f0000000-aaaa-4000-8000-000000000001", "f0000000-bbbb-4000-8000-000000000002"


def _source(fake, keys, sleeps, **kw) -> DocuSignCLMSource:
    cfg = dict(base_url=fake.base_url, folder_ids=(FOLDER_A, FOLDER_B), integration_key="ik-1", user_id="user-1",
               private_key_pem=keys[0], token_url=f"{fake.url}/oauth/token", page_size=2, policy=FAST)  # fmt: skip
    cfg.update(kw)
    return DocuSignCLMSource(DocuSignCLMConfig(**cfg), sleep=sleeps)


def _docs(fake, folder: str, n: int, day0: int = 1, prefix: str = "d") -> None:
    for i in range(n):
        fake.add_document(f"{prefix}{i:03d}-0000-4000-8000-000000000000", folder, f"Contract {prefix}{i}.pdf",
                          f"2026-10-{day0 + i:02d}T12:00:00.5Z", b"%PDF-1.4 " + f"{prefix}{i}".encode(), "application/pdf")  # fmt: skip


def _downloads(fake) -> list[str]:
    return [r["path"].rsplit("/", 1)[-1][:4] for r in fake.requests_to("GET", r"^/download/")]


def test_pull_walks_next_links_per_folder_with_a_jwt_token(docusign, rsa_keys, sleeps, warehouse, tmp_path):
    _docs(docusign, FOLDER_A, 5)
    _docs(docusign, FOLDER_B, 1, day0=20, prefix="e")
    res = pull(_source(docusign, rsa_keys, sleeps), warehouse, staging=tmp_path / "inbox")
    assert (res.listed, res.downloaded, res.pages, res.error) == (6, 6, 4, None)
    lists = docusign.requests_to("GET", r"/documents$")
    assert [r["query"].get("offset") for r in lists] == ["0", "2", "4", "0"]  # Next hrefs followed
    assert lists[0]["query"] == {"offset": "0", "limit": "2", "sortproperty": "UpdatedDate", "sortdirection": "asc"}
    assert len(docusign.requests_to("POST", "/oauth/token")) == 1
    with open_register(warehouse) as con:
        assert get_watermark(con, f"docusign_clm:updated:{FOLDER_A}") == "2026-10-05T12:00:00.500000Z"
        assert get_watermark(con, f"docusign_clm:updated:{FOLDER_B}") == "2026-10-20T12:00:00.500000Z"
    staged = sorted(p.name for p in (tmp_path / "inbox").iterdir())
    assert staged[0] == "docusign_clm-d000-0000-4000-8000-000000000000.pdf" and len(staged) == 6


def test_rate_limit_waits_until_x_ratelimit_reset(docusign, rsa_keys, sleeps, warehouse, tmp_path):
    _docs(docusign, FOLDER_A, 1)
    docusign.rate_limit_next = 1
    res = pull(_source(docusign, rsa_keys, sleeps, folder_ids=(FOLDER_A,)), warehouse, staging=tmp_path / "inbox")
    assert res.downloaded == 1
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 3.0  # the fake resets 2 s after the refusal (HTTP date)


def test_resume_after_failure_on_the_third_page_downloads_nothing_twice(docusign, rsa_keys, sleeps, warehouse, tmp_path):
    _docs(docusign, FOLDER_A, 6)
    docusign.fail_offsets[4] = 99  # the third page (offset 4) answers 503
    src = _source(docusign, rsa_keys, sleeps, folder_ids=(FOLDER_A,))
    with pytest.raises(SourceError):
        pull(src, warehouse, staging=tmp_path / "inbox")
    assert _downloads(docusign) == ["d000", "d001", "d002", "d003"]
    with open_register(warehouse) as con:
        assert get_watermark(con, f"docusign_clm:updated:{FOLDER_A}") == "2026-10-04T12:00:00.500000Z"
    docusign.fail_offsets.clear()
    res = pull(src, warehouse, staging=tmp_path / "inbox")
    # The folder listing has no updated-since filter: pages 1-2 are listed again, but only the boundary document
    # (same update time as the watermark) is considered and it is not fetched again.
    assert (res.downloaded, res.skipped) == (2, 1)
    assert _downloads(docusign) == ["d000", "d001", "d002", "d003", "d004", "d005"]


def test_write_back_sets_attributes_in_the_configured_group(docusign, rsa_keys, sleeps):
    _docs(docusign, FOLDER_A, 1)
    src = _source(docusign, rsa_keys, sleeps)
    item = src.get_items(["d000-0000-4000-8000-000000000000"])[0]
    src.write_back(item, {"expiration_date": dt.date(2027, 4, 23), "next_deadline_name": "Non-renewal notice",
                          "open_milestones": 3, "next_renewal_notice_deadline": None})  # fmt: skip
    group = docusign.documents[item.item_id]["AttributeGroups"]["Contract Milestones"]
    assert group["Expiration Date"] == {"AttributeType": "Date", "RepeatingAttribute": False, "Value": "20270423000000"}
    assert group["Open Milestones"]["Value"] == "3"
    assert group["Renewal Notice Deadline"]["Value"] == ""
    assert docusign.requests_to("PATCH", r"/documents/")[0]["path"].endswith(item.item_id)


def test_a_wrong_key_is_refused_at_the_token_endpoint(docusign, rsa_keys, sleeps, warehouse, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()  # fmt: skip
    _docs(docusign, FOLDER_A, 1)
    with pytest.raises(SourceError, match="refused the credentials"):
        pull(_source(docusign, (other, ""), sleeps), warehouse, staging=tmp_path / "inbox")
