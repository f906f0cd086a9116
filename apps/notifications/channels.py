"""Channels that carry a rendered message out of the building: e-mail (SMTP) and a signed webhook.

Each send raises TransientError (try again later) or PermanentError (never succeeds as it is).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection


class TransientError(Exception):
    pass


class PermanentError(Exception):
    pass


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str = ""


def send_email(*, delivery_id: str, address: str, message: Message) -> None:
    if not address:
        raise PermanentError("no e-mail address")
    mail = EmailMultiAlternatives(
        subject=message.subject.strip(),
        body=message.text,
        to=[address],
        # A stable Message-ID lets mail clients recognise a resend after a lost acknowledgement.
        headers={"Message-ID": f"<{delivery_id}@notifications.digital.city.takamatsu>"},
    )
    if message.html:
        mail.attach_alternative(message.html, "text/html")
    try:
        get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 15).send_messages([mail])
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if all(400 <= code < 500 for code in codes):
            raise TransientError(f"recipient refused for now ({codes})") from exc
        raise PermanentError(f"recipient refused ({codes})") from exc
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        if 400 <= exc.smtp_code < 500:
            raise TransientError(f"SMTP {exc.smtp_code}") from exc
        raise PermanentError(f"SMTP {exc.smtp_code}") from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise TransientError(f"SMTP unavailable: {type(exc).__name__}") from exc


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>": the receiver recomputes it with the shared secret."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def send_webhook(*, delivery_id: str, address: str, event: str, message: Message) -> None:
    conf = settings.TAKAMATSU_WEBHOOK
    if not conf.get("URL") or not conf.get("SECRET"):
        raise PermanentError("webhook gateway not configured")
    body = json.dumps(
        {
            "delivery_id": delivery_id,
            "event": event,
            "to": address,
            "title": message.subject.strip(),
            "text": message.text,
        },
        ensure_ascii=False,
    ).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Takamatsu-Delivery": delivery_id,
        "X-Takamatsu-Signature": f"t={timestamp},v1={webhook_signature(conf['SECRET'], timestamp, body)}",
    }
    try:
        response = requests.post(conf["URL"], data=body, headers=headers, timeout=conf.get("TIMEOUT", 5.0))
    except requests.RequestException as exc:
        raise TransientError(f"webhook unreachable: {type(exc).__name__}") from exc
    if 200 <= response.status_code < 300:
        return
    if response.status_code in (408, 429) or response.status_code >= 500:
        raise TransientError(f"webhook answered {response.status_code}")
    raise PermanentError(f"webhook answered {response.status_code}")
