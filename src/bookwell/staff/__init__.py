"""Staff of a business: masters, services and invitations."""
