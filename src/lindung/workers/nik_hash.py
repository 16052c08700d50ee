"""The NIK's keyed hash: what an anonymised worker keeps instead of the NIK (docs/decisions/0017).

HMAC-SHA256 under ``settings.LINDUNG_NIK_HASH_KEY``, never a plain SHA-256: a NIK has about 10^10 plausible
values (region, birth date, sex, serial), so anyone holding a plain hash finds the NIK by trying them all in
hours. Without the key the keyed hash tells nothing; with it, the registry finds "registered before" when an
anonymised person is registered again (``registration``, the import's checks).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

# What an anonymised worker's ``nik`` holds: "#" and the worker's id in 15 digits (the table's check); never a
# NIK (a NIK is 16 digits), unique as the id is.
ANONYMISED_NIK_PREFIX = "#"


def nik_keyed_hash(nik: str) -> str:
    """64 hexadecimal digits of HMAC-SHA256(key, NIK)."""
    return hmac.new(settings.LINDUNG_NIK_HASH_KEY, nik.encode(), hashlib.sha256).hexdigest()


def anonymised_nik(worker_id: int) -> str:
    return f"{ANONYMISED_NIK_PREFIX}{worker_id:015d}"
