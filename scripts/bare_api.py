"""The baseline of scripts/bench_api.py: a bare FastAPI app with a psycopg pool that answers the
benchmarked portal and staff reads with the same SQL round trips as the service (BEGIN, the
tenant's set_config, the caller's user row, the count and the page, COMMIT) and serializes the
same fields, with none of the service's layers. Not part of the product.

    python scripts/bare_api.py --dsn postgresql://... --port 8001 --secret KEY
"""

import argparse
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import uvicorn
from fastapi import FastAPI, Header, HTTPException, Request, Response
from jose import jwt
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

FACTURA = ("id, numero, cliente_id, periodo, fecha_expedicion, fecha_limite_pago, "
           "fecha_suspension, consumo_m3, consumo_estimado, total, valor_pagado, "
           "valor_en_reclamo, valor_acreditado, estado, referencia_pago, valor_trasladado")
FACTURA_F = ", ".join(f"f.{column}" for column in FACTURA.split(", "))
CLIENTE = ("id, numero_cuenta, nombre, direccion, telefono, correo, estrato, uso, "
           "servicio_acueducto, servicio_alcantarillado, medidor_serial, medidor_digitos, "
           "estado, created_at, updated_at")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (date, datetime, UUID)):
        return str(value)
    raise TypeError(type(value))


def _json(body: Any) -> Response:
    return Response(json.dumps(body, default=_default), media_type="application/json")


def _resumen(row: dict[str, Any]) -> dict[str, Any]:
    saldo = (row["total"] - row["valor_pagado"] - row.pop("valor_trasladado")
             - row["valor_acreditado"] - row["valor_en_reclamo"])
    return row | {"saldo": saldo}


def create(dsn: str, secret: str) -> FastAPI:
    pool = AsyncConnectionPool(dsn, min_size=4, max_size=20, open=False,
                               kwargs={"row_factory": dict_row})
    app = FastAPI(on_startup=[pool.open], on_shutdown=[pool.close])

    async def session(request: Request, tenant: str, authorization: str):
        claims = jwt.decode(authorization.removeprefix("Bearer "), secret,
                            algorithms=["HS256"])
        if claims["tid"] != tenant:
            raise HTTPException(403)
        connection = await pool.getconn()
        await connection.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant,))
        user = await (await connection.execute(
            "SELECT id, role, activo, cliente_id FROM users WHERE tenant_id = %s AND id = %s",
            (tenant, claims["sub"]))).fetchone()
        if user is None or not user["activo"]:
            raise HTTPException(401)
        return connection, user

    async def finish(connection) -> None:
        await connection.commit()
        await pool.putconn(connection)

    @app.get("/api/facturas")
    async def facturas(request: Request, limit: int = 50, offset: int = 0,
                       x_tenant_id: str = Header(), authorization: str = Header()):
        connection, user = await session(request, x_tenant_id, authorization)
        where = ("tenant_id = %s AND cliente_id = %s", (x_tenant_id, user["cliente_id"]))
        total = (await (await connection.execute(
            f"SELECT count(*) AS n FROM facturas WHERE {where[0]}", where[1])).fetchone())["n"]
        rows = await (await connection.execute(
            f"SELECT {FACTURA} FROM facturas WHERE {where[0]} ORDER BY numero DESC "
            "LIMIT %s OFFSET %s", (*where[1], limit, offset))).fetchall()
        await finish(connection)
        return _json({"items": [_resumen(r) for r in rows], "total": total, "limit": limit,
                      "offset": offset})

    @app.get("/api/facturas/{factura_id}")
    async def factura(factura_id: UUID, request: Request, x_tenant_id: str = Header(),
                      authorization: str = Header()):
        connection, user = await session(request, x_tenant_id, authorization)
        row = await (await connection.execute(
            f"SELECT {FACTURA_F}, f.lectura_anterior, f.lectura_actual, f.promedio_m3, "
            "f.saldo_anterior, f.intereses_mora, f.trasladada_a_id, f.anulada_motivo, "
            "f.anulada_at, c.numero_cuenta, c.nombre FROM facturas f JOIN clientes c "
            "ON c.tenant_id = f.tenant_id AND c.id = f.cliente_id "
            "WHERE f.tenant_id = %s AND f.id = %s", (x_tenant_id, factura_id))).fetchone()
        if row is None or row["cliente_id"] != user["cliente_id"]:
            raise HTTPException(404)
        lineas = await (await connection.execute(
            "SELECT orden, servicio, concepto, cantidad_m3, valor_unitario, factor, valor "
            "FROM factura_lineas WHERE tenant_id = %s AND factura_id = %s ORDER BY orden",
            (x_tenant_id, factura_id))).fetchall()
        await finish(connection)
        return _json(_resumen(row) | {"lineas": lineas})

    @app.get("/api/clientes/{cliente_id}/estado-cuenta")
    async def estado_cuenta(cliente_id: UUID, request: Request, x_tenant_id: str = Header(),
                            authorization: str = Header()):
        connection, user = await session(request, x_tenant_id, authorization)
        if user["cliente_id"] != cliente_id:
            raise HTTPException(404)
        cliente = await (await connection.execute(
            "SELECT id, numero_cuenta, nombre FROM clientes WHERE tenant_id = %s AND id = %s",
            (x_tenant_id, cliente_id))).fetchone()
        rows = await (await connection.execute(
            f"SELECT {FACTURA} FROM facturas WHERE tenant_id = %s AND cliente_id = %s "
            "ORDER BY numero DESC", (x_tenant_id, cliente_id))).fetchall()
        pagos = await (await connection.execute(
            "SELECT p.id, p.factura_id, p.valor, p.fecha, p.canal, p.referencia, p.estado, "
            "p.reversado_motivo, p.reversado_at, p.created_at FROM pagos p JOIN facturas f "
            "ON f.tenant_id = p.tenant_id AND f.id = p.factura_id "
            "WHERE p.tenant_id = %s AND f.cliente_id = %s ORDER BY p.fecha DESC, "
            "p.created_at DESC", (x_tenant_id, cliente_id))).fetchall()
        await finish(connection)
        facturas = [_resumen(r) for r in rows]
        return _json({"cliente_id": cliente["id"], "numero_cuenta": cliente["numero_cuenta"],
                      "nombre": cliente["nombre"],
                      "saldo": sum((f["saldo"] for f in facturas), Decimal(0)),
                      "en_reclamo": sum((f["valor_en_reclamo"] for f in facturas), Decimal(0)),
                      "facturas": facturas, "pagos": pagos})

    @app.get("/api/clientes")
    async def clientes(request: Request, q: str = "", limit: int = 50, offset: int = 0,
                       x_tenant_id: str = Header(), authorization: str = Header()):
        connection, _ = await session(request, x_tenant_id, authorization)
        where = ("tenant_id = %s AND (numero_cuenta LIKE %s OR nombre ILIKE %s)",
                 (x_tenant_id, f"{q}%", f"%{q}%"))
        total = (await (await connection.execute(
            f"SELECT count(*) AS n FROM clientes WHERE {where[0]}", where[1])).fetchone())["n"]
        rows = await (await connection.execute(
            f"SELECT {CLIENTE} FROM clientes WHERE {where[0]} ORDER BY numero_cuenta "
            "LIMIT %s OFFSET %s", (*where[1], limit, offset))).fetchall()
        await finish(connection)
        return _json({"items": rows, "total": total, "limit": limit, "offset": offset})

    @app.get("/api/facturas/{factura_id}/pdf")
    async def pdf(factura_id: UUID, request: Request, x_tenant_id: str = Header(),
                  authorization: str = Header()):
        connection, user = await session(request, x_tenant_id, authorization)
        row = await (await connection.execute(
            "SELECT f.numero, f.cliente_id, p.etag, p.contenido FROM facturas f "
            "JOIN factura_pdfs p ON p.tenant_id = f.tenant_id AND p.factura_id = f.id "
            "WHERE f.tenant_id = %s AND f.id = %s", (x_tenant_id, factura_id))).fetchone()
        await finish(connection)
        if row is None or row["cliente_id"] != user["cliente_id"]:
            raise HTTPException(404)
        return Response(bytes(row["contenido"]), media_type="application/pdf",
                        headers={"ETag": row["etag"]})

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    uvicorn.run(create(args.dsn, args.secret), host="127.0.0.1", port=args.port,
                log_level="warning")


if __name__ == "__main__":
    main()
