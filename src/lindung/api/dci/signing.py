"""Signatures of DCI messages (``{signature, header, message}``) with Ed25519, and Lindung's own key.

The scheme is the one the DCI standard names for its ``signature`` field (``MsgSignature`` in
``spdci/standards`` ``release/yaml/registry_core_api_v1.0.0.yaml``) and that OpenSPP's DCI server implements,
so that a civil registry following the standard can talk to Lindung unchanged::

    Signature: namespace="lindung", kidId="{sender_id}|{kid}|ed25519", algorithm="ed25519",
    created="{unix seconds}", expires="{unix seconds}", headers="(created) (expires) digest",
    signature="{base64 of the Ed25519 signature}"

(one line; shown here in two). What is signed is the UTF-8 text::

    (created): {created}\\n(expires): {expires}\\ndigest: {digest}

where ``digest`` is the standard base64 of the SHA-256 of the canonical JSON of ``{"header": header,
"message": message}``: keys sorted, separators ``","`` and ``":"``, non-ASCII characters escaped (Python's
``json.dumps(..., sort_keys=True, separators=(",", ":"))``). ``kid`` is the key's RFC 7638 thumbprint, as the
DCI JWKS API asks; keys are JWKs (RFC 8037, ``kty`` ``OKP``, ``crv`` ``Ed25519``) read and written by
``joserfc``; the signature itself is ``cryptography``'s Ed25519.

A signature is refused when it does not verify, names a key the sender has not registered, uses another
algorithm, or is outside its ``created``..``expires`` window (with ``CLOCK_SKEW`` either side); the caller
checks the header's ``message_ts`` too (``message_time_refusal``).

Lindung's private key is a PEM file (PKCS #8), ``LINDUNG_DCI_SIGNING_KEY_FILE``, by default
``LINDUNG_DATA_DIR/dci-signing-key.pem``, made on first use readable by its owner only (0600).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone
from joserfc.jwk import OKPKey

ALGORITHM = "ed25519"
JWK_ALG = "EdDSA"
NAMESPACE = "lindung"
SIGNED_HEADERS = "(created) (expires) digest"

_PARAM = re.compile(r'([A-Za-z]+)="([^"]*)"')


class SignatureRefused(Exception):
    """A signature that cannot be accepted; ``code`` says why (no personal data in it, safe to log)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Verified:
    """A signature that verified: the registered key it verified with, and its window."""

    kid: str
    sender_id: str
    created: dt.datetime
    expires: dt.datetime


# --- canonical form -----------------------------------------------------------------------------------------


def canonical(header: dict[str, Any], message: Any) -> bytes:
    return json.dumps({"header": header, "message": message}, sort_keys=True, separators=(",", ":")).encode("ascii")


def digest(header: dict[str, Any], message: Any) -> str:
    return base64.b64encode(hashlib.sha256(canonical(header, message)).digest()).decode("ascii")


def _signing_string(created: int, expires: int, digest_b64: str) -> bytes:
    return f"(created): {created}\n(expires): {expires}\ndigest: {digest_b64}".encode()


# --- keys ---------------------------------------------------------------------------------------------------


def public_jwk(key: Ed25519PrivateKey | Ed25519PublicKey) -> dict[str, str]:
    """The public JWK of ``key`` with its thumbprint as ``kid``, for signature use with EdDSA."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    okp = OKPKey.import_key(
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return {str(k): str(v) for k, v in okp.as_dict(private=False, kid=okp.thumbprint(), use="sig", alg=JWK_ALG).items()}


def jwk_public_key(jwk: dict[str, Any]) -> tuple[str, Ed25519PublicKey]:
    """A registered JWK as (kid, key); the kid defaults to the thumbprint. ValueError unless an Ed25519 public key."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "d" in jwk:
        raise ValueError("not an Ed25519 public JWK")
    okp = OKPKey.import_key({name: jwk[name] for name in ("kty", "crv", "x") if name in jwk})
    public = okp.public_key
    assert isinstance(public, Ed25519PublicKey)
    return str(jwk.get("kid") or okp.thumbprint()), public


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_or_create_private_key(path: Path) -> Ed25519PrivateKey:
    """The key in ``path``; made there (0600) when the file does not exist, atomically (two processes starting
    together end with the same key)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(private_key_pem(generate_private_key()))
            # Fails if another process made it meanwhile: theirs is kept.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


_cache: dict[Path, Ed25519PrivateKey] = {}
_cache_lock = threading.Lock()


def lindung_private_key() -> Ed25519PrivateKey:
    path = Path(settings.LINDUNG_DCI_SIGNING_KEY_FILE)
    with _cache_lock:
        if path not in _cache:
            _cache[path] = load_or_create_private_key(path)
        return _cache[path]


def jwks() -> dict[str, list[dict[str, str]]]:
    """Lindung's public keys, as ``/.well-known/jwks.json`` publishes them."""
    return {"keys": [public_jwk(lindung_private_key())]}


# --- signing and verifying --------------------------------------------------------------------------------


def sign(
    header: dict[str, Any],
    message: Any,
    *,
    key: Ed25519PrivateKey | None = None,
    sender_id: str | None = None,
    now: dt.datetime | None = None,
    lifetime: int | None = None,
) -> str:
    """The ``signature`` of an envelope; Lindung's key and sender id unless others are given (the simulator)."""
    key = key or lindung_private_key()
    sender_id = sender_id or str(header.get("sender_id") or settings.LINDUNG_DCI_SENDER_ID)
    created = int((now or timezone.now()).timestamp())
    expires = created + (lifetime if lifetime is not None else int(settings.LINDUNG_DCI_SIGNATURE_SECONDS))
    kid = public_jwk(key)["kid"]
    signature = key.sign(_signing_string(created, expires, digest(header, message)))
    params = {
        "namespace": NAMESPACE,
        "kidId": f"{sender_id}|{kid}|{ALGORITHM}",
        "algorithm": ALGORITHM,
        "created": str(created),
        "expires": str(expires),
        "headers": SIGNED_HEADERS,
        "signature": base64.b64encode(signature).decode("ascii"),
    }
    return "Signature: " + ", ".join(f'{name}="{value}"' for name, value in params.items())


def signed_envelope(header: dict[str, Any], message: Any, **options: Any) -> dict[str, Any]:
    return {"signature": sign(header, message, **options), "header": header, "message": message}


def _parse(signature: str) -> dict[str, str]:
    text = signature.strip()
    if text[:10].lower() == "signature:":
        text = text[10:]
    return dict(_PARAM.findall(text))


def verify(
    envelope: dict[str, Any],
    keys: list[dict[str, Any]],
    *,
    now: dt.datetime | None = None,
) -> Verified:
    """Check ``envelope``'s signature against ``keys`` (the sender's registered JWKs); SignatureRefused if not."""
    signature = envelope.get("signature")
    header = envelope.get("header")
    if not isinstance(signature, str) or not signature or len(signature) > 2000:
        raise SignatureRefused("signature.missing")
    if not isinstance(header, dict):
        raise SignatureRefused("header.missing")
    params = _parse(signature)
    if params.get("algorithm", "").lower() != ALGORITHM:
        raise SignatureRefused("signature.algorithm")
    if params.get("headers", SIGNED_HEADERS) != SIGNED_HEADERS:
        raise SignatureRefused("signature.headers")
    key_parts = params.get("kidId", "").split("|")
    if len(key_parts) != 3 or key_parts[2].lower() != ALGORITHM:
        raise SignatureRefused("signature.kid")
    sender_id, kid = key_parts[0], key_parts[1]
    try:
        created, expires = int(params["created"]), int(params["expires"])
        raw = base64.b64decode(params["signature"], validate=True)
    except (KeyError, ValueError, binascii.Error):
        raise SignatureRefused("signature.malformed") from None
    registered: dict[str, Ed25519PublicKey] = {}
    for jwk in keys:
        try:
            jwk_kid, public = jwk_public_key(jwk)
        except (ValueError, KeyError, TypeError):
            continue  # a registered key that is not Ed25519 signs nothing here
        registered[jwk_kid] = public
    public_key = registered.get(kid)
    if public_key is None:
        raise SignatureRefused("signature.unknown_key")
    try:
        public_key.verify(raw, _signing_string(created, expires, digest(header, envelope.get("message"))))
    except InvalidSignature:
        raise SignatureRefused("signature.invalid") from None
    moment = (now or timezone.now()).timestamp()
    skew = int(settings.LINDUNG_DCI_CLOCK_SKEW_SECONDS)
    if created > moment + skew or expires < moment - skew or expires <= created:
        raise SignatureRefused("signature.expired")
    if expires - created > int(settings.LINDUNG_DCI_SIGNATURE_MAX_SECONDS):
        raise SignatureRefused("signature.too_long_lived")
    return Verified(
        kid=kid,
        sender_id=sender_id,
        created=dt.datetime.fromtimestamp(created, tz=dt.UTC),
        expires=dt.datetime.fromtimestamp(expires, tz=dt.UTC),
    )


def message_time_refusal(header: dict[str, Any], *, now: dt.datetime | None = None) -> str | None:
    """``header.message_ts`` older than ``LINDUNG_DCI_MESSAGE_MAX_AGE_SECONDS`` or in the future beyond the clock
    skew: the reason code; None when it is in time."""
    raw = header.get("message_ts")
    if not isinstance(raw, str):
        return "message_ts.invalid"
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return "message_ts.invalid"
    if moment.tzinfo is None:
        return "message_ts.invalid"
    now = now or timezone.now()
    if moment > now + dt.timedelta(seconds=int(settings.LINDUNG_DCI_CLOCK_SKEW_SECONDS)):
        return "message_ts.future"
    if moment < now - dt.timedelta(seconds=int(settings.LINDUNG_DCI_MESSAGE_MAX_AGE_SECONDS)):
        return "message_ts.expired"
    return None
