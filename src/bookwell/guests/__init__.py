"""Guests (clients) of a business: one-time codes that prove an email or phone, the
client token they earn, and the verified client's own bookings (seed 002)."""
