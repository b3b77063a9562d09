"""SMTP submission (587 STARTTLS, 465 implicit TLS, or plain for a local relay) with the outbox's error taxonomy.

Until the server has answered DATA, nothing was delivered: connection problems and 4xx replies are
retryable, 5xx replies permanent. A connection that drops or times out after the message body was sent
is ambiguous — the server may have queued it.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from .http import AmbiguousError, PermanentError, RetryableError

__all__ = ["SmtpClient"]


class SmtpClient:
    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        username: str | None = None,
        password: str | None = None,
        security: str = "starttls",  # starttls | ssl | none
        timeout: float = 30.0,
        from_addr: str = "contract-milestones@localhost",
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in ("starttls", "ssl", "none"):
            raise ValueError(f"SMTP security {security!r}: use starttls, ssl or none")
        self.host, self.port = host, int(port)
        self.username, self.password = username, password
        self.security = security
        self.timeout = timeout
        self.from_addr = from_addr
        self.ssl_context = ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        try:
            if self.security == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self.ssl_context
                )
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            conn.ehlo()
            if self.security == "starttls":
                conn.starttls(context=self.ssl_context)
                conn.ehlo()
            if self.username:
                conn.login(self.username, self.password or "")
            return conn
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentError(f"SMTP login to {self.host}:{self.port} refused: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise RetryableError(f"SMTP connection to {self.host}:{self.port} failed: {exc}") from exc

    def send(self, msg: EmailMessage) -> str:
        """Submit one message; returns its Message-ID once the server accepted it (250 after DATA)."""
        if "From" not in msg:
            msg["From"] = self.from_addr
        conn = self._connect()
        try:
            refused = conn.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [c for c, _ in exc.recipients.values()]
            if all(400 <= c < 500 for c in codes):
                raise RetryableError(f"SMTP recipients deferred: {exc.recipients}") from exc
            raise PermanentError(f"SMTP recipients refused: {exc.recipients}") from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            if 400 <= exc.smtp_code < 500:
                raise RetryableError(f"SMTP temporary failure {exc.smtp_code}: {exc.smtp_error!r}") from exc
            raise PermanentError(f"SMTP refused {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (smtplib.SMTPServerDisconnected, TimeoutError, ConnectionResetError) as exc:
            raise AmbiguousError(
                f"SMTP connection lost while sending; the message may have been queued: {exc}"
            ) from exc
        finally:
            try:
                conn.quit()
            except Exception:  # noqa: BLE001 - the message outcome is already decided
                conn.close()
        if refused:
            raise PermanentError(f"SMTP refused some recipients: {refused}")
        return str(msg.get("Message-ID", ""))
