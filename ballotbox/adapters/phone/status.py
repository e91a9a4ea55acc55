"""``POST /phone/status``: Twilio's call-status callback, counted for the cost report.

Twilio calls it when a call ends (set the number's "Call status changes" URL
to ``<public URL>/phone/status``, docs/twilio.md).  Only a completed call's
duration is read, and only as minutes added to the bare total of the ballot
open on the phone line: the caller's number, the CallSid and the time are not
kept anywhere.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ballotbox.adapters.httpkit.deps import ContextDep
from ballotbox.adapters.httpkit.twilio import twilio_params
from ballotbox.adapters.httpkit.usage import count_call

router = APIRouter(include_in_schema=False)

ParamsDep = Annotated[dict[str, str], Depends(twilio_params)]
STATUS_PATH = "/phone/status"


@router.post(STATUS_PATH)
def call_status(request: Request, params: ParamsDep, ctx: ContextDep) -> Response:
    """Twilio call-status callback: a completed call's minutes are counted, nothing else kept."""
    duration = params.get("CallDuration", "")
    if params.get("CallStatus") == "completed" and duration.isdigit():
        count_call(request, ctx, int(duration))
    return Response(status_code=204)
