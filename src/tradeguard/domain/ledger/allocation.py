"""Which money settles which invoice: the allocation rule, vectorised over a whole ledger.

The rule (documented in docs/ledger.md):

1. Money that names an invoice (a payment or credit note with ``invoice_id``, a
   write-off) settles that invoice first, in date order, up to the invoice amount.
   What a payment or credit note pays beyond it becomes unnamed money.
2. Unnamed money settles the buyer's remaining invoices of the same currency first in,
   first out: money in date order, invoices in issue-date order (then due date, then
   input order). This is "oldest open invoice first".
3. Money left over is buyer credit; it settles invoices issued later, so a settlement
   is dated on the later of the money's date and the invoice's issue date.

Everything works on integer minor units, so sums are exact. The FIFO step is an
interval intersection: laid end to end per group, invoice amounts and money amounts
cover two partitions of one line, and every piece of their common refinement is one
(invoice, money) settlement. No Python loop touches an invoice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Settlements:
    """One row per (invoice, money item) pair; indexes point into the caller's arrays."""

    invoice: IntArray
    money: IntArray
    amount: IntArray
    day: IntArray  # days since 1970-01-01

    def __len__(self) -> int:
        return len(self.amount)


def _exclusive_group_offsets(group: IntArray, values: IntArray, n_groups: int) -> IntArray:
    totals = np.zeros(n_groups, dtype=np.int64)
    np.add.at(totals, group, values)
    return np.concatenate(([0], np.cumsum(totals)[:-1])).astype(np.int64)


def allocate(
    *,
    invoice_group: IntArray,
    invoice_issue_day: IntArray,
    invoice_due_day: IntArray,
    invoice_amount: IntArray,
    money_group: IntArray,
    money_day: IntArray,
    money_amount: IntArray,
    money_invoice: IntArray,
    money_is_cash: BoolArray,
) -> Settlements:
    """Settle invoices with money by the rule in the module docstring.

    ``*_group`` identify a (buyer, currency) pair with small non-negative integers;
    ``money_invoice`` is the index of the named invoice or -1. Only cash (payments and
    credit notes) carries an excess forward; a write-off never becomes credit.
    """
    n_inv = len(invoice_amount)
    n_groups = int(max(invoice_group.max(initial=-1), money_group.max(initial=-1))) + 1
    residual = invoice_amount.astype(np.int64, copy=True)

    # 1. Money that names its invoice, in date order per invoice.
    named = np.flatnonzero(money_invoice >= 0)
    order = named[np.lexsort((named, money_day[named], money_invoice[named]))]
    target = money_invoice[order]
    amounts = money_amount[order]
    cum = np.cumsum(amounts)
    first_of_target = np.r_[True, target[1:] != target[:-1]] if len(order) else np.zeros(0, bool)
    start_cum = (
        np.maximum.accumulate(np.where(first_of_target, cum - amounts, 0)) if len(order) else cum
    )
    within = cum - start_cum
    cap = invoice_amount[target]
    named_paid = np.minimum(within, cap) - np.minimum(within - amounts, cap)
    named_paid = np.maximum(named_paid, 0)
    np.subtract.at(residual, target, named_paid)
    named_keep = named_paid > 0
    named_rows = Settlements(
        invoice=target[named_keep],
        money=order[named_keep],
        amount=named_paid[named_keep],
        day=np.maximum(money_day[order], invoice_issue_day[target])[named_keep],
    )

    # 2. Unnamed money (and the excess of named cash), first in, first out.
    free_amount = money_amount.astype(np.int64, copy=True)
    free_amount[money_invoice >= 0] = 0
    excess = amounts - named_paid
    free_amount[order] += np.where(money_is_cash[order], excess, 0)

    inv = np.flatnonzero(residual > 0)
    inv = inv[np.lexsort((inv, invoice_due_day[inv], invoice_issue_day[inv], invoice_group[inv]))]
    mon = np.flatnonzero(free_amount > 0)
    mon = mon[np.lexsort((mon, money_day[mon], money_group[mon]))]
    if len(inv) == 0 or len(mon) == 0 or n_inv == 0:
        return named_rows

    inv_len = residual[inv]
    mon_len = free_amount[mon]
    inv_total = np.zeros(n_groups, np.int64)
    np.add.at(inv_total, invoice_group[inv], inv_len)
    mon_total = np.zeros(n_groups, np.int64)
    np.add.at(mon_total, money_group[mon], mon_len)
    span = np.maximum(inv_total, mon_total)
    base = np.concatenate(([0], np.cumsum(span)[:-1])).astype(np.int64)

    inv_before = _exclusive_group_offsets(invoice_group[inv], inv_len, n_groups)
    inv_end = base[invoice_group[inv]] + np.cumsum(inv_len) - inv_before[invoice_group[inv]]
    inv_start = inv_end - inv_len
    mon_before = _exclusive_group_offsets(money_group[mon], mon_len, n_groups)
    mon_end = base[money_group[mon]] + np.cumsum(mon_len) - mon_before[money_group[mon]]
    mon_start = mon_end - mon_len

    cuts = np.unique(np.concatenate((inv_start, inv_end, mon_start, mon_end)))
    seg_start, seg_len = cuts[:-1], np.diff(cuts)
    i = np.searchsorted(inv_end, seg_start, side="right")
    m = np.searchsorted(mon_end, seg_start, side="right")
    i_ok = i < len(inv)
    m_ok = m < len(mon)
    i_c = np.minimum(i, len(inv) - 1)
    m_c = np.minimum(m, len(mon) - 1)
    both = i_ok & m_ok & (inv_start[i_c] <= seg_start) & (mon_start[m_c] <= seg_start)
    fifo_inv = inv[i_c[both]]
    fifo_mon = mon[m_c[both]]
    return Settlements(
        invoice=np.concatenate((named_rows.invoice, fifo_inv)),
        money=np.concatenate((named_rows.money, fifo_mon)),
        amount=np.concatenate((named_rows.amount, seg_len[both])),
        day=np.concatenate(
            (named_rows.day, np.maximum(money_day[fifo_mon], invoice_issue_day[fifo_inv]))
        ),
    )
