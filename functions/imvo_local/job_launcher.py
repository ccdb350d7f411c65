"""Lambda's asynchronous invocation of the job function, as the local system has it: the job function's
handler, run in a thread of this process under the job function's own policy.

AWS queues the event and answers the caller at once; so does this. The invoking function's right to
invoke (lambda:InvokeFunction on the job function) is judged by the IAM model as AWS would."""

from __future__ import annotations

import threading

from imvo.intake.storage import StorageDenied
from imvo_local.iam_model import LOCAL_JOB_FUNCTION_ARN, IamModel, acting_as, acting_function
from imvo_local.sam_template import function_handler, load_handler_of, load_template

JOB_FUNCTION = "AdminJobFunction"


class ThreadLauncher:
    def __init__(self, model: IamModel | None):
        template = load_template()
        properties = template["Resources"][JOB_FUNCTION]["Properties"]
        self.timeout_seconds = int(properties["Timeout"])
        self.handler_name = function_handler(properties)
        self.handler = None  # loaded at the first job (it brings WeasyPrint)
        self.model = model
        self.threads: list[threading.Thread] = []

    def launch(self, job_id: str) -> None:
        self.handler = self.handler or load_handler_of(self.handler_name)
        invoker = acting_function.get()
        if self.model is not None and invoker is not None:
            call = self.model.judge_and_record(invoker, "Invoke", {"FunctionName": LOCAL_JOB_FUNCTION_ARN})
            if not call.allowed:
                raise StorageDenied(f"Invoke: AccessDenied ({call.reason})")
        # A new thread starts with a fresh context: the job does not inherit the request's deadline.
        thread = threading.Thread(target=self._run, args=(job_id,), name=f"job-{job_id[:8]}", daemon=True)
        thread.start()
        self.threads.append(thread)

    def _run(self, job_id: str) -> None:
        from imvo_local.devserver import LocalLambdaContext

        with acting_as(JOB_FUNCTION):
            self.handler({"jobId": job_id}, LocalLambdaContext(self.timeout_seconds))

    def wait(self, timeout: float | None = None) -> None:
        """Until every job started so far has ended (for tests and the command line)."""
        for thread in list(self.threads):
            thread.join(timeout)
