"""The allocation rule on small hand-checked ledgers, and its invariants on random ones."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeguard.domain.ledger.allocation import Settlements, allocate


def _run(
    invoices: list[tuple[int, int, int, int]], money: list[tuple[int, int, int, int, bool]]
) -> Settlements:
    """invoices: (group, issue, due, amount); money: (group, day, amount, target, is_cash)."""

    def col(
        rows: list[tuple[int, ...]] | list[tuple[int, int, int, int, bool]], i: int
    ) -> np.ndarray:
        return np.array([r[i] for r in rows], dtype=np.int64)

    return allocate(
        invoice_group=col(invoices, 0),
        invoice_issue_day=col(invoices, 1),
        invoice_due_day=col(invoices, 2),
        invoice_amount=col(invoices, 3),
        money_group=col(money, 0),
        money_day=col(money, 1),
        money_amount=col(money, 2),
        money_invoice=col(money, 3),
        money_is_cash=np.array([r[4] for r in money], dtype=bool),
    )


def _pairs(s: Settlements) -> set[tuple[int, int, int, int]]:
    return set(
        zip(s.invoice.tolist(), s.money.tolist(), s.amount.tolist(), s.day.tolist(), strict=True)
    )


def test_unnamed_payment_settles_the_oldest_invoice_first() -> None:
    invoices = [(0, 10, 40, 1000), (0, 5, 60, 500), (0, 20, 50, 700)]
    s = _run(invoices, [(0, 30, 1200, -1, True)])
    # issue order: invoice 1 (day 5), invoice 0 (day 10), invoice 2 (day 20)
    assert _pairs(s) == {(1, 0, 500, 30), (0, 0, 700, 30)}


def test_named_payment_goes_to_its_invoice_and_the_excess_flows_on() -> None:
    invoices = [(0, 1, 30, 1000), (0, 2, 30, 300)]
    s = _run(invoices, [(0, 10, 1100, 1, True)])
    assert _pairs(s) == {(1, 0, 300, 10), (0, 0, 800, 10)}


def test_overpayment_stays_as_credit_and_settles_a_later_invoice_on_its_issue_date() -> None:
    s = _run([(0, 1, 30, 100), (0, 50, 80, 100)], [(0, 10, 150, -1, True)])
    assert _pairs(s) == {(0, 0, 100, 10), (1, 0, 50, 50)}


def test_groups_never_mix() -> None:
    s = _run([(0, 1, 30, 100), (1, 1, 30, 100)], [(1, 5, 60, -1, True)])
    assert _pairs(s) == {(1, 0, 60, 5)}


def test_write_off_excess_never_becomes_credit() -> None:
    s = _run([(0, 1, 30, 100), (0, 2, 30, 100)], [(0, 90, 150, 0, False)])
    assert _pairs(s) == {(0, 0, 100, 90)}


def test_several_named_payments_on_one_invoice_are_capped_in_date_order() -> None:
    s = _run([(0, 1, 30, 100)], [(0, 20, 80, 0, True), (0, 10, 50, 0, True)])
    assert _pairs(s) == {(0, 1, 50, 10), (0, 0, 50, 20)}


ledger = st.integers(min_value=1, max_value=8).flatmap(
    lambda n_groups: st.tuples(
        st.lists(
            st.tuples(
                st.integers(0, n_groups - 1),
                st.integers(0, 100),
                st.integers(0, 60),
                st.integers(1, 10_000),
            ),
            max_size=30,
        ),
        st.lists(
            st.tuples(
                st.integers(0, n_groups - 1),
                st.integers(0, 200),
                st.integers(1, 10_000),
                st.integers(-1, 29),
                st.booleans(),
            ),
            max_size=30,
        ),
    )
)


@settings(max_examples=300, deadline=None)
@given(ledger)
def test_allocation_invariants(
    data: tuple[list[tuple[int, int, int, int]], list[tuple[int, int, int, int, bool]]],
) -> None:
    raw_invoices, raw_money = data
    invoices = [(g, issue, issue + terms, amount) for g, issue, terms, amount in raw_invoices]
    # a named invoice must exist and share the money's group
    money = []
    for g, day, amount, target, cash in raw_money:
        if 0 <= target < len(invoices):
            g = invoices[target][0]
        else:
            target = -1
            cash = True
        money.append((g, day, amount, target, cash))
    s = _run(invoices, money)
    assert (s.amount > 0).all()
    paid = np.zeros(len(invoices), np.int64)
    np.add.at(paid, s.invoice, s.amount)
    used = np.zeros(len(money), np.int64)
    np.add.at(used, s.money, s.amount)
    assert (paid <= np.array([i[3] for i in invoices], dtype=np.int64)).all()
    assert (used <= np.array([m[2] for m in money], dtype=np.int64)).all()
    for k in range(len(s)):
        inv, mon = invoices[s.invoice[k]], money[s.money[k]]
        assert inv[0] == mon[0]
        assert s.day[k] == max(mon[1], inv[1])
    # Per group, FIFO leaves no money unused while an invoice is still open (cash only).
    for g in {i[0] for i in invoices}:
        open_left = sum(i[3] for n, i in enumerate(invoices) if i[0] == g) - sum(
            paid[n] for n, i in enumerate(invoices) if i[0] == g
        )
        cash_left = sum(m[2] - used[n] for n, m in enumerate(money) if m[0] == g and m[4])
        assert open_left == 0 or cash_left == 0
