"""The worker's generic tasks: run one outbox entry, relay due entries, send one email.

Every task is idempotent: `run_outbox_entry` claims the entry first (a second delivery of the same
id is skipped), and the relay only sends entries that are not done.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.core import mail

from cplatform import background

logger = logging.getLogger(__name__)


# acks_late: the message leaves Redis only after the entry ran, so a worker killed mid-task leaves
# it to be redelivered (and the entry's lease lets the relay send it again in any case).
@shared_task(name=background.RUN_ENTRY_TASK, acks_late=True, reject_on_worker_lost=True)
def run_outbox_entry(entry_id: str) -> str:
    return background.run_entry(entry_id)


@shared_task(name="cplatform.relay_outbox", acks_late=True, ignore_result=True)
def relay_outbox() -> int:
    sent = background.relay_due()
    if sent:
        logger.info("relayed %d due outbox entries", sent)
    return sent


@background.handler("email.send")
def send_email(payload: dict) -> dict:
    """One email {to, subject, body}; a transport error raises, so the entry is tried again later."""
    to = [address for address in payload.get("to") or [] if address]
    if not to:
        raise background.PermanentFailure("an email without recipients")
    sent = mail.EmailMessage(subject=payload.get("subject") or "", body=payload.get("body") or "", to=to).send()
    logger.info("sent an email to %d recipients", len(to))
    return {"sent": sent}
