"""What operators see: Powertools log lines (JSON) and metrics (CloudWatch embedded metric format) on stdout.

Lambda sends standard output to the function's log group; CloudWatch turns each EMF line into metric
values. Nothing personal is ever passed here: ids, routes, codes, counts and durations only.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback

from aws_lambda_powertools import Logger, single_metric
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import ClientError

from imvo.settings import ENV_ENVIRONMENT

SERVICE = "imvo-portal"
NAMESPACE = "IMVO"

# The metric names, in one place: infra/template.yaml's alarms and dashboard use the same ones.
APPLICATIONS_STORED = "ApplicationsStored"  # dimensions: pillar, status
SUPPLEMENTS_STORED = "SupplementsStored"  # dimension: status
REFUSALS = "Refusals"  # dimension: code
UNAVAILABLE = "ServiceUnavailable"  # our 503s (a fault a retry can cure)
INTERNAL_ERRORS = "InternalErrors"  # our 500s (a defect, with an incident id)
UPLOAD_VERIFICATIONS_FAILED = "UploadVerificationsFailed"
PDF_RENDERS = "PdfRenders"  # dimension: document
JOBS_FAILED = "JobsFailed"  # dimension: kind
EMAILS_SENT = "EmailsSent"  # confirmation e-mails
EMAILS_FAILED = "EmailsFailed"  # attempts SES refused or failed (dimension: retry yes/no)
RECORD_EVENTS_FAILED = "RecordEventsFailed"  # deliveries of a stored record's event to be repeated (dimension: work)
LOG_LATE_RECEIPTS = "LogLateReceipts"  # receipts the sequencer found after a later one was logged (settle time too short)


class _StdoutLines(logging.Handler):
    """One line per record on the *current* standard output (which Lambda sends to CloudWatch Logs);
    looked up at each record, so a test that captures stdout sees the lines too."""

    def emit(self, record):
        print(self.format(record), file=sys.stdout, flush=True)


def _plain_logger() -> Logger:
    """Our logger as a plain logging.Logger: a library that sets another logger class for the whole process
    (Pelican's drops every repeated message, and each of our request lines reads "request") must not
    decide which lines are written."""
    previous = logging.getLoggerClass()
    logging.setLoggerClass(logging.Logger)
    try:
        return Logger(service=SERVICE, logger_handler=_StdoutLines())
    finally:
        logging.setLoggerClass(previous)


logger = _plain_logger()


def count(metric: str, value: float = 1, **dimensions: str) -> None:
    """One metric value, with its own dimensions (each combination is its own CloudWatch metric)."""
    environment = os.environ.get(ENV_ENVIRONMENT, "local")
    with single_metric(name=metric, unit=MetricUnit.Count, value=value, namespace=NAMESPACE,
                       default_dimensions={"service": SERVICE, "environment": environment}) as metric_line:
        for name, dimension in dimensions.items():
            metric_line.add_dimension(name=name, value=str(dimension))


def fault_detail(error: BaseException) -> str:
    """What went wrong, without the message (which may quote a key or a value): the S3 operation and
    code, or the exception's type and where it was raised."""
    cause = error.__cause__ or error
    if isinstance(cause, ClientError):
        return f"{cause.operation_name}: {cause.response.get('Error', {}).get('Code', '')}"
    frames = traceback.extract_tb(cause.__traceback__)[-3:]
    return " < ".join([type(cause).__name__] + [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames)])
