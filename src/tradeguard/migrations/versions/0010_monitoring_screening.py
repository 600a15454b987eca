"""monitoring and screening: buyer events, alerts, monitoring conditions and settings,
the screening log; dispute amounts and outcomes, order delivery dates, proposals

Revision ID: 0010_monitoring_screening
Revises: 0009_drop_organisation_settings
Create Date: 2026-12-01 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_monitoring_screening"
down_revision: str | None = "0009_drop_organisation_settings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNRESOLVED = sa.text("status <> 'resolved'")


def _buyer_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["org_id", "buyer_id"],
        ["buyers.org_id", "buyers.buyer_id"],
        name=op.f(f"fk_{table}_org_id_buyers"),
    )


def upgrade() -> None:
    op.create_table(
        "buyer_events",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("buyer_id", sa.String(length=64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        _buyer_fk("buyer_events"),
        sa.PrimaryKeyConstraint("org_id", "event_id", name=op.f("pk_buyer_events")),
    )
    op.create_index("ix_buyer_events_org_date", "buyer_events", ["org_id", "date"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("condition", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=15), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_comment", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_comment", sa.Text(), nullable=True),
        _buyer_fk("alerts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index("ix_alerts_org_status", "alerts", ["org_id", "status"])
    op.create_index("ix_alerts_org_buyer_status", "alerts", ["org_id", "buyer_id", "status"])
    op.create_index(
        "ix_alerts_unresolved",
        "alerts",
        ["org_id", "buyer_id", "rule", "condition"],
        unique=True,
        sqlite_where=_UNRESOLVED,
        postgresql_where=_UNRESOLVED,
    )
    op.create_table(
        "monitoring_conditions",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("condition", sa.String(length=100), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_monitoring_conditions_alert_id_alerts")
        ),
        _buyer_fk("monitoring_conditions"),
        sa.PrimaryKeyConstraint(
            "org_id", "buyer_id", "rule", "condition", name=op.f("pk_monitoring_conditions")
        ),
    )
    op.create_table(
        "monitoring_settings",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_monitoring_settings_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_monitoring_settings")),
    )
    op.create_table(
        "order_screenings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("screened_on", sa.Date(), nullable=False),
        sa.Column("screened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("screened_by", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("terms_days", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=30), nullable=False),
        sa.Column("prepayment_share", sa.Float(), nullable=True),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column("limit_amount", sa.BigInteger(), nullable=True),
        sa.Column("exposure_before", sa.BigInteger(), nullable=False),
        sa.Column("exposure_after", sa.BigInteger(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("credit_class", sa.String(length=1), nullable=True),
        sa.Column("high_risk", sa.Boolean(), nullable=False),
        sa.Column("insured", sa.Boolean(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        _buyer_fk("order_screenings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_screenings")),
    )
    op.create_index("ix_order_screenings_org_on", "order_screenings", ["org_id", "screened_on"])
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amount", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=10), nullable=True))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_date", sa.Date(), nullable=True))
    with op.batch_alter_table("credit_limit_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=10), server_default="request", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("credit_limit_requests", schema=None) as batch_op:
        batch_op.drop_column("origin")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("delivery_date")
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_column("outcome")
        batch_op.drop_column("amount")
    op.drop_index("ix_order_screenings_org_on", table_name="order_screenings")
    op.drop_table("order_screenings")
    op.drop_table("monitoring_settings")
    op.drop_table("monitoring_conditions")
    op.drop_index("ix_alerts_unresolved", table_name="alerts")
    op.drop_index("ix_alerts_org_buyer_status", table_name="alerts")
    op.drop_index("ix_alerts_org_status", table_name="alerts")
    op.drop_table("alerts")
    op.drop_index("ix_buyer_events_org_date", table_name="buyer_events")
    op.drop_table("buyer_events")
