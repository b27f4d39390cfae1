"""Tenant subdomains: the format rule and the names no tenant may take, shared by
business registration and the one-person business a specialist gets at sign-up."""

from __future__ import annotations

import re

from bookwell.errors import ValidationFailed

# Names a tenant cannot take: platform hosts, and the words that follow
# /public/business/ in Host-routed paths (/public/business/services ...).
RESERVED_SUBDOMAINS = frozenset(
    {
        "www",
        "api",
        "admin",
        "app",
        "mail",
        "smtp",
        "imap",
        "pop",
        "ftp",
        "static",
        "assets",
        "cdn",
        "media",
        "docs",
        "blog",
        "dev",
        "staging",
        "test",
        "demo",
        "public",
        "business",
        "businesses",
        "services",
        "masters",
        "availability",
        "booking",
        "bookings",
        "client",
        "owner",
        "manager",
        "master",
        "help",
        "support",
        "status",
        "billing",
        "payments",
        "dashboard",
        "account",
        "accounts",
        "login",
        "auth",
        "root",
        "system",
        "bookwell",
    }
)
_SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$")
_SUBDOMAIN_CHARS = re.compile(r"^[a-z0-9-]+$")


def check_subdomain(value: str) -> str:
    """The subdomain as given, or ValidationFailed naming the problem. Uppercase is
    refused rather than lowercased, so the owner sees the address they will get."""

    def problem(message: str, code: str) -> ValidationFailed:
        return ValidationFailed.on("subdomain", message, code)

    if value != value.lower():
        raise problem("must be lowercase", "INVALID_FORMAT")
    if not 3 <= len(value) <= 63:
        raise problem("must be 3 to 63 characters long", "INVALID_LENGTH")
    if not _SUBDOMAIN_CHARS.match(value):
        raise problem("may contain only letters a-z, digits and hyphens", "INVALID_FORMAT")
    if not _SUBDOMAIN.match(value):
        raise problem("must not start or end with a hyphen", "INVALID_FORMAT")
    if "--" in value:
        raise problem("must not contain two hyphens in a row", "INVALID_FORMAT")
    if value in RESERVED_SUBDOMAINS:
        raise problem("is reserved; choose another name", "RESERVED")
    return value


def is_allowed_subdomain(value: str) -> bool:
    """Whether a tenant may take this name (format and reserved names; not whether it
    is free)."""
    try:
        check_subdomain(value)
    except ValidationFailed:
        return False
    return True
