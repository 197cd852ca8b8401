"""Numbers for arithmetic that is shown: every sum and product checks out to the digits shown.

    >>> shown([-3.0, 0.49998, -1.49994], [Sum(((0, 1),), 2)], 4)
    ['-3.0', '0.49998', '-1.4999']

At 4 decimals the operands would read `-3.0 × 0.5`, whose product is not `-1.4999`. The rule: a
final result is shown at `precision` decimals (more only if needed), and the numbers it is made
from with the fewest digits at which the sum or product of the numbers *as shown* rounds to the
result *as shown*, give or take the rounding of the float arithmetic that computed it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..graph.numbers import format_number

__all__ = ["Sum", "shown", "signed"]

MAX_RESULT_DIGITS = 15
MAX_OPERAND_DIGITS = 17


@dataclass(frozen=True)
class Sum:
    """`numbers[total]` = the sum over `terms` of the product of the numbers each term indexes."""

    terms: tuple[tuple[int, ...], ...]
    total: int


def shown(numbers: Sequence[float], relations: Sequence[Sum], precision: int) -> list[str]:
    """Texts for `numbers` at which every relation holds to the digits shown.

    A number that is no relation's operand (a final result) gets `precision` decimals; the
    numbers it is made from get at least as many as it, and so on down to the plain operands;
    each tier grows until the shown arithmetic is right. Non-finite numbers are shown as is.
    """
    tier = _tiers(len(numbers), relations)
    if relations and all(math.isfinite(x) for x in numbers):
        for digits in _digit_choices(precision, max(tier) + 1):
            texts = [format_number(x, digits[tier[i]]) for i, x in enumerate(numbers)]
            if all(_holds(r, texts, digits[tier[r.total]]) for r in relations):
                return texts
    return [format_number(x, precision) for x in numbers]


def _tiers(count: int, relations: Sequence[Sum]) -> list[int]:
    """0 for a number no relation uses; one more than the relations it is an operand of."""
    tier = [0] * count
    for _ in range(len(relations)):  # relations chain at most this deep
        for r in relations:
            for term in r.terms:
                for i in term:
                    tier[i] = max(tier[i], tier[r.total] + 1)
    return tier


def _digit_choices(precision: int, tiers: int) -> Iterator[list[int]]:
    """Decimals per tier, never fewer for a deeper tier, fewest for the results first."""
    if tiers == 1:
        for p in range(precision, MAX_RESULT_DIGITS + 1):
            yield [p]
        return
    for head in _digit_choices(precision, tiers - 1):
        for d in range(head[-1], MAX_OPERAND_DIGITS + 1):
            yield [*head, d]


def signed(text: str) -> str:
    """A shown number as the right-hand operand of + or ×: negative ones in parentheses."""
    return f"({text})" if text.startswith("-") else text


def _holds(relation: Sum, texts: Sequence[str], precision: int) -> bool:
    total, size = Decimal(0), Decimal(0)
    for term in relation.terms:
        product = Decimal(1)
        for i in term:
            product *= Decimal(texts[i])
        total, size = total + product, size + abs(product)
    result = texts[relation.total]
    slack = _resolution(result, precision) + 2 * float_rounding(len(relation.terms), size)
    return 2 * abs(total - Decimal(result)) <= slack


def float_rounding(terms: int, size: Decimal) -> Decimal:
    """How far the engine's float arithmetic may be from exact, for a sum of `terms` products
    whose sizes add up to `size`: one rounding per product and per addition. Where terms
    cancel, the result is that rounding (`0.1333... + (-0.1333...) = 3e-17`), which no choice
    of digits reproduces; it is allowed for, and only there does it matter."""
    return (terms + 1) * size * _UNIT_ROUNDOFF


_UNIT_ROUNDOFF = Decimal(2) ** -53


def _resolution(text: str, precision: int) -> Decimal:
    """The place of the last digit a number shown at `precision` stands for (zeros trimmed)."""
    exponent = Decimal(text).as_tuple().exponent
    assert isinstance(exponent, int)  # finite numbers only
    _, _, power = text.partition("e")
    full = int(power) - (precision - 1) if power else -precision
    return Decimal(10) ** min(exponent, full)
