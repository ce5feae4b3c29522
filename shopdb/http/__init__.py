"""HTTP endpoints that are not generated from resource declarations."""

import sys

# PyJWT imports `cryptography` whenever it is installed, for the RSA and EC
# algorithms; ShopDB signs its tokens with HS256 (the standard library's
# HMAC) and never needs them. `cryptography` is installed for PyMySQL's RSA
# sign-in to MySQL 8, which imports it when it needs it. Imported with it,
# every server process carried 50 more modules and 8 MB (its Rust library)
# and started 0.25 s later; so PyJWT is imported here, before anything
# else of ShopDB's imports it, with `cryptography` reported missing to it.
# (Where another module imported either first, this changes nothing.)
if "jwt" not in sys.modules and "cryptography" not in sys.modules:
    sys.modules["cryptography"] = None  # type: ignore[assignment]
    try:
        import jwt  # noqa: F401
    finally:
        del sys.modules["cryptography"]
