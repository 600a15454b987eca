"""Money recovered from the buyer after a claim is paid: the insurer's and the seller's
shares, as the policy's ``recovery_sharing`` says.

- ``pro_rata`` (the usual wording): the insurer takes indemnity / debt of what is
  recovered, net of the recovery costs, and bears the same share of the costs. The debt
  is the buyer's whole debt on the claim, its insured and uninsured parts: debt 30,000,
  indemnity 25,000, 10,000 recovered → 25/30 of it, 8,333.33, to the insurer.
- ``insured_first``: the insurer takes the net recovery until it has its indemnity back,
  the seller the rest; each bears the costs in proportion to what it receives.

Either way the insurer never takes more than it has still to get back (indemnity less
what earlier recoveries returned), and a recovery whose costs exceed it leaves a
shortfall that both bear pro rata, as there is nothing to take first. The insurer's
shares are rounded half to even to the currency's minor unit (the cent); the seller's
are the rest, so the two always sum to the amounts exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeguard.domain.errors import InvalidInputError
from tradeguard.domain.insurance.policy import Policy, RecoverySharing
from tradeguard.domain.money import quantize

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class RecoveryShare:
    amount: Decimal  # recovered, before costs
    costs: Decimal  # of the recovery
    insurer: Decimal  # the insurer's share of amount - costs
    seller: Decimal  # the seller's share of amount - costs
    insurer_costs: Decimal
    seller_costs: Decimal


def share_recovery(
    policy: Policy,
    amount: Decimal,
    costs: Decimal,
    *,
    indemnity: Decimal,
    debt: Decimal,
    insurer_recovered: Decimal = ZERO,
) -> RecoveryShare:
    """Split ``amount`` recovered (at ``costs``) on a claim that paid ``indemnity`` on
    ``debt``, of which earlier recoveries returned ``insurer_recovered`` to the insurer."""
    for name, value in (
        ("amount", amount),
        ("costs", costs),
        ("indemnity", indemnity),
        ("insurer_recovered", insurer_recovered),
    ):
        if value < 0:
            raise InvalidInputError(f"{name}: {value} is negative", name)
    if debt <= 0 or indemnity > debt:
        raise InvalidInputError(
            f"debt: {debt} must be positive and at least the indemnity {indemnity}", "debt"
        )
    net = amount - costs
    owed = max(ZERO, indemnity - insurer_recovered)
    if policy.recovery_sharing is RecoverySharing.INSURED_FIRST and net > 0:
        insurer_raw = min(net, owed)
        insurer_costs_raw = costs * insurer_raw / net
    else:
        insurer_raw = min(net * indemnity / debt, owed)
        insurer_costs_raw = costs * indemnity / debt
    insurer = quantize(insurer_raw, policy.currency)
    insurer_costs = quantize(insurer_costs_raw, policy.currency)
    return RecoveryShare(
        amount=amount,
        costs=costs,
        insurer=insurer,
        seller=net - insurer,
        insurer_costs=insurer_costs,
        seller_costs=costs - insurer_costs,
    )
