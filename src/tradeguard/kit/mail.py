"""Handing e-mails to the configured SMTP server, each outcome told apart.

``smtplib.SMTP.send_message`` raises the same ``SMTPServerDisconnected`` whether the
connection broke before the server had the message or after it had the whole of it but
before it answered. A sender that must never send twice has to know which, so the
conversation is spoken step by step here: a refusal or a broken connection up to the
message's content means it did not leave (``MessageRefusedError``,
``ServerUnavailableError``); a broken connection while the content goes over or its
answer is awaited means it may have left (``DeliveryUnknownError``).

One connection serves a batch: it is opened at the first message and, after a broken
one, again at the next.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr
from types import TracebackType

from tradeguard.kit.settings import SmtpSettings

SMTP_TIMEOUT_S = 30.0  # for connecting and for each answer of the server


class MailError(Exception):
    """A message that was not (or may not have been) delivered to the server."""


class ServerUnavailableError(MailError):
    """The server could not be reached, refused the login or hung up: nothing was sent."""


class MessageRefusedError(MailError):
    """The server answered that it will not take this message (sender, recipient, content)."""


class DeliveryUnknownError(MailError):
    """The connection broke once the message's content had started to go: it may have left."""


class Mailer:
    """``with Mailer(config) as mailer: mailer.send(message)`` for each message."""

    def __init__(self, config: SmtpSettings, timeout: float = SMTP_TIMEOUT_S) -> None:
        self.config, self.timeout = config, timeout
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        config = self.config
        try:
            smtp = smtplib.SMTP(config.host, config.port, timeout=self.timeout)
        except OSError as error:  # refused, unknown host, timed out, no greeting
            raise ServerUnavailableError(
                f"cannot connect to {config.host}:{config.port}: {error}"
            ) from error
        try:
            smtp.ehlo()
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if config.user:
                password = config.password.get_secret_value() if config.password else ""
                smtp.login(config.user, password)
        except (smtplib.SMTPException, OSError) as error:
            smtp.close()
            raise ServerUnavailableError(
                f"{config.host}:{config.port} refused the session: {error}"
            ) from error
        self._smtp = smtp
        return smtp

    def _reset(self, smtp: smtplib.SMTP) -> None:
        """End a refused transaction so the connection serves the next message."""
        try:
            smtp.rset()
        except OSError:
            self.close()

    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the server for its To addresses, from the configured sender."""
        smtp = self._connection()
        sender = parseaddr(self.config.sender)[1]
        recipients = [address.addr_spec for address in message["To"].addresses]
        content = message.as_bytes(policy=SMTP_POLICY)
        try:
            refusal = _envelope(smtp, sender, recipients)
        except OSError as error:  # SMTPServerDisconnected, a reset, a timeout
            self.close()
            raise ServerUnavailableError(
                f"the server hung up before the message: {error}"
            ) from error
        if refusal:
            self._reset(smtp)
            raise MessageRefusedError(refusal)
        try:
            code, answer = smtp.data(content)
        except smtplib.SMTPResponseException as error:  # DATA itself refused: nothing went
            self._reset(smtp)
            raise MessageRefusedError(
                f"the message was refused: {error.smtp_code} {_text(error.smtp_error)}"
            ) from error
        except OSError as error:  # SMTPServerDisconnected, a reset, a timeout
            self.close()
            raise DeliveryUnknownError(
                f"the connection broke while the message was handed over: {error}"
            ) from error
        if code != 250:
            raise MessageRefusedError(f"the message was refused: {code} {_text(answer)}")


def _envelope(smtp: smtplib.SMTP, sender: str, recipients: list[str]) -> str | None:
    """MAIL FROM and RCPT TO; what the server refused, if anything."""
    code, answer = smtp.mail(sender)
    if code != 250:
        return f"sender {sender} refused: {code} {_text(answer)}"
    for recipient in recipients:
        code, answer = smtp.rcpt(recipient)
        if code not in (250, 251):
            return f"recipient {recipient} refused: {code} {_text(answer)}"
    return None


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
