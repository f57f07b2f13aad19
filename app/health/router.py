from fastapi import APIRouter
from starlette.responses import JSONResponse

from app.core.dependencies import DatabaseDep
from app.core.errors import problem_response

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", summary="The process is up")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="The database answers", response_model=None)
async def ready(database: DatabaseDep) -> dict[str, str] | JSONResponse:
    try:
        await database.ping()
    except Exception:
        return problem_response(503, "The database is not reachable.",
                                type_slug="service-unavailable")
    return {"status": "ok", "database": database.dialect_name}
