import io

import httpx
from pypdf import PdfReader


def assert_problem(response: httpx.Response, status: int) -> dict:
    """The response is an RFC 9457 problem with this status and a useful detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"]
    assert body["detail"]
    return body


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1  # the bill and its payment slip fit on one page
    return reader.pages[0].extract_text()
