"""Handing finished messages to a mail server, or to files in development."""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A delivery that did not happen; ``permanent`` says whether to retry."""

    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


class SmtpTransport:
    """SMTP with Flask-Mail's settings (MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS...)."""

    def __init__(self, config: dict):
        self.host = config["MAIL_SERVER"]
        self.port = int(config.get("MAIL_PORT") or 25)
        self.use_tls = bool(config.get("MAIL_USE_TLS"))
        self.use_ssl = bool(config.get("MAIL_USE_SSL"))
        self.username = config.get("MAIL_USERNAME")
        self.password = config.get("MAIL_PASSWORD")
        self.timeout = float(config.get("MAIL_TIMEOUT", 30))

    def _connect(self) -> smtplib.SMTP:
        if self.use_ssl:
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                timeout=self.timeout,
                context=ssl.create_default_context(),
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.use_tls:
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def send(self, content: bytes, sender: str, recipient: str) -> None:
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.sendmail(sender, [recipient], content)
        except smtplib.SMTPRecipientsRefused as error:
            code, answer = next(iter(error.recipients.values()))
            raise _from_reply(code, answer) from error
        except smtplib.SMTPResponseException as error:
            raise _from_reply(error.smtp_code, error.smtp_error) from error
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            raise DeliveryError(
                f"{type(error).__name__}: {error}", permanent=False
            ) from error


def _from_reply(code: int, answer) -> DeliveryError:
    if isinstance(answer, bytes):
        answer = answer.decode("utf-8", "replace")
    return DeliveryError(f"{code} {answer}", permanent=500 <= code < 600)


class FileTransport:
    """Development: each message becomes an .eml file in a folder."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, content: bytes, sender: str, recipient: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        # Time first so the files sort in sending order; random so that two
        # workers never write the same name.
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.folder / f"{stamp}-{secrets.token_hex(4)}.eml"
        path.write_bytes(content)
        log.info("mail to %s written to %s", recipient, path)


def transport_for(config: dict, instance_path: str):
    if config.get("MAIL_SERVER"):
        return SmtpTransport(config)
    return FileTransport(Path(instance_path) / "mail")
