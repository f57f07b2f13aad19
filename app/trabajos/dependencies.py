from typing import Annotated

from fastapi import Depends, Request, Response

from app.trabajos.models import Trabajo
from app.trabajos.schemas import TrabajoRead
from app.trabajos.service import JobQueue


async def get_job_queue(request: Request) -> JobQueue:
    queue: JobQueue = request.app.state.job_queue
    return queue


JobQueueDep = Annotated[JobQueue, Depends(get_job_queue)]


def aceptado(trabajo: Trabajo, response: Response) -> TrabajoRead:
    """A 202 body for work handed to a job: the job, and where to follow it."""
    response.headers["Location"] = f"/api/trabajos/{trabajo.id}"
    return TrabajoRead.model_validate(trabajo)
