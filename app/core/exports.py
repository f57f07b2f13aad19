"""Tables as files: CSV streamed as it is written, XLSX written row by row (XlsxWriter's
constant-memory mode) in a worker thread and then streamed from disk.

A table is a list of columns and an iterable of rows (mappings by column key). Money goes to
CSV as its exact text and to XLSX as a number with a two-decimal format.
"""

import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

import anyio
import xlsxwriter
from fastapi import Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import Database
from app.core.tenant import TenantId

Formato = Literal["json", "csv", "xlsx"]
FormatoQuery = Annotated[Formato, Query(description="json (default), or the file: csv or xlsx")]
Kind = Literal["text", "int", "money", "number", "ratio", "date"]
_RATIO_PREFIXES = ("proporcion", "tasa")  # float fields shown as percentages
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CHUNK = 64 * 1024
# What the OpenAPI document says a list or report answers besides its JSON.
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {200: {
    "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}},
    "description": "The JSON, or the file with ?formato=csv|xlsx"}}


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
    medidos"), typed from its annotation (a float is a percentage when its name says it is a
    share or a rate)."""
    columns = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        base = next((a for a in args if a is not type(None)), annotation) if args else annotation
        kind: Kind = ("money" if base is Decimal else "int" if base is int
                      else ("ratio" if name.startswith(_RATIO_PREFIXES) else "number")
                      if base is float else "date" if base is date else "text")
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
    if isinstance(value, datetime):  # as the JSON writes it
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _csv_writer() -> tuple[io.StringIO, Any]:
    buffer = io.StringIO()
    return buffer, csv.writer(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data


def csv_chunks(sheet: Sheet) -> Iterator[bytes]:
    """The sheet as CSV (UTF-8 with a BOM, so spreadsheet programs read the accents), in
    chunks: rows are written as they come."""
    buffer, writer = _csv_writer()
    buffer.write("\ufeff")
    writer.writerow([c.title for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow([_text(row.get(c.key)) for c in sheet.columns])
        if buffer.tell() >= _CHUNK:
            yield _drain(buffer)
    yield _drain(buffer)


def write_xlsx(path: str, sheets: Sequence[Sheet]) -> None:
    """Writes the workbook row by row: memory stays flat however many rows there are."""
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    try:
        bold = workbook.add_format({"bold": True})
        formats = _formats(workbook)
        for sheet in sheets:
            worksheet = workbook.add_worksheet(sheet.name[:31])
            _write_header(worksheet, sheet.columns, bold)
            for r, row in enumerate(sheet.rows, start=1):
                for col, column in enumerate(sheet.columns):
                    _write_cell(worksheet, r, col, row.get(column.key), column,
                                formats.get(column.kind))
    finally:
        workbook.close()


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A small workbook as bytes (an e-mail's attachment); run it in a worker thread."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(path, sheets)
        with open(path, "rb") as workbook:
            return workbook.read()
    finally:
        os.unlink(path)


def _formats(workbook: Any) -> dict[str, Any]:
    return {"money": workbook.add_format({"num_format": "#,##0.00"}),
            "number": workbook.add_format({"num_format": "0.####"}),
            "ratio": workbook.add_format({"num_format": "0.00%"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"})}


def _write_header(worksheet: Any, columns: Sequence[Column], bold: Any) -> None:
    for col, column in enumerate(columns):
        worksheet.write_string(0, col, column.title, bold)
        worksheet.set_column(col, col, max(10, min(40, len(column.title) + 2)))


def _write_cell(worksheet: Any, row: int, col: int, value: Any, column: Column,
                cell_format: Any) -> None:
    if value is None:
        return
    if column.kind in ("money", "number", "ratio", "int") \
            and isinstance(value, int | float | Decimal):
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


# --- exports of a list: the rows come from the database as they are written -------------

RowSource = Callable[[AsyncSession], AsyncIterator[Mapping[str, Any]]]
XLSX_BATCH = 1000


async def export_list(request: Request, tenant_id: TenantId, formato: Formato, name: str,
                      model: type[BaseModel], rows: RowSource) -> StreamingResponse:
    """A list endpoint's `?formato=csv|xlsx`: the list as a file named after the tenant."""
    database: Database = request.app.state.database
    return await export_response(database, tenant_id, formato, f"{tenant_id}-{name}", model,
                                 rows)


async def export_response(database: Database, tenant_id: TenantId, formato: Formato,
                          filename: str, model: type[BaseModel], rows: RowSource,
                          ) -> StreamingResponse:
    """A list as a file. The rows are read in a unit of work of their own (the request's has
    committed when the response starts) from a server-side cursor, so memory stays flat: the
    CSV is sent as it is written, the XLSX written batch by batch in a worker thread and sent
    once complete."""
    columns = columns_of(model)
    if formato == "csv":
        return StreamingResponse(_csv_export(database, tenant_id, columns, rows),
                                 media_type=CSV_MEDIA_TYPE,
                                 headers=_disposition(f"{filename}.csv"))
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        await _xlsx_export(path, database, tenant_id, filename, columns, rows)
    except BaseException:
        os.unlink(path)
        raise
    return StreamingResponse(_file_chunks(path), media_type=XLSX_MEDIA_TYPE,
                             headers=_disposition(f"{filename}.xlsx"))


async def _csv_export(database: Database, tenant_id: TenantId, columns: Sequence[Column],
                      rows: RowSource) -> AsyncIterator[bytes]:
    """The CSV's chunks, read as they are sent. (A failure once sending has started can only
    cut the file short; it is logged with the request's id like any other.)"""
    buffer, writer = _csv_writer()
    buffer.write("\ufeff")
    writer.writerow([c.title for c in columns])
    async with database.session(tenant_id, writes=False) as session:
        async for row in rows(session):
            writer.writerow([_text(row.get(c.key)) for c in columns])
            if buffer.tell() >= _CHUNK:
                yield _drain(buffer)
    yield _drain(buffer)


async def _xlsx_export(path: str, database: Database, tenant_id: TenantId, title: str,
                       columns: Sequence[Column], rows: RowSource) -> None:
    workbook = await anyio.to_thread.run_sync(
        lambda: xlsxwriter.Workbook(path, {"constant_memory": True}))
    try:
        worksheet, formats = await anyio.to_thread.run_sync(
            _start_sheet, workbook, title, columns)
        batch: list[Mapping[str, Any]] = []
        written = 1

        def flush(first_row: int, pending: list[Mapping[str, Any]]) -> None:
            for offset, row in enumerate(pending):
                for col, column in enumerate(columns):
                    _write_cell(worksheet, first_row + offset, col, row.get(column.key),
                                column, formats.get(column.kind))

        async with database.session(tenant_id, writes=False) as session:
            async for row in rows(session):
                batch.append(row)
                if len(batch) >= XLSX_BATCH:
                    await anyio.to_thread.run_sync(flush, written, batch)
                    written, batch = written + len(batch), []
        await anyio.to_thread.run_sync(flush, written, batch)
    finally:
        await anyio.to_thread.run_sync(workbook.close)


def _start_sheet(workbook: Any, title: str, columns: Sequence[Column],
                 ) -> tuple[Any, dict[str, Any]]:
    formats = _formats(workbook)
    worksheet = workbook.add_worksheet(title[:31])
    _write_header(worksheet, columns, workbook.add_format({"bold": True}))
    return worksheet, formats


async def export_to_bytes(database: Database, tenant_id: TenantId, formato: Formato,
                          title: str, model: type[BaseModel], rows: RowSource,
                          ) -> tuple[int, bytes]:
    """The file an export job keeps: its row count and its bytes (written to disk as it is
    made, in constant memory, then read once)."""
    counted = 0

    async def counting(session: AsyncSession) -> AsyncIterator[Mapping[str, Any]]:
        nonlocal counted
        async for row in rows(session):
            counted += 1
            yield row

    columns = columns_of(model)
    handle, path = tempfile.mkstemp(suffix=f".{formato}")
    os.close(handle)
    try:
        if formato == "csv":
            async with await anyio.open_file(path, "wb") as sink:
                async for chunk in _csv_export(database, tenant_id, columns, counting):
                    await sink.write(chunk)
        else:
            await _xlsx_export(path, database, tenant_id, title, columns, counting)
        async with await anyio.open_file(path, "rb") as source:
            return counted, await source.read()
    finally:
        os.unlink(path)
