"""The test stack's worker email backend: Django's file backend with a gate the tests can close.

While a file named HOLD exists in the mail folder, a send first leaves a `sending-<pid>` marker
and then waits (at most two minutes): a test can thus catch a worker in the middle of a task (to
kill it, or to show that a request did not wait for the email), then open the gate.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class GatedFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        folder = Path(self.file_path)
        gate = folder / "HOLD"
        if gate.exists():
            (folder / f"sending-{os.getpid()}").write_text("\n".join(str(m.to) for m in email_messages))
            deadline = time.monotonic() + 120
            while gate.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return super().send_messages(email_messages)
