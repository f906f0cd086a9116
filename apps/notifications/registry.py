"""Events that can be notified: domain apps register theirs (with templates under templates/emails/)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from apps.core.errors import ApplicationError

from .constants import Channel


class UnknownEvent(ApplicationError):
    code = "unknown_event"


@dataclass(frozen=True)
class EventType:
    code: str
    template: str  # emails/<template>-subject.txt, -body.txt, -body.html
    channels: tuple[str, ...] = (Channel.INBOX, Channel.EMAIL, Channel.WEBHOOK)
    link: Callable[[dict], str] | None = field(default=None, compare=False)  # where the inbox entry leads


_EVENTS: dict[str, EventType] = {}


def register_event(code: str, *, template: str, channels=None, link=None) -> None:
    _EVENTS[code] = EventType(
        code=code, template=template, channels=tuple(channels or EventType.channels), link=link
    )


def get_event(code: str) -> EventType:
    try:
        return _EVENTS[code]
    except KeyError:
        raise UnknownEvent(f"Unknown notification event: {code}") from None


def events() -> dict[str, EventType]:
    return dict(_EVENTS)
