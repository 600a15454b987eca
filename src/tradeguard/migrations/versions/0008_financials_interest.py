"""financial_statements.interest_expense, net_income: the interest-cover factor's input

Revision ID: 0008_financials_interest
Revises: 0007_drop_login_counters
Create Date: 2026-12-01 10:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_financials_interest"
down_revision: str | None = "0007_drop_login_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("financial_statements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("interest_expense", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("net_income", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("financial_statements", schema=None) as batch_op:
        batch_op.drop_column("net_income")
        batch_op.drop_column("interest_expense")
