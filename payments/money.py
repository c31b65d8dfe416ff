"""Money: integer minor units plus an ISO 4217 currency, never floats.

Zero-decimal currencies (JPY, KRW...) have no minor unit: 500 JPY is `amount=500`.
"""

from __future__ import annotations

from decimal import Decimal

# Stripe's list of zero-decimal currencies.
ZERO_DECIMAL = frozenset(
    ["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"]
)


def exponent(currency: str) -> int:
    return 0 if currency.upper() in ZERO_DECIMAL else 2


def format_amount(amount: int, currency: str) -> str:
    """'25.00 EUR', '500 JPY' (for pages, PDFs and notifications)."""
    places = exponent(currency)
    value = Decimal(int(amount)).scaleb(-places)
    return f"{value:,.{places}f} {currency.upper()}"


def split_tax(total: int, *, rate_bps: int) -> int:
    """The tax contained in a tax-inclusive total, rounded half up to the minor unit."""
    if rate_bps <= 0:
        return 0
    net = (total * 10000 * 2 + (10000 + rate_bps)) // (2 * (10000 + rate_bps))
    return total - net


def add_tax(net: int, *, rate_bps: int) -> int:
    """The tax on a tax-exclusive amount, rounded half up to the minor unit."""
    return (net * rate_bps * 2 + 10000) // 20000


def charge_for(price: int, *, rate_bps: int, inclusive: bool) -> tuple[int, int, int]:
    """(net, tax, total) for a course price under the tax settings."""
    if inclusive:
        tax = split_tax(price, rate_bps=rate_bps)
        return price - tax, tax, price
    tax = add_tax(price, rate_bps=rate_bps)
    return price, tax, price + tax


def share(amount: int, *, bps: int) -> int:
    """bps/10000 of an amount, rounded half up (platform fee)."""
    return (amount * bps * 2 + 10000) // 20000
