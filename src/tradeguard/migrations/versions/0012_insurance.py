"""insurance: policies, insurer limit decisions, overdue notifications, claims and
their recoveries, premium declarations

Revision ID: 0012_insurance
Revises: 0011_collections
Create Date: 2026-12-01 21:16:07.344146
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_insurance"
down_revision: str | None = "0011_collections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "insurance_policies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("insurer", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_insurance_policies_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_policies")),
        sa.UniqueConstraint("org_id", "number", name=op.f("uq_insurance_policies_org_id")),
    )
    op.create_table(
        "claims",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "policy_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("buyer_id", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("cause", sa.String(length=30), nullable=True),
        sa.Column("loss_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("debt", sa.BigInteger(), nullable=False),
        sa.Column("ascertained_loss", sa.BigInteger(), nullable=False),
        sa.Column("first_loss_deducted", sa.BigInteger(), nullable=False),
        sa.Column("indemnity", sa.BigInteger(), nullable=False),
        sa.Column("computation", sa.JSON(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("paid_amount", sa.BigInteger(), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id", "buyer_id"],
            ["buyers.org_id", "buyers.buyer_id"],
            name=op.f("fk_claims_org_id_buyers"),
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["insurance_policies.id"],
            name=op.f("fk_claims_policy_id_insurance_policies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index("ix_claims_org_status", ["org_id", "status"], unique=False)

    op.create_table(
        "insurer_limits",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.String(length=64), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("conditions", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id", "buyer_id"],
            ["buyers.org_id", "buyers.buyer_id"],
            name=op.f("fk_insurer_limits_org_id_buyers"),
        ),
        sa.PrimaryKeyConstraint(
            "org_id", "buyer_id", "effective_date", name=op.f("pk_insurer_limits")
        ),
    )
    op.create_table(
        "overdue_notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.String(length=64), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.Column("overdue", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("invoices", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "buyer_id"],
            ["buyers.org_id", "buyers.buyer_id"],
            name=op.f("fk_overdue_notifications_org_id_buyers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overdue_notifications")),
        sa.UniqueConstraint(
            "org_id", "buyer_id", "notified_on", name=op.f("uq_overdue_notifications_org_id")
        ),
    )
    op.create_table(
        "premium_declarations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "policy_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("computed_turnover", sa.BigInteger(), nullable=False),
        sa.Column("turnover", sa.BigInteger(), nullable=False),
        sa.Column("premium", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("adjustment_reason", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["insurance_policies.id"],
            name=op.f("fk_premium_declarations_policy_id_insurance_policies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_premium_declarations")),
        sa.UniqueConstraint("policy_id", "month", name=op.f("uq_premium_declarations_policy_id")),
    )
    op.create_table(
        "claim_recoveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("costs", sa.BigInteger(), nullable=False),
        sa.Column("after_payment", sa.Boolean(), nullable=False),
        sa.Column("insurer_share", sa.BigInteger(), nullable=False),
        sa.Column("seller_share", sa.BigInteger(), nullable=False),
        sa.Column("insurer_costs", sa.BigInteger(), nullable=False),
        sa.Column("seller_costs", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_recoveries_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_recoveries")),
    )
    with op.batch_alter_table("claim_recoveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_claim_recoveries_claim_id"), ["claim_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("claim_recoveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_recoveries_claim_id"))

    op.drop_table("claim_recoveries")
    op.drop_table("premium_declarations")
    op.drop_table("overdue_notifications")
    op.drop_table("insurer_limits")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index("ix_claims_org_status")

    op.drop_table("claims")
    op.drop_table("insurance_policies")
