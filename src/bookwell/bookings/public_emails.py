"""The words of the confirmations a public booking sends (en, ru, kk): to the client in
the language of their Accept-Language, to the business's admins in their own.

Only text here: public.py decides who gets what and queues it in the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_currency

from bookwell.kit.money import precision
from bookwell.models import BookingKind, BookingStatus

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class BookingFacts:
    """What a confirmation says about one booking."""

    business: str
    reference: str
    kind: BookingKind
    status: BookingStatus
    start: datetime
    minutes: int
    timezone: str
    service: str
    master: str
    name: str
    email: str | None
    phone: str | None
    company: str
    notes: str
    total: int  # minor units of `currency`
    deposit: int
    currency: str
    payment_deadline: datetime | None


@dataclass(frozen=True, slots=True)
class Words:
    subject_booked: str
    subject_inquiry: str
    greeting: str
    confirmed: str
    awaiting: str
    deposit_due: str
    inquiry_received: str
    service: str
    master: str
    when: str
    minutes: str
    price: str
    company: str
    reference: str
    sms_booking: str
    sms_inquiry: str
    admin_subject_booking: str
    admin_subject_inquiry: str
    admin_intro: str
    client: str
    status: str
    notes: str


# Placeholders: {business}, {name}, {when}, {deposit}, {deadline}, {service},
# {reference}.
_WORDS: dict[str, Words] = {
    "en": Words(
        subject_booked="{business}: your booking for {when}",
        subject_inquiry="{business}: we received your request",
        greeting="Hello {name},",
        confirmed="Your booking is confirmed.",
        awaiting="We have your booking; {business} will confirm it shortly.",
        deposit_due=(
            "To keep this time, pay the deposit of {deposit} by {deadline}. "
            "An unpaid booking is released after that."
        ),
        inquiry_received="Thank you for your request; {business} will get back to you.",
        service="Service",
        master="With",
        when="When",
        minutes="min",
        price="Price",
        company="Company",
        reference="Reference",
        sms_booking="{business}: {service}, {when}. Ref. {reference}",
        sms_inquiry="{business}: request received for {when}. Ref. {reference}",
        admin_subject_booking="New booking: {service}, {when}",
        admin_subject_inquiry="New request from {name}, {when}",
        admin_intro="A new booking was made on the {business} booking page.",
        client="Client",
        status="Status",
        notes="Notes",
    ),
    "ru": Words(
        subject_booked="{business}: ваша запись на {when}",
        subject_inquiry="{business}: мы получили вашу заявку",
        greeting="Здравствуйте, {name}!",
        confirmed="Ваша запись подтверждена.",
        awaiting="Мы получили вашу запись; {business} скоро её подтвердит.",
        deposit_due=(
            "Чтобы сохранить это время, внесите предоплату {deposit} до {deadline}. "
            "Неоплаченная запись после этого снимается."
        ),
        inquiry_received="Спасибо за заявку! {business} свяжется с вами.",
        service="Услуга",
        master="Мастер",
        when="Когда",
        minutes="мин",
        price="Стоимость",
        company="Компания",
        reference="Номер",
        sms_booking="{business}: {service}, {when}. Номер {reference}",
        sms_inquiry="{business}: заявка на {when} принята. Номер {reference}",
        admin_subject_booking="Новая запись: {service}, {when}",
        admin_subject_inquiry="Новая заявка от {name}, {when}",
        admin_intro="На странице записи {business} появилась новая запись.",
        client="Клиент",
        status="Статус",
        notes="Комментарий",
    ),
    "kk": Words(
        subject_booked="{business}: {when} уақытына жазылуыңыз",
        subject_inquiry="{business}: өтініміңіз қабылданды",
        greeting="Сәлеметсіз бе, {name}!",
        confirmed="Жазылуыңыз расталды.",
        awaiting="Жазылуыңыз қабылданды; {business} оны жақын арада растайды.",
        deposit_due=(
            "Бұл уақытты сақтау үшін {deadline} дейін {deposit} алдын ала төлем "
            "жасаңыз. Төленбеген жазылу одан кейін босатылады."
        ),
        inquiry_received="Өтініміңіз үшін рақмет! {business} сізбен хабарласады.",
        service="Қызмет",
        master="Шебер",
        when="Уақыты",
        minutes="мин",
        price="Бағасы",
        company="Компания",
        reference="Нөмірі",
        sms_booking="{business}: {service}, {when}. Нөмірі {reference}",
        sms_inquiry="{business}: {when} өтінім қабылданды. Нөмірі {reference}",
        admin_subject_booking="Жаңа жазылу: {service}, {when}",
        admin_subject_inquiry="{name} жаңа өтінім жіберді, {when}",
        admin_intro="{business} жазылу бетінде жаңа жазылу жасалды.",
        client="Клиент",
        status="Күйі",
        notes="Түсініктеме",
    ),
}


def _words(language: str) -> Words:
    return _WORDS.get(language, _WORDS[DEFAULT_LANGUAGE])


def _locale(language: str) -> str:
    return language if language in _WORDS else DEFAULT_LANGUAGE


def _when(moment: datetime, timezone: str, language: str) -> str:
    local = format_datetime(
        moment, "EEEE d MMMM y, HH:mm", tzinfo=ZoneInfo(timezone), locale=_locale(language)
    )
    return f"{local} ({timezone})"


def _short_when(moment: datetime, timezone: str, language: str) -> str:
    return str(
        format_datetime(moment, "d MMM, HH:mm", tzinfo=ZoneInfo(timezone), locale=_locale(language))
    )


def _money(amount: int, currency: str, language: str) -> str:
    major = Decimal(amount).scaleb(-precision(currency))
    return str(format_currency(major, currency, locale=_locale(language)))


def _details(facts: BookingFacts, words: Words, language: str) -> list[str]:
    lines = [f"{words.when}: {_when(facts.start, facts.timezone, language)}"]
    lines[0] += f", {facts.minutes} {words.minutes}"
    if facts.kind is BookingKind.APPOINTMENT:
        lines += [f"{words.service}: {facts.service}", f"{words.master}: {facts.master}"]
        if facts.total:
            lines.append(f"{words.price}: {_money(facts.total, facts.currency, language)}")
    if facts.company:
        lines.append(f"{words.company}: {facts.company}")
    lines.append(f"{words.reference}: {facts.reference}")
    return lines


def client_email(facts: BookingFacts, language: str) -> tuple[str, str]:
    """The subject and body of the client's confirmation."""
    words = _words(language)
    values = {"business": facts.business, "name": facts.name}
    if facts.kind is BookingKind.INQUIRY:
        subject = words.subject_inquiry.format(**values)
        state = words.inquiry_received.format(**values)
    else:
        when = _short_when(facts.start, facts.timezone, language)
        subject = words.subject_booked.format(when=when, **values)
        if facts.status is BookingStatus.PENDING_PAYMENT and facts.payment_deadline:
            state = words.deposit_due.format(
                deposit=_money(facts.deposit, facts.currency, language),
                deadline=_when(facts.payment_deadline, facts.timezone, language),
            )
        elif facts.status is BookingStatus.CONFIRMED:
            state = words.confirmed
        else:
            state = words.awaiting.format(**values)
    body = "\n".join(
        [
            words.greeting.format(**values),
            "",
            state,
            "",
            *_details(facts, words, language),
            "",
            facts.business,
            "",
        ]
    )
    return subject, body


def client_sms(facts: BookingFacts, language: str) -> str:
    """A short confirmation for a client who left only a phone number."""
    words = _words(language)
    template = words.sms_inquiry if facts.kind is BookingKind.INQUIRY else words.sms_booking
    return template.format(
        business=facts.business,
        service=facts.service,
        when=_short_when(facts.start, facts.timezone, language),
        reference=facts.reference,
    )


def admin_email(facts: BookingFacts, language: str) -> tuple[str, str]:
    """The subject and body of the note to the business's admin."""
    words = _words(language)
    when = _short_when(facts.start, facts.timezone, language)
    if facts.kind is BookingKind.INQUIRY:
        subject = words.admin_subject_inquiry.format(name=facts.name, when=when)
    else:
        subject = words.admin_subject_booking.format(service=facts.service, when=when)
    contact = ", ".join(part for part in (facts.name, facts.email, facts.phone) if part)
    lines = [
        words.admin_intro.format(business=facts.business),
        "",
        *_details(facts, words, language),
        f"{words.client}: {contact}",
        f"{words.status}: {facts.status.value}",
    ]
    if facts.notes:
        lines += ["", f"{words.notes}:", facts.notes]
    return subject, "\n".join([*lines, ""])
