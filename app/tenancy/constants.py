import re

PUBLIC_TENANT = "public"
"""The platform operator's own tenant: it holds the superadmins and no utility data."""

SLUG_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
