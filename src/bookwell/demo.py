"""Demo data: multi-location businesses with owners, managers and masters, solo
specialists, and their services in English, Russian and Kazakh.

`bookwell seed-demo` runs `seed_demo`. The same seed gives the same data (ids
included). Every demo account has an email ending in `.demo` and the password
`DEMO_PASSWORD`; when such an account already exists the demo data is left as it is,
so running the command twice changes nothing the second time.
"""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.auth.passwords import hash_password
from bookwell.demo_content import (
    BIOS,
    BUSINESS_DESCRIPTIONS,
    BUSINESS_NAMES,
    CATEGORIES,
    LOCATION_NAMES,
    MARKETS,
    NAMES,
    OFFERS,
    OPENING_HOURS,
    TRADES,
    WORKING_HOURS,
    City,
    Market,
    Offer,
    slug,
)
from bookwell.kit.clock import utcnow
from bookwell.kit.money import to_minor
from bookwell.models import (
    Business,
    BusinessRole,
    BusinessStatus,
    Category,
    Location,
    Master,
    Membership,
    Service,
    User,
    UserType,
    service_masters,
)

# Printed by `bookwell seed-demo`: demo accounts are for trying the product locally.
DEMO_PASSWORD = "Demo-booking-2026"  # noqa: S105
DEMO_EMAIL_DOMAIN = ".demo"
# Units (one business with its people and services) written per flush.
_CHUNK = 10

# Called with (units written, units in all) as the data is written.
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class DemoOptions:
    businesses: int = 4
    specialists: int = 40
    services_per_master: int = 6
    seed: int = 2026


@dataclass(slots=True)
class DemoSummary:
    skipped: bool = False
    categories_added: int = 0
    businesses: int = 0
    locations: int = 0
    users: int = 0
    masters: int = 0
    services: int = 0
    # (who, email) of a few accounts worth signing in as.
    logins: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class _Unit:
    """One business and everything in it, written together."""

    business: Business
    users: list[User] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    masters: list[Master] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    links: list[dict[str, uuid.UUID]] = field(default_factory=list)


async def demo_data_exists(session: AsyncSession) -> bool:
    found = await session.scalar(
        select(User.id).where(User.email.like(f"%{DEMO_EMAIL_DOMAIN}")).limit(1)
    )
    return found is not None


async def ensure_categories(session: AsyncSession) -> int:
    """Insert the standard categories that are missing; return how many were added."""
    existing = set(await session.scalars(select(Category.id)))
    missing = [
        Category(
            id=category.id,
            names=dict(category.names),
            descriptions=dict(category.descriptions),
            icon=category.icon,
            sort_order=order,
        )
        for order, category in enumerate(CATEGORIES)
        if category.id not in existing
    ]
    session.add_all(missing)
    await session.flush()
    return len(missing)


async def seed_demo(
    session: AsyncSession, options: DemoOptions, on_progress: ProgressCallback | None = None
) -> DemoSummary:
    """Fill the database with demo data in the session's transaction (the caller
    commits). Categories are always completed; the rest is skipped when demo accounts
    already exist."""
    summary = DemoSummary(categories_added=await ensure_categories(session))
    if await demo_data_exists(session):
        summary.skipped = True
        return summary
    # Argon2 is slow on purpose: hash once, share the hash between all demo accounts.
    rng = random.Random(options.seed)  # noqa: S311 (reproducible data, not secrets)
    builder = _Builder(rng, await hash_password(DEMO_PASSWORD), options)
    # Real tenants keep their subdomains; a demo business that would clash gets "-2".
    builder.subdomains.update(await session.scalars(select(Business.subdomain)))
    units = [builder.business(index) for index in range(options.businesses)]
    units += [builder.specialist(index) for index in range(options.specialists)]
    written = 0
    for chunk in _chunks(units, _CHUNK):
        await _write(session, chunk)
        written += len(chunk)
        if on_progress is not None:
            on_progress(written, len(units))
    for unit in units:
        summary.businesses += 1
        summary.locations += len(unit.locations)
        summary.users += len(unit.users)
        summary.masters += len(unit.masters)
        summary.services += len(unit.services)
    summary.logins = builder.logins
    return summary


def _chunks(units: list[_Unit], size: int) -> Iterator[list[_Unit]]:
    for start in range(0, len(units), size):
        yield units[start : start + size]


async def _write(session: AsyncSession, chunk: list[_Unit]) -> None:
    # Flushed parents first: these models have foreign keys but no relationship()
    # between them, so the unit of work would not order the inserts by itself.
    session.add_all([row for unit in chunk for row in (unit.business, *unit.users)])
    await session.flush()
    session.add_all([location for unit in chunk for location in unit.locations])
    await session.flush()
    for unit in chunk:
        session.add_all([*unit.memberships, *unit.masters, *unit.services])
    await session.flush()
    links = [link for unit in chunk for link in unit.links]
    if links:
        await session.execute(insert(service_masters), links)


def _years(language: str, years: int) -> str:
    if language == "ru":
        if years % 10 == 1 and years % 100 != 11:
            return f"{years} год"
        if 2 <= years % 10 <= 4 and not 12 <= years % 100 <= 14:
            return f"{years} года"
        return f"{years} лет"
    return str(years)


class _Builder:
    """Makes the rows in memory, drawing every choice from one seeded generator."""

    def __init__(self, rng: random.Random, password_hash: str, options: DemoOptions) -> None:
        self.rng = rng
        self.password_hash = password_hash
        self.services_per_master = options.services_per_master
        self.subdomains: set[str] = set()
        self.business_names: set[str] = set()
        self.category_names = {category.id: category.names for category in CATEGORIES}
        self.logins: list[tuple[str, str]] = []

    def _id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _subdomain(self, text: str) -> str:
        base = slug(text)[:50].strip("-") or "demo"
        candidate, number = base, 2
        while candidate in self.subdomains:
            candidate, number = f"{base}-{number}", number + 1
        self.subdomains.add(candidate)
        return candidate

    def _phone(self, market: Market) -> str:
        return f"{market.phone_prefix}{self.rng.randrange(1_000_000, 10_000_000)}"

    def _price(self, offer: Offer, market: Market) -> int:
        major = offer.usd * market.usd_rate * self.rng.uniform(0.8, 1.25)
        step = market.price_step
        return to_minor(max(step, round(major / step) * step), market.currency)

    def _user(
        self, email: str | None, market: Market, user_type: UserType = UserType.CUSTOMER
    ) -> User:
        names = NAMES[market.language]
        female = self.rng.random() < 0.5
        first = self.rng.choice(names.female if female else names.male)
        last = self.rng.choice(names.surnames) + (names.female_suffix if female else "")
        return User(
            id=self._id(),
            email=email,
            password_hash=self.password_hash,
            first_name=first,
            last_name=last,
            phone_number=self._phone(market),
            user_type=user_type,
            language=market.language,
            currency=market.currency,
            # Made up by the operator who seeds them, like a super admin: their
            # businesses are active, which needs verified owners.
            email_verified_at=utcnow() if email is not None else None,
        )

    def _business(
        self, name: str, subdomain: str, market: Market, city: City, *, solo: bool
    ) -> Business:
        return Business(
            id=self._id(),
            name=name,
            subdomain=subdomain,
            status=BusinessStatus.ACTIVE,
            timezone=city.timezone,
            currency=market.currency,
            opening_hours=copy.deepcopy(OPENING_HOURS),
            cancellation_notice_hours=self.rng.choice((2, 12, 24)),
            auto_confirm=self.rng.random() < 0.5,
            is_solo=solo,
            contact_email=f"hello@{subdomain}{DEMO_EMAIL_DOMAIN}",
            contact_phone=self._phone(market),
            decided_at=utcnow(),
        )

    def _location(self, business: Business, market: Market, city: City) -> Location:
        street = self.rng.choice(city.streets).format(n=self.rng.randint(1, 250))
        return Location(
            id=self._id(),
            business_id=business.id,
            name=LOCATION_NAMES[market.language].format(city=city.name, street=street),
            address=f"{street}, {city.name}",
            timezone=city.timezone,
            phone=self._phone(market),
        )

    def _master(
        self, unit: _Unit, user: User, location: Location, market: Market, trade: str
    ) -> Master:
        years = self.rng.randint(2, 20)
        reviews = self.rng.randint(0, 250)
        master = Master(
            id=self._id(),
            business_id=unit.business.id,
            user_id=user.id,
            description=self.rng.choice(BIOS[market.language]).format(
                years=_years(market.language, years)
            ),
            specialties=[self.category_names[c][market.language] for c in TRADES[trade]],
            experience_years=years,
            timezone=location.timezone,
            working_hours=copy.deepcopy(self.rng.choice(WORKING_HOURS)),
            rating=Decimal(f"{self.rng.uniform(4.2, 5.0):.2f}") if reviews else Decimal(0),
            total_reviews=reviews,
            total_bookings=reviews * self.rng.randint(2, 4) + self.rng.randint(0, 30),
            is_verified=self.rng.random() < 0.8,
            locations=[location],
        )
        unit.users.append(user)
        unit.memberships.append(self._membership(unit, user, BusinessRole.MASTER, [location]))
        unit.masters.append(master)
        return master

    def _membership(
        self, unit: _Unit, user: User, role: BusinessRole, locations: list[Location]
    ) -> Membership:
        return Membership(
            id=self._id(),
            business_id=unit.business.id,
            user_id=user.id,
            role=role,
            locations=locations,
        )

    def _service(self, unit: _Unit, offer: Offer, market: Market) -> Service:
        service = Service(
            id=self._id(),
            business_id=unit.business.id,
            category_id=offer.category,
            name=offer.names[market.language],
            description=offer.descriptions[market.language],
            duration_minutes=offer.minutes,
            price=self._price(offer, market),
            buffer_after_minutes=self.rng.choice((0, 0, 5, 10, 15)),
            min_notice_minutes=self.rng.choice((0, 60, 120, 1440)),
            slot_step_minutes=15,
            is_active=True,
        )
        unit.services.append(service)
        return service

    def _offers(self, trade: str) -> list[Offer]:
        return [offer for offer in OFFERS if offer.category in TRADES[trade]]

    def business(self, index: int) -> _Unit:
        """A business with 2-3 locations, an owner, a manager and two masters at each."""
        trades = list(TRADES)
        trade = trades[index % len(trades)]
        # Cycled rather than drawn, so that even a few businesses cover every language.
        market = MARKETS[index % len(MARKETS)]
        city = self.rng.choice(market.cities)
        name = self.rng.choice(BUSINESS_NAMES[trade][market.language])
        if name in self.business_names:
            name = f"{name}, {city.name}"
        self.business_names.add(name)
        subdomain = self._subdomain(name)
        domain = subdomain + DEMO_EMAIL_DOMAIN
        unit = _Unit(self._business(name, subdomain, market, city, solo=False))
        cities = [city] + [self.rng.choice(market.cities) for _ in range(self.rng.randint(1, 2))]
        unit.locations = [self._location(unit.business, market, c) for c in cities]
        unit.business.description = BUSINESS_DESCRIPTIONS[market.language].format(
            name=name, count=len(cities), city=city.name
        )

        owner = self._user(f"owner@{domain}", market)
        unit.users.append(owner)
        unit.memberships.append(self._membership(unit, owner, BusinessRole.OWNER, []))
        masters: list[Master] = []
        for number, location in enumerate(unit.locations, start=1):
            manager = self._user(f"manager{number}@{domain}", market)
            unit.users.append(manager)
            unit.memberships.append(
                self._membership(unit, manager, BusinessRole.MANAGER, [location])
            )
            for seat in (1, 2):
                email = f"master{2 * number - 2 + seat}@{domain}"
                user = self._user(email, market, UserType.SPECIALIST)
                masters.append(self._master(unit, user, location, market, trade))

        services = [self._service(unit, offer, market) for offer in self._offers(trade)]
        offered: set[uuid.UUID] = set()
        for master in masters:
            count = min(self.services_per_master, len(services))
            for service in self.rng.sample(services, count):
                unit.links.append({"service_id": service.id, "master_id": master.id})
                offered.add(service.id)
        # Every service is bookable with someone.
        for service in services:
            if service.id not in offered:
                master = self.rng.choice(masters)
                unit.links.append({"service_id": service.id, "master_id": master.id})
        if index == 0:
            self.logins += [
                ("business owner", f"owner@{domain}"),
                ("manager", f"manager1@{domain}"),
                ("master", f"master1@{domain}"),
            ]
        return unit

    def specialist(self, index: int) -> _Unit:
        """A specialist working alone: a one-person business, owner and master at once."""
        market = MARKETS[index % len(MARKETS)]
        trade = self.rng.choice(list(TRADES))
        city = self.rng.choice(market.cities)
        user = self._user(None, market, UserType.SPECIALIST)
        name = f"{user.first_name} {user.last_name}"
        subdomain = self._subdomain(name)
        email = f"owner@{subdomain}{DEMO_EMAIL_DOMAIN}"
        user.email = email
        unit = _Unit(self._business(name, subdomain, market, city, solo=True))
        location = self._location(unit.business, market, city)
        unit.locations.append(location)
        unit.memberships.append(self._membership(unit, user, BusinessRole.OWNER, []))
        master = self._master(unit, user, location, market, trade)
        offers = self._offers(trade)
        for offer in self.rng.sample(offers, min(self.services_per_master, len(offers))):
            service = self._service(unit, offer, market)
            unit.links.append({"service_id": service.id, "master_id": master.id})
        unit.business.description = master.description
        if index == 0:
            self.logins.append(("solo specialist", email))
        return unit


def describe(summary: DemoSummary) -> list[tuple[str, int]]:
    """Rows for a report: what was created."""
    return [
        ("businesses", summary.businesses),
        ("locations", summary.locations),
        ("users", summary.users),
        ("masters", summary.masters),
        ("services", summary.services),
    ]
