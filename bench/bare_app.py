"""The ceiling for the respondent benchmark: a bare Starlette "hello" under the same uvicorn.

Run by bench/respondent.py: `uvicorn bench.bare_app:app --workers N`.
"""

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def hello(request):  # type: ignore[no-untyped-def]
    return PlainTextResponse("hello")


app = Starlette(routes=[Route("/", hello)])
