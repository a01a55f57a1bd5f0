"""Statistical disclosure control for published figures, by DfE's rule for children's social
care statistics: 0 stays 0; any count from 1 to 5 is suppressed and shown as ``c``; a rate or
percentage whose numerator or denominator is from 1 to 5 is suppressed with it, since it would
reveal the count.

This module holds the primary rule, applied to every figure computed from case-level records
before any command shows it; tables with totals need secondary suppression too, which the
report layer applies.
"""

from __future__ import annotations

import attrs

__all__ = ["SUPPRESSED", "Rule", "DEFAULT_RULE"]

#: The symbol DfE publishes in place of a suppressed figure.
SUPPRESSED = "c"


@attrs.frozen
class Rule:
    """A disclosure control rule.

    Attributes:
        smallest: the smallest non-zero count that may be published (6 under DfE's rule).
    """

    smallest: int = 6

    def hides_count(self, count: int) -> bool:
        """True for a count that must not be published (1 to ``smallest - 1``)."""
        return 0 < count < self.smallest

    def hides_share(self, numerator: int, denominator: int) -> bool:
        """True for a percentage or rate that would reveal a suppressed count."""
        return self.hides_count(numerator) or self.hides_count(denominator)


DEFAULT_RULE = Rule()
