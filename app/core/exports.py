"""Tables as files: CSV streamed as it is written, XLSX written row by row (XlsxWriter's
constant-memory mode) in a worker thread and then streamed from disk.

A table is a list of columns and an iterable of rows (mappings by column key). Money goes to
CSV as its exact text and to XLSX as a number with a two-decimal format.
"""

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

import anyio
import xlsxwriter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

Formato = Literal["json", "csv", "xlsx"]
Kind = Literal["text", "int", "money", "ratio", "date"]
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    kind: Kind = "text"


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str  # the XLSX sheet's name (31 characters at most)
    columns: Sequence[Column]
    rows: Iterable[Mapping[str, Any]]


def columns_of(model: type[BaseModel]) -> list[Column]:
    """A column per field of a row schema, titled from its name (`m3_medidos` → "M3
    medidos"), typed from its annotation."""
    columns = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        base = next((a for a in args if a is not type(None)), annotation) if args else annotation
        kind: Kind = ("money" if base is Decimal else "int" if base is int
                      else "ratio" if base is float else "date" if base is date else "text")
        columns.append(Column(name, field.title or name.replace("_", " ").capitalize(), kind))
    return columns


def rows_of(items: Iterable[BaseModel]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield dict(item)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def csv_chunks(sheet: Sheet) -> Iterator[bytes]:
    """The sheet as CSV (UTF-8 with a BOM, so spreadsheet programs read the accents), in
    chunks: rows are written as they come."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([c.title for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow([_text(row.get(c.key)) for c in sheet.columns])
        if buffer.tell() >= _CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def write_xlsx(path: str, sheets: Sequence[Sheet]) -> None:
    """Writes the workbook row by row: memory stays flat however many rows there are."""
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    try:
        bold = workbook.add_format({"bold": True})
        formats = {"money": workbook.add_format({"num_format": "#,##0.00"}),
                   "ratio": workbook.add_format({"num_format": "0.00%"}),
                   "date": workbook.add_format({"num_format": "yyyy-mm-dd"})}
        for sheet in sheets:
            worksheet = workbook.add_worksheet(sheet.name[:31])
            for col, column in enumerate(sheet.columns):
                worksheet.write_string(0, col, column.title, bold)
                worksheet.set_column(col, col, max(10, min(40, len(column.title) + 2)))
            for r, row in enumerate(sheet.rows, start=1):
                for col, column in enumerate(sheet.columns):
                    _write_cell(worksheet, r, col, row.get(column.key), column,
                                formats.get(column.kind))
    finally:
        workbook.close()


def _write_cell(worksheet: Any, row: int, col: int, value: Any, column: Column,
                cell_format: Any) -> None:
    if value is None:
        return
    if column.kind in ("money", "ratio", "int") and isinstance(value, int | float | Decimal):
        worksheet.write_number(row, col, float(value), cell_format)
    elif column.kind == "date" and isinstance(value, date):
        worksheet.write_datetime(row, col, datetime(value.year, value.month, value.day),
                                 cell_format)
    else:
        worksheet.write_string(row, col, _text(value))


def _disposition(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def csv_response(filename: str, sheet: Sheet) -> StreamingResponse:
    return StreamingResponse(csv_chunks(sheet), media_type=CSV_MEDIA_TYPE,
                             headers=_disposition(f"{filename}.csv"))


async def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> StreamingResponse:
    """Built in a worker thread (it is CPU work), streamed from a temporary file that is
    removed once sent."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        await anyio.to_thread.run_sync(write_xlsx, path, sheets)
    except BaseException:
        os.unlink(path)
        raise
    return StreamingResponse(_file_chunks(path), media_type=XLSX_MEDIA_TYPE,
                             headers=_disposition(f"{filename}.xlsx"))


async def _file_chunks(path: str) -> Any:
    try:
        async with await anyio.open_file(path, "rb") as source:
            while chunk := await source.read(_CHUNK):
                yield chunk
    finally:
        os.unlink(path)
