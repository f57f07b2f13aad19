from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request


async def _changed_tenants(request: Request) -> AsyncIterator[set[str]]:
    """The tenants a request changes; their cached look-ups are dropped once it has
    committed. Declare it before the session, so it ends after the session has committed."""
    slugs: set[str] = set()
    yield slugs
    for slug in slugs:
        await request.app.state.tenant_directory.invalidate(slug)


ChangedTenants = Annotated[set[str], Depends(_changed_tenants, scope="function")]
