from typing import Annotated

from fastapi import Depends, Request

from app.pdf.renderer import PdfRenderer


async def get_renderer(request: Request) -> PdfRenderer:
    renderer: PdfRenderer = request.app.state.pdf_renderer
    return renderer


RendererDep = Annotated[PdfRenderer, Depends(get_renderer)]
