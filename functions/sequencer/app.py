"""Lambda handler of the sequencer: each minute (EventBridge Scheduler) it appends new receipts to the receipt log,
signs a checkpoint and publishes the tiles, every few seconds until the minute is over (issue 23)."""

import time

from imvo.settings import load_settings
from imvo.transparency.sequencing import Sequencer

PASS_SECONDS = 5  # the checkpoint's lag behind a receipt: the settle time plus at most this
STOP_BEFORE_SECONDS = 10  # then the next minute's invocation takes over

_sequencer: Sequencer | None = None  # per container: the log read so far


def handler(event, context=None):
    global _sequencer
    _sequencer = _sequencer or Sequencer.from_settings(load_settings())
    passes = 0
    while True:
        _sequencer.run_pass()
        passes += 1
        remaining = context.get_remaining_time_in_millis() / 1000 if context else 0
        if remaining < STOP_BEFORE_SECONDS + PASS_SECONDS:
            return {"passes": passes, "treeSize": _sequencer.log.tree.size}
        time.sleep(PASS_SECONDS)
