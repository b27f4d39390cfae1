"""How a one-time code leaves: through the outbox, like every other message.

The sender writes an `OutboxMessage` in the request's transaction, the same path as
staff invitations (staff/service.py): the code exists for the guest only if the code
row is committed, and never the other way round. Delivery (SMTP, an SMS provider) is
the outbox's concern; until one is configured the outbox is where operators and
tests read the messages (docs/operations.md, "Reading the outbox").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.models import Channel, OutboxMessage


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    business_id: uuid.UUID
    channel: Channel
    recipient: str
    subject: str
    body: str


class MessageSender(Protocol):
    async def send(self, session: AsyncSession, message: OutgoingMessage) -> None:
        """Queue the message in the session's transaction (sent only if it commits)."""


class OutboxSender:
    """The default: the message waits in `outbox_messages` for delivery."""

    async def send(self, session: AsyncSession, message: OutgoingMessage) -> None:
        session.add(
            OutboxMessage(
                business_id=message.business_id,
                channel=message.channel,
                recipient=message.recipient,
                subject=message.subject,
                body=message.body,
            )
        )


def get_message_sender() -> MessageSender:
    return OutboxSender()


MessageSenderDep = Annotated[MessageSender, Depends(get_message_sender)]
