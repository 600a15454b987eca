"""A claim's workflow and the insurer's payout clock.

``draft → submitted → under_review → paid | rejected``; a submitted claim may also be
paid or rejected straight away (an insurer that decides without a review step), and a
draft may be withdrawn. Paid, rejected and withdrawn are final.
"""

from __future__ import annotations

from enum import StrEnum

from tradeguard.domain.workflow import Workflow


class ClaimStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    PAID = "paid"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


CLAIM_WORKFLOW = Workflow.of(
    {
        ClaimStatus.DRAFT: {ClaimStatus.SUBMITTED, ClaimStatus.WITHDRAWN},
        ClaimStatus.SUBMITTED: {ClaimStatus.UNDER_REVIEW, ClaimStatus.PAID, ClaimStatus.REJECTED},
        ClaimStatus.UNDER_REVIEW: {ClaimStatus.PAID, ClaimStatus.REJECTED},
        ClaimStatus.PAID: set(),
        ClaimStatus.REJECTED: set(),
        ClaimStatus.WITHDRAWN: set(),
    }
)

# The insurer's target: a claim is paid within 15 days of its submission (the brief);
# a claim still unpaid after that is flagged on its page and in the daily cycle.
PAYOUT_TARGET_DAYS = 15
