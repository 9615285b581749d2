"""Email through SMTP: a text part and an HTML part, a hard timeout, STARTTLS when asked.

With SMTP_STARTTLS on (the default), a server that does not offer STARTTLS is an error, never
a reason to send in the clear. An SMTP answer in the 500s is permanent; in the 400s, and any
network trouble, transient. SMTP has no way to ask whether a message arrived, so a timeout
after the message was handed over can, rarely, send it twice: every attempt carries the same
Message-ID so that mail programs can tell.
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate

from tracker.config import NotifySettings
from tracker.notify.channels import Outgoing, Receipt, SendError
from tracker.notify.models import SMTP


def build(message: Outgoing, mail_from: str) -> EmailMessage:
    """The email: text, then HTML as the alternative; marked automatic so nobody auto-replies."""
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.to
    email["Subject"] = message.subject or ""
    email["Date"] = formatdate(localtime=False)
    if message.message_id:
        email["Message-ID"] = message.message_id
    # RFC 3834: an automatic message. Out-of-office replies and the like should not answer it.
    email["Auto-Submitted"] = "auto-generated"
    email["X-Auto-Response-Suppress"] = "All"
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    return email


def classify(exc: Exception) -> SendError:
    """An SMTP failure: 5xx permanent, 4xx and network trouble transient."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        code = codes[0] if codes else 550
        return SendError(f"smtp_{code}", permanent=code >= 500)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # Our credentials: retried, so that a fix within the retry window still sends it.
        return SendError("smtp_auth", permanent=False)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SendError("starttls_unavailable", permanent=False)
    if isinstance(exc, smtplib.SMTPResponseException):
        return SendError(f"smtp_{exc.smtp_code}", permanent=exc.smtp_code >= 500)
    if isinstance(exc, TimeoutError):
        return SendError("smtp_timeout", permanent=False)
    return SendError("smtp_unavailable", permanent=False)


class SmtpEmail:
    """The email channel on an SMTP server."""

    transport = SMTP

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    def send(self, message: Outgoing) -> Receipt:
        email = build(message, self.settings.mail_from)
        s = self.settings
        try:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.send_timeout)
        except (smtplib.SMTPException, OSError) as exc:
            raise classify(exc) from None
        try:
            smtp.ehlo()
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
            smtp.send_message(email)
        except (smtplib.SMTPException, OSError) as exc:
            raise classify(exc) from None  # messages can quote the address: never chained
        finally:
            _close(smtp)
        return Receipt(SMTP, message.message_id)

    def lookup(self, message: Outgoing, since: datetime) -> Receipt | None:
        """SMTP cannot say what it delivered: nothing to find."""
        return None


def _close(smtp: smtplib.SMTP) -> None:
    # The message is accepted (or refused) by now; a failing QUIT changes neither.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
