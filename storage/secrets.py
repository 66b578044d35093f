"""Credentials at rest: every token the database holds is Fernet ciphertext, never the token itself.

Owns sealing and opening the values of the columns marked secret (storage.models_install) with the keys an
operator gives in SECRET_KEY: a comma-separated list, newest first. The newest key encrypts; every listed key
decrypts (cryptography's MultiFernet), so keys are rotated by putting the new key first, re-sealing what is
stored (`Secrets.reseal`, behind `python -m bot workspace rekey`), then dropping the old key. Without a key
nothing is sealed and storing a credential is refused (NoSecretKey): a token is never written in clear.
The caller passes the keys; nothing here reads the environment.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["Secrets", "NoSecretKey", "SecretUnreadable"]


class NoSecretKey(RuntimeError):
    """A credential was to be stored, and no SECRET_KEY was given to seal it."""

    def __init__(self) -> None:
        super().__init__(
            "SECRET_KEY is not set: tokens are stored only encrypted, so this installation was not saved. Set "
            'SECRET_KEY to a Fernet key (make one with: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"), restart, and install again.'
        )


class SecretUnreadable(RuntimeError):
    """A stored credential that none of the SECRET_KEY keys opens (the key that sealed it was dropped)."""

    def __init__(self) -> None:
        super().__init__(
            "a stored token cannot be decrypted with any SECRET_KEY key: put back the key it was sealed with "
            "(SECRET_KEY=new,old), or install the app again"
        )


class Secrets:
    """`Secrets(["<newest key>", "<older key>", ...])`; `Secrets([])` can open nothing and seals nothing."""

    def __init__(self, keys: Sequence[str] = ()) -> None:
        self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys]) if keys else None

    @property
    def enabled(self) -> bool:
        return self._fernet is not None

    def seal(self, value: str | None) -> str | None:
        """The ciphertext of `value` under the newest key (None stays None)."""
        if value is None:
            return None
        if self._fernet is None:
            raise NoSecretKey()
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def open(self, value: str | None) -> str | None:
        """The value sealed in `value` (None stays None)."""
        if value is None:
            return None
        if self._fernet is None:
            raise NoSecretKey()
        try:
            return self._fernet.decrypt(value.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise SecretUnreadable() from None

    def reseal(self, value: str | None) -> str | None:
        """`value` sealed again under the newest key (what key rotation does to each stored secret)."""
        if value is None:
            return None
        if self._fernet is None:
            raise NoSecretKey()
        try:
            return self._fernet.rotate(value.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise SecretUnreadable() from None
