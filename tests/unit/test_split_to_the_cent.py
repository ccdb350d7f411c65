"""II.1.6, III.1.6: a group's grant shared among its partners in proportion to their costs, in whole cents
that never add up to more (or less) than the grant the cap allows."""

from decimal import Decimal

from imvo.programme.calculator import split_to_the_cent


def test_three_equal_partners_share_a_grant_that_does_not_divide_by_three():
    assert split_to_the_cent(Decimal("100.00"), [Decimal(1)] * 3) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]


def test_rounding_each_share_on_its_own_would_pass_the_grant_by_a_cent():
    weights = [Decimal("1.5"), Decimal("1.5")]  # each exact share is 0.005: half-up would give 0.01 + 0.01
    assert split_to_the_cent(Decimal("0.01"), weights) == [Decimal("0.01"), Decimal("0.00")]
    shares = split_to_the_cent(Decimal("99039.27"), [Decimal("171000.00"), Decimal("73000.00"), Decimal("73000.05")])
    assert sum(shares) == Decimal("99039.27") and all(s == s.quantize(Decimal("0.01")) for s in shares)


def test_nothing_to_share_or_no_costs_gives_zero_shares():
    assert split_to_the_cent(Decimal("0.00"), [Decimal(5), Decimal(7)]) == [Decimal("0.00"), Decimal("0.00")]
    assert split_to_the_cent(Decimal("10.00"), [Decimal(0), Decimal(0)]) == [Decimal(0), Decimal(0)]
