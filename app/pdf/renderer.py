"""A pool of worker processes that lay out PDFs, so rendering never runs on the event loop.

Each worker imports WeasyPrint, parses the stylesheet and loads the fonts once, then renders
invoice after invoice. The pool starts at the first render.
"""

import asyncio
import logging
import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from app.core import metrics
from app.core.errors import ServiceUnavailable
from app.pdf import render
from app.pdf.documento import FacturaDocumento

logger = logging.getLogger("app.pdf")


class PdfRenderer:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.renders = 0  # documents rendered by this renderer: what the cache saves
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver: workers fork from a clean process that has WeasyPrint imported,
            # not from this one (with its threads and its event loop).
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["app.pdf.render"])
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context,
                                             initializer=render.warm_up)
        return self._pool

    async def render(self, documento: FacturaDocumento) -> bytes:
        return (await self.render_many([documento]))[0]

    async def render_many(self, documentos: Sequence[FacturaDocumento]) -> list[bytes]:
        loop = asyncio.get_running_loop()
        pool = self._executor()
        started = time.perf_counter()
        try:
            pdfs = await asyncio.gather(
                *(loop.run_in_executor(pool, render.render_pdf, d) for d in documentos))
        except BrokenProcessPool as error:  # a worker died (out of memory, killed)
            logger.error("PDF worker pool broken; starting a new one")
            self.close()
            raise ServiceUnavailable("PDF rendering is unavailable; try again shortly.",
                                     headers={"Retry-After": "5"}) from error
        self.renders += len(documentos)
        metrics.PDFS_RENDERED.inc(len(documentos))
        each = (time.perf_counter() - started) / max(len(documentos), 1)
        for _ in documentos:
            metrics.PDF_RENDER_SECONDS.observe(each)
        return pdfs

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
