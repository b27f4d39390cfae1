"""The words of a one-time code message, in the guest's language (en, ru, kk)."""

from __future__ import annotations

from dataclasses import dataclass

from bookwell.models import Channel

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class CodeText:
    subject: str
    email: str
    sms: str


# Placeholders: {business}, {code}, {minutes}. SMS stays short (one GSM/UCS-2 part
# where the business name allows).
_TEXTS: dict[str, CodeText] = {
    "en": CodeText(
        subject="{business}: your verification code",
        email=(
            "Hello,\n\nYour verification code for {business} is {code}.\n\n"
            "It works once, for {minutes} minutes. If you did not ask for it, "
            "ignore this message.\n"
        ),
        sms="{code} is your {business} code. Valid {minutes} min.",
    ),
    "ru": CodeText(
        subject="{business}: код подтверждения",
        email=(
            "Здравствуйте!\n\nВаш код подтверждения для {business}: {code}.\n\n"
            "Код действует {minutes} мин. и только один раз. Если вы его не "
            "запрашивали, просто проигнорируйте это письмо.\n"
        ),
        sms="{code} — ваш код для {business}. Действует {minutes} мин.",
    ),
    "kk": CodeText(
        subject="{business}: растау коды",
        email=(
            "Сәлеметсіз бе!\n\n{business} үшін растау кодыңыз: {code}.\n\n"
            "Код бір рет қана, {minutes} минут ішінде жарамды. Егер сіз оны "
            "сұрамаған болсаңыз, бұл хатты елемеңіз.\n"
        ),
        sms="{code} — {business} үшін кодыңыз. {minutes} мин жарамды.",
    ),
}


def code_message(
    channel: Channel, language: str, business: str, code: str, minutes: int
) -> tuple[str, str]:
    """The subject (empty for SMS) and body carrying `code`."""
    text = _TEXTS.get(language, _TEXTS[DEFAULT_LANGUAGE])
    values = {"business": business, "code": code, "minutes": minutes}
    if channel is Channel.SMS:
        return "", text.sms.format(**values)
    return text.subject.format(**values), text.email.format(**values)
