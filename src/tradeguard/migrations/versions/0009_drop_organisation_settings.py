"""organisations.settings: never read (credit settings live in credit_settings)

Revision ID: 0009_drop_organisation_settings
Revises: 0008_financials_interest
Create Date: 2026-12-01 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_drop_organisation_settings"
down_revision: str | None = "0008_financials_interest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("settings")


def downgrade() -> None:
    # As 0001 made it (NOT NULL, no server default), holding {} as every organisation did.
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settings", sa.JSON(), nullable=True))
    op.execute("UPDATE organisations SET settings = '{}'")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.alter_column("settings", existing_type=sa.JSON(), nullable=False)
