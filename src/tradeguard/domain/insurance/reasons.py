"""Why an invoice (or the part of one) is not covered, in the order they are checked.

An invoice gets the first reason that applies; the claim lists it beside the invoice.
"""

from __future__ import annotations

from enum import StrEnum


class CoverReason(StrEnum):
    OUTSIDE_POLICY_PERIOD = "outside_policy_period"  # delivered before start or after end
    COUNTRY_EXCLUDED = "country_excluded"  # the buyer's country is excluded by the policy
    TERMS_BEYOND_MAXIMUM = "terms_beyond_maximum"  # terms longer than the maximum credit period
    NO_LIMIT = "no_limit"  # no insurer limit (or a refusal) and no discretionary limit
    AFTER_STOP_SHIPMENT = "after_stop_shipment"  # delivered after the buyer was notified
    NOTIFICATION_MISSED = "notification_missed"  # its notification deadline passed unreported,
    # or delivered after a missed deadline of the same buyer
    OVER_LIMIT = "over_limit"  # the part above the limit in force at delivery
    DISPUTED = "disputed"  # a dispute is open, or was found justified (a credit note is due)
