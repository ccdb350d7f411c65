"""The template's RecordStoredRule in the embedded AWS: S3 tells EventBridge of each new object of the
record, the rule (its pattern read from infra/template.yaml) sends the received applications and
supplements to one SQS queue per function, and a thread per queue hands them to that function's handler
as Lambda's SQS trigger does: a batch, the items it reports failed back in the queue (delivered again
after the visibility timeout), and after the queue's maxReceiveCount into its dead-letter queue."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

from imvo_local.iam_model import acting_as
from imvo_local.sam_template import function_handler, load_handler_of, load_template

RULE = "RecordStoredRule"
# The template's 360 s is six times a function's timeout; here a failed item comes back after this.
LOCAL_VISIBILITY_SECONDS = 2


def _logical_of(value) -> str:
    """The logical id in !GetAtt X.Arn / !Ref X."""
    target = value.get("Fn::GetAtt") or value.get("Ref")
    return (target[0] if isinstance(target, list) else target).split(".")[0]


def _resolved(value, bucket: str):
    if isinstance(value, dict):
        if value == {"Ref": "SubmissionsBucket"}:
            return bucket
        return {k: _resolved(v, bucket) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(v, bucket) for v in value]
    return value


@dataclass
class Trigger:
    function: str  # the logical id in the template
    queue: str  # the queue's logical id
    handler_name: str
    batch_size: int
    timeout_seconds: int
    max_receive_count: int
    queue_url: str = ""
    queue_arn: str = ""
    handler: object = None


@dataclass
class RecordEvents:
    bucket: str
    triggers: list[Trigger] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _busy: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    @classmethod
    def from_template(cls, bucket: str, template: dict | None = None) -> "RecordEvents":
        template = template or load_template()
        resources = template["Resources"]
        default_timeout = template.get("Globals", {}).get("Function", {}).get("Timeout", 3)
        queues = [_logical_of(target["Arn"]) for target in resources[RULE]["Properties"]["Targets"]]
        triggers = []
        for name, resource in resources.items():
            if resource["Type"] != "AWS::Serverless::Function":
                continue
            for event in (resource["Properties"].get("Events") or {}).values():
                if event["Type"] == "SQS" and _logical_of(event["Properties"]["Queue"]) in queues:
                    queue = _logical_of(event["Properties"]["Queue"])
                    redrive = resources[queue]["Properties"]["RedrivePolicy"]
                    triggers.append(Trigger(name, queue, function_handler(resource["Properties"]),
                                            int(event["Properties"].get("BatchSize", 10)),
                                            int(resource["Properties"].get("Timeout", default_timeout)),
                                            int(redrive["maxReceiveCount"])))
        return cls(bucket, triggers)

    def create(self, s3, events, sqs) -> None:
        """Make the rule, the queues with their dead-letter queues, and the bucket's EventBridge switch."""
        template = load_template()
        rule = template["Resources"][RULE]["Properties"]
        events.put_rule(Name=f"imvo-local-{RULE}", EventPattern=json.dumps(_resolved(rule["EventPattern"], self.bucket)))
        for trigger in self.triggers:
            dead = sqs.create_queue(QueueName=f"imvo-local-{trigger.queue}-dead-letters")["QueueUrl"]
            dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            trigger.queue_url = sqs.create_queue(QueueName=f"imvo-local-{trigger.queue}", Attributes={
                "VisibilityTimeout": str(LOCAL_VISIBILITY_SECONDS),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": trigger.max_receive_count}),
            })["QueueUrl"]
            trigger.queue_arn = sqs.get_queue_attributes(QueueUrl=trigger.queue_url,
                                                         AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_targets(Rule=f"imvo-local-{RULE}", Targets=[
            {"Id": trigger.queue, "Arn": trigger.queue_arn} for trigger in self.triggers])
        s3.put_bucket_notification_configuration(Bucket=self.bucket,
                                                 NotificationConfiguration={"EventBridgeConfiguration": {}})

    def deliver(self, sqs, trigger: Trigger, wait_seconds: int = 0) -> int:
        """One batch of the queue to the function's handler, as Lambda's SQS trigger would; how many came."""
        from imvo_local.devserver import LocalLambdaContext

        messages = sqs.receive_message(QueueUrl=trigger.queue_url, MaxNumberOfMessages=trigger.batch_size,
                                       WaitTimeSeconds=wait_seconds, AttributeNames=["All"]).get("Messages", [])
        if not messages:
            return 0
        with self._lock:
            self._busy += 1
        try:
            trigger.handler = trigger.handler or load_handler_of(trigger.handler_name)
            event = {"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                                  "attributes": m.get("Attributes", {}), "messageAttributes": {},
                                  "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
                                  "eventSourceARN": trigger.queue_arn, "awsRegion": sqs.meta.region_name}
                                 for m in messages]}
            try:
                with acting_as(trigger.function):
                    answer = trigger.handler(event, LocalLambdaContext(trigger.timeout_seconds)) or {}
                failed = {item["itemIdentifier"] for item in answer.get("batchItemFailures", [])}
            except Exception:  # a crashed invocation fails its whole batch, as on Lambda
                failed = {m["MessageId"] for m in messages}
            for message in messages:
                if message["MessageId"] not in failed:
                    sqs.delete_message(QueueUrl=trigger.queue_url, ReceiptHandle=message["ReceiptHandle"])
            return len(messages)
        finally:
            with self._lock:
                self._busy -= 1

    def start(self) -> None:
        """A thread per queue, long-polling it, until stop()."""
        import boto3

        for trigger in self.triggers:
            def poll(trigger=trigger):
                sqs = boto3.client("sqs")
                while not self._stop.is_set():
                    self.deliver(sqs, trigger, wait_seconds=1)

            thread = threading.Thread(target=poll, name=f"queue-{trigger.queue}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5)

    def waiting(self, sqs, triggers: list[Trigger] | None = None) -> int:
        """Messages in the queues (visible or being handled) and batches in a handler now."""
        total = self._busy
        for trigger in triggers or self.triggers:
            attributes = sqs.get_queue_attributes(QueueUrl=trigger.queue_url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            total += int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])
        return total

    def drain(self, sqs, functions: tuple[str, ...] = (), timeout_seconds: float = 120) -> None:
        """Deliver (in this thread) until the queues of `functions` (logical ids; all when none) are empty:
        for tests and the benchmark."""
        triggers = [t for t in self.triggers if not functions or t.function in functions]
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            delivered = sum(self.deliver(sqs, trigger) for trigger in triggers)
            if not delivered and self.waiting(sqs, triggers) == 0:
                return
            if not delivered:
                time.sleep(0.2)
        raise TimeoutError("the record's events were not all handled in time")

    def dead_letters(self, sqs) -> dict[str, int]:
        found = {}
        for trigger in self.triggers:
            url = sqs.get_queue_url(QueueName=f"imvo-local-{trigger.queue}-dead-letters")["QueueUrl"]
            found[trigger.queue] = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
                "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])
        return found
