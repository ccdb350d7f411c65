"""Lambda handler for GET /api/log/inclusion and GET /api/log/consistency: RFC 9162 proofs of the receipt log.

Public and read-only: a log entry is a hash of a signed receipt, and says nothing of the application."""

from imvo.api.gateway import api_handler, json_response
from imvo.intake.storage import ApplicationStore, s3_client
from imvo.settings import load_settings
from imvo.transparency.proofs import consistency_answer, inclusion_answer
from imvo.transparency.receipt_log import ReceiptLog

_log: ReceiptLog | None = None  # per container: a batch once read is never read again


@api_handler
def handler(request):
    global _log
    if _log is None:
        settings = load_settings()
        _log = ReceiptLog(ApplicationStore(s3_client(), settings.submissions_bucket), settings.log_origin)
    if request.path.endswith("/consistency"):
        answer = consistency_answer(_log, request.query.get("from"), request.query.get("to"))
    else:
        answer = inclusion_answer(_log, request.query.get("entry", ""))
    return json_response(200, answer, headers={"cache-control": "no-cache"})
