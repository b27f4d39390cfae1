"""One rule for changing a business's currency, shared by PUT /businesses/{businessId}
and a specialist's PUT /specialists/profile (their one-person business)."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.businesses.repository import ServiceRepository
from bookwell.errors import BusinessRuleViolation, ErrorDetail, ValidationFailed
from bookwell.kit.money import minor_units, precision
from bookwell.models import Business
from bookwell.staff.repository import MasterRepository


class StoredAmount(StrEnum):
    """The stored amounts a currency change re-expresses, unless the request replaces them."""

    BUSINESS_DEPOSIT = "the business deposit"
    BASE_RATE = "the base rate"
    MASTER_DEPOSIT = "the master's deposit"


async def change_currency(
    session: AsyncSession,
    business: Business,
    currency: str,
    *,
    field: str,
    replaced: Collection[StoredAmount] = (),
) -> None:
    """Switch the business to `currency`. Service prices are stored in minor units of
    the business currency, so the currency is fixed once the business has services
    (422 on `field`). Otherwise the business deposit and its masters' base rates and
    deposits keep their numbers (20 USD -> 20 EUR); an amount the new currency cannot
    hold (12.5 -> JPY) is a 400 on `field`, unless the request replaces it."""
    old = business.currency
    if currency == old:
        return
    if await ServiceRepository(session, business.id).count() > 0:
        raise BusinessRuleViolation(
            f"The currency cannot change while the business has services priced in {old}",
            details=[ErrorDetail(field, "is fixed once services exist", "LOCKED")],
        )

    def convert(amount: int, what: StoredAmount) -> int:
        major = Decimal(amount).scaleb(-precision(old))
        try:
            return minor_units(major, currency, field)
        except ValidationFailed:
            raise ValidationFailed.on(
                field,
                f"{what.value} ({major.normalize():f} {old}) does not fit {currency}; "
                "change it in the same request",
                "INVALID_AMOUNT",
            ) from None

    if StoredAmount.BUSINESS_DEPOSIT not in replaced:
        business.deposit_amount = convert(business.deposit_amount, StoredAmount.BUSINESS_DEPOSIT)
    for master, _ in await MasterRepository(session, business.id).with_users():
        if StoredAmount.BASE_RATE not in replaced:
            master.base_rate = convert(master.base_rate, StoredAmount.BASE_RATE)
        if master.deposit_amount is not None and StoredAmount.MASTER_DEPOSIT not in replaced:
            master.deposit_amount = convert(master.deposit_amount, StoredAmount.MASTER_DEPOSIT)
    business.currency = currency
