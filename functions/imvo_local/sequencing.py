"""The receipt log's sequencer in `make run`: a thread that makes a pass each second as SequencerFunction would
(under its IAM policy, on the local server's receipt clock), where the stack runs it from a schedule."""

from __future__ import annotations

import threading
import time

from imvo.settings import load_settings
from imvo.transparency.sequencing import Sequencer
from imvo_local.iam_model import acting_as

PASS_SECONDS = 1.0
# Locally a request is stored well within this; the stack waits 40 s (IMVO_LOG_SETTLE_SECONDS, infra/template.yaml).
LOCAL_SETTLE_SECONDS = 5.0


class LocalSequencer:
    def __init__(self, clock_offset_ms: int = 0):
        self.offset = clock_offset_ms
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.sequencer: Sequencer | None = None
        self.failures = 0

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset

    def start(self) -> None:
        with acting_as("SequencerFunction"):
            self.sequencer = Sequencer.from_settings(load_settings())

        def loop():
            while not self._stop.wait(PASS_SECONDS):
                try:
                    with acting_as("SequencerFunction"):
                        self.sequencer.run_pass(self.now_ms())
                except Exception as error:  # noqa: BLE001 - as the scheduled function: the next pass tries again
                    self.failures += 1
                    if self.failures in (1, 10, 100):
                        print(f"sequencer: pass failed ({type(error).__name__}: {error}); the next pass tries again "
                              f"({self.failures} so far)", flush=True)

        self._thread = threading.Thread(target=loop, name="sequencer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
