"""Mailing a reminder (催报): plain SMTP with the deployment's settings, never fatal.

A reminder is recorded whether or not it can be mailed; what happened to the mail is written on
the reminder (the addresses, or why not), so a reviewer sees it.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from app.core.config import Settings

TIMEOUT_SECONDS = 10


def send(settings: Settings, *, to: list[str], subject: str, body: str) -> str:
    """Mail ``body`` to ``to``; answers what to record: the addresses, or why it was not sent."""
    if not settings.smtp_host:
        return "未配置邮件服务 / no SMTP configured"
    if not to:
        return "无邮箱地址 / no e-mail address on file"
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        return f"发送失败 / not sent: {type(exc).__name__}"
    return ", ".join(to)
