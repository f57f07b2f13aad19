"""How an e-mail leaves: over SMTP (aiosmtplib, without blocking the event loop), or, with no
SMTP server configured (the embedded default), as an .eml file in a local outbox folder."""

import asyncio
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol

import aiosmtplib

from app.core import clock
from app.core.config import Settings


@dataclass(frozen=True)
class Adjunto:
    nombre: str
    media_type: str
    contenido: bytes


@dataclass(frozen=True)
class Mensaje:
    para: tuple[str, ...]
    asunto: str
    html: str
    texto: str
    adjuntos: tuple[Adjunto, ...] = field(default=())


class MailError(Exception):
    """The message was not accepted; the message says why (never a password)."""


class Mailer(Protocol):
    async def enviar(self, mensaje: Mensaje) -> None: ...


def construir(remitente: str, mensaje: Mensaje) -> EmailMessage:
    email = EmailMessage()
    email["From"] = remitente
    email["To"] = ", ".join(mensaje.para)
    email["Subject"] = mensaje.asunto
    email["Date"] = format_datetime(clock.now())
    email["Message-ID"] = make_msgid(domain="cunservicios")
    email.set_content(mensaje.texto)
    email.add_alternative(mensaje.html, subtype="html")
    for adjunto in mensaje.adjuntos:
        maintype, subtype = adjunto.media_type.split("/", 1)
        email.add_attachment(adjunto.contenido, maintype=maintype, subtype=subtype,
                             filename=adjunto.nombre)
    return email


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def enviar(self, mensaje: Mensaje) -> None:
        s = self._settings
        try:
            await aiosmtplib.send(
                construir(s.mail_from, mensaje), hostname=s.smtp_host, port=s.smtp_port,
                username=s.smtp_user, password=s.smtp_password,
                use_tls=s.smtp_security == "tls", start_tls=s.smtp_security == "starttls",
                timeout=s.smtp_timeout_seconds)
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            raise MailError(f"{type(exc).__name__}: {exc}"[:480]) from exc


class OutboxMailer:
    """Writes each message to `folder` as `<time>-<id>.eml` (any mail program opens it)."""

    def __init__(self, folder: str, remitente: str) -> None:
        self.folder = Path(folder)
        self._remitente = remitente

    async def enviar(self, mensaje: Mensaje) -> None:
        email = construir(self._remitente, mensaje)
        name = f"{clock.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        try:
            await asyncio.to_thread(self._write, name, bytes(email))
        except OSError as exc:
            raise MailError(f"the outbox folder cannot be written: {exc}") from exc

    def _write(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / name).write_bytes(data)


def mailer_de(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings)
    return OutboxMailer(settings.mail_outbox_dir, settings.mail_from)
