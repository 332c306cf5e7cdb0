"""``POST /v1/ingest``: the bracelet's HTTPS endpoint."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from vigil.ingest.service import IngestService
from vigil.protocol import encode, encoding_for, media_type_for

router = APIRouter()


@router.post(
    "/v1/ingest",
    summary="Upload a signed batch from a bracelet (see docs/protocol.md)",
    response_class=Response,
    responses={
        200: {"description": "Ack: the batch is durably stored"},
        400: {"description": "Reject: malformed or unsupported version"},
        401: {"description": "Reject: bad signature"},
        403: {"description": "Reject: unknown or retired device, or no order in force"},
        409: {"description": "Reject: sequence reused or stale"},
        413: {"description": "Reject: too large or too many records"},
        422: {"description": "Reject: a time is in the future"},
        503: {"description": "Reject: not stored; resend the same bytes later"},
    },
)
async def ingest(request: Request) -> Response:
    """Store a signed batch durably, then acknowledge it; or say why not."""
    service: IngestService = request.app.state.ingest
    encoding = encoding_for(request.headers.get("content-type"))
    limit = service.max_upload_bytes
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            status, reply = service.reject_too_large()
            break
    else:
        status, reply = await service.handle(bytes(data), encoding)
    return Response(
        encode(reply, encoding), status_code=status, media_type=media_type_for(encoding)
    )
