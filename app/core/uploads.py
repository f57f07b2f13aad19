"""Bulk loads: a file of rows (CSV, or the first sheet of an XLSX workbook) read into dicts by
column name, and the bad rows collected as `{fila, campo, error}` so a load reports every one
of them and writes nothing.

A row's `fila` is its line in the file (the header is line 1), as a spreadsheet shows it.
"""

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import anyio
from fastapi import Request, UploadFile
from pydantic import ValidationError

from app.core.errors import PayloadTooLarge, UnprocessableEntity

MAX_REPORTED_ERRORS = 1000
_XLSX_MAGIC = b"PK\x03\x04"


async def read_upload(request: Request, archivo: UploadFile) -> bytes:
    """The uploaded file's bytes, refused with 413 past the upload limit."""
    limit: int = request.app.state.settings.max_upload_bytes
    content = await archivo.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"The file is larger than {limit} bytes.")
    return content


async def read_table(content: bytes, columns: Sequence[str],
                     optional: Sequence[str] = ()) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, comma or semicolon) or XLSX file, each a dict of stripped
    text by header name; the header must name every one of `columns`. Parsed in a worker
    thread: a file of tens of megabytes is CPU work the event loop must not wait on."""
    return await anyio.to_thread.run_sync(_read_table, content, columns, optional)


def _read_table(content: bytes, columns: Sequence[str],
                optional: Sequence[str]) -> list[dict[str, str]]:
    rows, header = (_read_xlsx(content) if content.startswith(_XLSX_MAGIC)
                    else _read_csv(content))
    missing = [c for c in columns if c not in header]
    if missing:
        extra = f" (and optionally {', '.join(optional)})" if optional else ""
        raise UnprocessableEntity(
            f"The file's header must name {', '.join(columns)}{extra}; "
            f"missing: {', '.join(missing)}.")
    if not rows:
        raise UnprocessableEntity("The file has a header but no rows.")
    return rows


def _read_csv(content: bytes) -> tuple[list[dict[str, str]], list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnprocessableEntity(
            f"The file is not UTF-8 text (byte {exc.start} cannot be decoded); save it as "
            "CSV UTF-8.") from exc
    if "\x00" in text:
        raise UnprocessableEntity("The file is not a CSV text file.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    try:
        return [{k: v.strip() if isinstance(v, str) else v for k, v in row.items()}
                for row in reader], header
    except csv.Error as exc:
        raise UnprocessableEntity(f"The file is not valid CSV: {exc}.") from exc


def _cell_text(value: Any) -> str:
    """A cell as the text a CSV would hold: whole numbers without a decimal point, dates as
    YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return str(Decimal(str(value)))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _read_xlsx(content: bytes) -> tuple[list[dict[str, str]], list[str]]:
    import openpyxl  # only an XLSX upload pays for loading it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnprocessableEntity("The file is not a readable XLSX workbook.") from exc
    try:
        sheet = workbook.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = [_cell_text(v) for v in next(lines, ())]
        rows = []
        for values in lines:
            texts = [_cell_text(v) for v in values]
            if not any(texts):
                continue  # spreadsheets keep formatted empty rows
            rows.append(dict(zip(header, texts, strict=False)))
        return rows, header
    finally:
        workbook.close()


@dataclass
class RowErrors:
    """The problems of a file's rows; `raise_if_any` turns them into one 422."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    def add(self, fila: int, campo: str, message: str) -> None:
        self.count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"fila": fila, "campo": campo, "error": message})

    def add_validation(self, fila: int, exc: ValidationError) -> None:
        """A pydantic validation error of a row: one entry per field."""
        for error in exc.errors():
            campo = ".".join(str(p) for p in error["loc"]) or "*"
            self.add(fila, campo, error["msg"])

    def raise_if_any(self, what: str = "recorded") -> None:
        if not self.count:
            return
        self.errors.sort(key=lambda e: (e["fila"], e["campo"]))
        shown = "" if self.count <= MAX_REPORTED_ERRORS else \
            f" (the first {MAX_REPORTED_ERRORS} are listed)"
        raise UnprocessableEntity(
            f"{self.count} problem(s) in the file{shown}; nothing was {what}.",
            errors=self.errors, error_count=self.count)
