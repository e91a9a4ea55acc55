"""The JSON API's documentation at ``/docs``, served whole from this site.

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline
script, both of which the app's Content-Security-Policy forbids, so the page
stayed blank.  Here the same Swagger UI comes from the ``fastapi-offline``
package's files and starts from a script of our own, all same-origin: the
CSP holds for ``/docs`` as for every other page.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from ballotbox.core.errors import NotFoundError

router = APIRouter(include_in_schema=False)

SWAGGER = Path(fastapi_offline.__file__).parent / "static"
START = Path(__file__).parent / "static" / "docs.js"
ASSETS = {
    "swagger-ui-bundle.js": (SWAGGER / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (SWAGGER / "swagger-ui.css", "text/css"),
    "docs.js": (START, "text/javascript"),
}
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>ballotbox JSON API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui" data-spec="/openapi.json"></div>
  <noscript>The API description is at <a href="/openapi.json">/openapi.json</a>.</noscript>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/docs.js"></script>
</body>
</html>
"""


@router.get("/docs", response_class=HTMLResponse)
def api_docs() -> HTMLResponse:
    """The JSON API, described and tryable (Swagger UI, no outside resources)."""
    return HTMLResponse(PAGE)


@router.get("/docs/assets/{name}")
def api_docs_asset(name: str) -> FileResponse:
    """One of the documentation page's own files."""
    if name not in ASSETS:
        raise NotFoundError()
    path, media_type = ASSETS[name]
    return FileResponse(
        path, media_type=media_type, headers={"cache-control": "public, max-age=86400"}
    )
