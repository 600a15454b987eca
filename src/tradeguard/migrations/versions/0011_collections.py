"""collections: the dunning ladder's actions and documents, the outbox, phone tasks,
agency hand-overs, promises to pay, dunning settings; buyers' contacts and language

Revision ID: 0011_collections
Revises: 0010_monitoring_screening
Create Date: 2026-12-01 17:15:21.431451
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_collections"
down_revision: str | None = "0010_monitoring_screening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dunning_settings",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_dunning_settings_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_dunning_settings")),
    )
    op.create_table(
        "dunning_documents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("channels", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("letter_status", sa.String(length=12), nullable=True),
        sa.Column("printed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id", "buyer_id"],
            ["buyers.org_id", "buyers.buyer_id"],
            name=op.f("fk_dunning_documents_org_id_buyers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dunning_documents")),
    )
    with op.batch_alter_table("dunning_documents", schema=None) as batch_op:
        batch_op.create_index("ix_dunning_documents_org_as_of", ["org_id", "as_of"], unique=False)

    op.create_table(
        "promises",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("promised_for", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "buyer_id"],
            ["buyers.org_id", "buyers.buyer_id"],
            name=op.f("fk_promises_org_id_buyers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promises")),
    )
    with op.batch_alter_table("promises", schema=None) as batch_op:
        batch_op.create_index("ix_promises_org_status", ["org_id", "status"], unique=False)

    op.create_table(
        "agency_handovers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("buyer_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["dunning_documents.id"],
            name=op.f("fk_agency_handovers_document_id_dunning_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_agency_handovers_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_handovers")),
        sa.UniqueConstraint("document_id", name=op.f("uq_agency_handovers_document_id")),
    )
    with op.batch_alter_table("agency_handovers", schema=None) as batch_op:
        batch_op.create_index("ix_agency_handovers_org_status", ["org_id", "status"], unique=False)

    op.create_table(
        "dunning_actions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.String(length=64), nullable=False),
        sa.Column("buyer_id", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("days_overdue", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column(
            "document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["dunning_documents.id"],
            name=op.f("fk_dunning_actions_document_id_dunning_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dunning_actions")),
        sa.UniqueConstraint("org_id", "invoice_id", "step", name=op.f("uq_dunning_actions_org_id")),
    )
    with op.batch_alter_table("dunning_actions", schema=None) as batch_op:
        batch_op.create_index("ix_dunning_actions_org_as_of", ["org_id", "as_of"], unique=False)
        batch_op.create_index("ix_dunning_actions_org_buyer", ["org_id", "buyer_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["dunning_documents.id"],
            name=op.f("fk_outbox_document_id_dunning_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_outbox_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("document_id", name=op.f("uq_outbox_document_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_org_status", ["org_id", "status"], unique=False)

    op.create_table(
        "phone_tasks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("buyer_id", sa.String(length=64), nullable=False),
        sa.Column("assignee", sa.String(length=320), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["dunning_documents.id"],
            name=op.f("fk_phone_tasks_document_id_dunning_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_phone_tasks_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_tasks")),
        sa.UniqueConstraint("document_id", name=op.f("uq_phone_tasks_document_id")),
    )
    with op.batch_alter_table("phone_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_phone_tasks_org_status", ["org_id", "status"], unique=False)

    op.create_table(
        "promise_invoices",
        sa.Column(
            "promise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("invoice_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["promise_id"], ["promises.id"], name=op.f("fk_promise_invoices_promise_id_promises")
        ),
        sa.PrimaryKeyConstraint("promise_id", "invoice_id", name=op.f("pk_promise_invoices")),
    )
    with op.batch_alter_table("buyers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("contact_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("buyers", schema=None) as batch_op:
        batch_op.drop_column("language")
        batch_op.drop_column("contact_name")
        batch_op.drop_column("phone")
        batch_op.drop_column("email")

    op.drop_table("promise_invoices")
    with op.batch_alter_table("phone_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_phone_tasks_org_status")

    op.drop_table("phone_tasks")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_org_status")

    op.drop_table("outbox")
    with op.batch_alter_table("dunning_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_dunning_actions_org_buyer")
        batch_op.drop_index("ix_dunning_actions_org_as_of")

    op.drop_table("dunning_actions")
    with op.batch_alter_table("agency_handovers", schema=None) as batch_op:
        batch_op.drop_index("ix_agency_handovers_org_status")

    op.drop_table("agency_handovers")
    with op.batch_alter_table("promises", schema=None) as batch_op:
        batch_op.drop_index("ix_promises_org_status")

    op.drop_table("promises")
    with op.batch_alter_table("dunning_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_dunning_documents_org_as_of")

    op.drop_table("dunning_documents")
    op.drop_table("dunning_settings")
