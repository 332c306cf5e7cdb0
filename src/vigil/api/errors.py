"""Every error the API answers with has one JSON shape: code, message, hint.

    EnrolmentError          409  the registry refused the step; ``code`` names the rule
    NotFoundError           404  ``not_found``: a record named in the path or body
    AuthError               401  ``unauthenticated``, with ``WWW-Authenticate: Bearer``
    scope missing           403  ``scope_missing`` (raised by ``vigil.api.auth``)
    StoreUnavailableError   503  ``store_unavailable``: nothing was stored; retry
    request malformed       422  ``request_invalid``, field details under ``errors``
    other HTTP errors       4xx  ``http_<status>`` (unknown route, wrong method, ...)

A router may install a handler for a narrower ``VigilError`` (the device ingest
answers ``ProtocolError`` in the protocol's own format); the narrower one wins.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from vigil.errors import (
    AuthError,
    EnrolmentError,
    NotFoundError,
    StoreUnavailableError,
    VigilError,
)

_LOGGER = logging.getLogger(__name__)

_STATUS_AND_CODE: dict[type[VigilError], tuple[int, str]] = {
    EnrolmentError: (status.HTTP_409_CONFLICT, "refused"),
    NotFoundError: (status.HTTP_404_NOT_FOUND, "not_found"),
    AuthError: (status.HTTP_401_UNAUTHORIZED, "unauthenticated"),
    StoreUnavailableError: (status.HTTP_503_SERVICE_UNAVAILABLE, "store_unavailable"),
}


def error_body(code: str, message: str, hint: str = "") -> dict[str, str]:
    """Return the JSON body of an error response."""
    return {"code": code, "message": message, "hint": hint}


def install_error_handlers(app: FastAPI) -> None:
    """Answer Vigil's errors, HTTP errors and malformed requests in one shape."""
    app.add_exception_handler(VigilError, _vigil_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)


def status_and_code(exc: VigilError) -> tuple[int, str]:
    """Return the HTTP status and error code that answer ``exc``."""
    for kind in type(exc).__mro__:
        if kind in _STATUS_AND_CODE:
            status_code, code = _STATUS_AND_CODE[kind]
            return status_code, getattr(exc, "code", code)
    return status.HTTP_500_INTERNAL_SERVER_ERROR, getattr(exc, "code", "internal")


async def _vigil_error(request: Request, exc: Exception) -> JSONResponse:
    """Answer a ``VigilError`` with its status, code, message and hint."""
    assert isinstance(exc, VigilError)
    status_code, code = status_and_code(exc)
    _LOGGER.debug(
        "%s %s answered %s %s", request.method, request.url.path, status_code, code
    )
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthError) else None
    return JSONResponse(
        error_body(code, exc.message, exc.hint),
        status_code=status_code,
        headers=headers,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Answer an HTTP error, keeping a body already in our shape."""
    assert isinstance(exc, StarletteHTTPException)
    detail: Any = exc.detail
    if isinstance(detail, dict) and "code" in detail:
        body = detail
    else:
        body = error_body(f"http_{exc.status_code}", str(detail))
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """Answer a request whose body or parameters do not fit, field by field."""
    assert isinstance(exc, RequestValidationError)
    # Only where and why: echoing the submitted values back could spread personal
    # data into client logs.
    fields = [
        {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
        for error in exc.errors()
    ]
    body: dict[str, Any] = error_body(
        "request_invalid",
        "The request does not fit the expected shape.",
        hint="See 'errors' for each field that was refused.",
    )
    body["errors"] = fields
    return JSONResponse(body, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
