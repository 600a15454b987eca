"""The demo generator: deterministic, internally consistent, and accepted by the importer."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from tradeguard.demo import generator
from tradeguard.demo.generator import DemoFiles, DemoSpec, generate
from tradeguard.domain.errors import ImportRejectedError
from tradeguard.domain.money import minor_exponent
from tradeguard.identity.organisations import create_or_get
from tradeguard.imports.service import import_file
from tradeguard.kit.db import get_engine, migrate, unit_of_work

AS_OF = dt.date(2025, 6, 30)
SMALL = DemoSpec(seed=7, buyers=60, years=1.0, as_of=AS_OF)
# Two years and a few hundred buyers are the least that reliably include write-offs
# (a default happens, and its write-off follows 6-12 months later).
WITH_LOSSES = DemoSpec(seed=7, buyers=300, years=2.0, as_of=AS_OF)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate(SMALL, tmp_path_factory.mktemp("small"))


@pytest.fixture(scope="module")
def losses(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate(WITH_LOSSES, tmp_path_factory.mktemp("losses"))


def _read(path: Path | None) -> pl.DataFrame:
    assert path is not None
    return pl.read_csv(path, infer_schema=False)


def _dates(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    return frame.with_columns(pl.col(c).str.to_date() for c in columns)


def _minor(text: str, currency: str) -> int:
    return int(Decimal(text).scaleb(minor_exponent(currency)))


def _with_minor(frame: pl.DataFrame, column: str = "amount") -> pl.DataFrame:
    return frame.with_columns(
        pl.struct(column, "currency")
        .map_elements(lambda r: _minor(r[column], r["currency"]), return_dtype=pl.Int64)
        .alias(column)
    )


def test_same_spec_gives_byte_identical_files(small: DemoFiles, tmp_path: Path) -> None:
    again = generate(SMALL, tmp_path)
    assert again.counts == small.counts
    for kind in small.counts:
        first, second = getattr(small, kind), getattr(again, kind)
        assert (first is None) == (second is None), kind
        if first is not None:
            assert first.read_bytes() == second.read_bytes(), kind


def test_another_seed_gives_another_ledger(small: DemoFiles, tmp_path: Path) -> None:
    other = generate(DemoSpec(seed=8, buyers=60, years=1.0, as_of=AS_OF), tmp_path)
    assert other.invoices is not None
    assert small.invoices is not None
    assert other.invoices.read_bytes() != small.invoices.read_bytes()


def test_every_kind_is_written_and_counted(small: DemoFiles) -> None:
    assert small.counts["buyers"] == 60
    for kind in ("buyers", "financials", "fx", "invoices", "payments", "credit_notes", "events"):
        path = getattr(small, kind)
        assert path is not None, kind
        assert path.exists(), kind
        assert _read(path).height == small.counts[kind], kind
    assert [kind for kind, _ in small.in_import_order()][:4] == [
        "buyers",
        "fx",
        "financials",
        "invoices",
    ]
    assert small.write_offs is None or ("write-offs", small.write_offs) in small.in_import_order()


def test_a_portfolio_spans_countries_and_industries(tmp_path: Path) -> None:
    files = generate(DemoSpec(buyers=300, years=0.2, as_of=AS_OF), tmp_path)
    buyers = _read(files.buyers)
    assert buyers["country"].n_unique() >= 20
    assert buyers["industry"].n_unique() >= 10
    assert buyers["buyer_id"].is_unique().all()
    by_country = dict(buyers.select("country", "currency").unique().iter_rows())
    assert by_country.get("US", "USD") == "USD"
    assert by_country.get("DE", "EUR") == "EUR"
    assert set(buyers["currency"]) > {"EUR"}


def test_ids_are_unique(losses: DemoFiles) -> None:
    for kind, key in (
        ("invoices", "invoice_id"),
        ("payments", "payment_id"),
        ("credit_notes", "credit_note_id"),
        ("write_offs", "invoice_id"),
        ("disputes", "dispute_id"),
        ("orders", "order_id"),
    ):
        assert _read(getattr(losses, kind))[key].is_unique().all(), kind


def test_dates_stay_inside_the_history(losses: DemoFiles) -> None:
    invoices = _dates(_read(losses.invoices), "issue_date", "due_date", "delivery_date")
    assert (invoices["due_date"] >= invoices["issue_date"]).all()
    assert (invoices["issue_date"] <= AS_OF).all()
    assert (invoices["delivery_date"] <= invoices["issue_date"]).all()
    issued = invoices.select("invoice_id", "issue_date")
    for kind, column in (("payments", "date"), ("credit_notes", "date"), ("write_offs", "date")):
        frame = _dates(_read(getattr(losses, kind)), column)
        assert (frame[column] <= AS_OF).all(), kind
        named = frame.join(issued, on="invoice_id", how="left")
        assert named.filter(pl.col("invoice_id").is_not_null())["issue_date"].null_count() == 0
        assert (named[column] >= named["issue_date"]).all(), kind
    disputes = _dates(_read(losses.disputes), "opened_on", "resolved_on").join(
        issued, on="invoice_id"
    )
    assert (disputes["opened_on"] >= disputes["issue_date"]).all()
    assert (disputes["opened_on"] <= AS_OF).all()
    resolved = disputes.filter(pl.col("resolved_on").is_not_null())
    assert (resolved["resolved_on"] >= resolved["opened_on"]).all()
    assert (resolved["resolved_on"] <= AS_OF).all()
    assert disputes["resolved_on"].null_count() > 0  # some are still open
    orders = _dates(_read(losses.orders), "date")
    assert orders["status"].unique().to_list() == ["open"]
    assert orders["date"].is_between(AS_OF - dt.timedelta(days=31), AS_OF).all()


def test_money_is_consistent_per_invoice(losses: DemoFiles) -> None:
    invoices = _with_minor(_read(losses.invoices)).select("invoice_id", "currency", "amount")
    payments = _with_minor(_read(losses.payments))
    credits = _with_minor(_read(losses.credit_notes))
    write_offs = _with_minor(
        _read(losses.write_offs).join(invoices.select("invoice_id", "currency"), on="invoice_id")
    )
    assert write_offs.height > 0
    assert 0.05 < payments["invoice_id"].null_count() / payments.height < 0.15

    def total(frame: pl.DataFrame, name: str) -> pl.DataFrame:
        return (
            frame.filter(pl.col("invoice_id").is_not_null())
            .group_by("invoice_id")
            .agg(pl.col("amount").sum().alias(name))
        )

    ledger = (
        invoices.join(total(payments, "paid"), on="invoice_id", how="left")
        .join(total(credits, "credited"), on="invoice_id", how="left")
        .join(total(write_offs, "written_off"), on="invoice_id", how="left")
        .fill_null(0)
    )
    assert (ledger["credited"] <= ledger["amount"]).all()
    lost = ledger.filter(pl.col("written_off") > 0)
    assert (lost["written_off"] <= lost["amount"] - lost["paid"] - lost["credited"]).all()
    assert (ledger["paid"] > ledger["amount"]).any()  # a few overpayments
    # Named payments, credit notes and write-offs are in their invoice's currency.
    for frame in (payments, credits):
        named = frame.filter(pl.col("invoice_id").is_not_null()).join(
            invoices.select("invoice_id", pl.col("currency").alias("invoice_currency")),
            on="invoice_id",
        )
        assert (named["currency"] == named["invoice_currency"]).all()


def test_amounts_have_exactly_the_currency_decimals(losses: DemoFiles) -> None:
    currency_of = _read(losses.invoices).select("invoice_id", "currency")
    frames = {
        "invoices": (_read(losses.invoices), ["amount"]),
        "payments": (_read(losses.payments), ["amount"]),
        "credit_notes": (_read(losses.credit_notes), ["amount"]),
        "orders": (_read(losses.orders), ["amount"]),
        "write_offs": (_read(losses.write_offs).join(currency_of, on="invoice_id"), ["amount"]),
        "financials": (
            _read(losses.financials),
            [
                "total_assets",
                "current_assets",
                "current_liabilities",
                "total_liabilities",
                "retained_earnings",
                "ebit",
                "sales",
                "equity",
                "market_equity",
            ],
        ),
    }
    seen_zero_decimals = False
    for kind, (frame, columns) in frames.items():
        for currency in frame["currency"].unique():
            exponent = minor_exponent(currency)
            seen_zero_decimals |= exponent == 0
            pattern = r"^-?\d+$" if exponent == 0 else rf"^-?\d+\.\d{{{exponent}}}$"
            rows = frame.filter(pl.col("currency") == currency)
            for column in columns:
                values = rows[column].drop_nulls()
                assert values.str.contains(pattern).all(), (kind, column, currency)
    assert seen_zero_decimals  # JPY is among the currencies
    rates = _read(losses.fx)["rate"]
    assert rates.str.contains(r"^\d+\.\d{1,6}$").all()


def test_fx_covers_every_currency_on_every_day(losses: DemoFiles) -> None:
    fx = _dates(_read(losses.fx), "date")
    assert "EUR" not in set(fx["currency"])
    used = set(_read(losses.invoices)["currency"]) | set(_read(losses.buyers)["currency"])
    assert set(fx["currency"]) == used - {"EUR"}
    first = _dates(_read(losses.invoices), "issue_date")["issue_date"].min()
    assert isinstance(first, dt.date)
    days = pl.date_range(first - dt.timedelta(days=10), AS_OF, eager=True).alias("date")
    for currency in used - {"EUR"}:
        covered = fx.filter(pl.col("currency") == currency)["date"]
        assert covered.is_unique().all()
        assert days.is_in(covered.implode()).all(), currency
    levels = fx.group_by("currency").agg(pl.col("rate").cast(pl.Float64).median())
    medians = dict(levels.iter_rows())
    assert 0.7 < medians["USD"] < 1.2
    assert 0.004 < medians["JPY"] < 0.009


def test_financial_statements_add_up(losses: DemoFiles) -> None:
    statements = _read(losses.financials)
    buyers = _read(losses.buyers)
    assert 0.7 < statements["buyer_id"].n_unique() / buyers.height < 0.9
    assert statements.select("buyer_id", "fiscal_year").is_unique().all()
    assert statements.group_by("buyer_id").len()["len"].is_between(1, 3).all()
    for row in statements.iter_rows(named=True):
        value = {
            k: _minor(v, row["currency"])
            for k, v in row.items()
            if k not in {"buyer_id", "fiscal_year", "currency", "market_equity"}
        }
        assert value["total_assets"] > 0
        assert value["current_assets"] <= value["total_assets"]
        assert value["current_liabilities"] <= value["total_liabilities"]
        assert value["total_liabilities"] + value["equity"] == value["total_assets"]
    assert statements["market_equity"].null_count() > 0
    assert statements["market_equity"].drop_nulls().len() > 0


def test_sizes_are_heavy_tailed_and_events_plausible(losses: DemoFiles) -> None:
    invoices = _with_minor(_read(losses.invoices))
    per_buyer = invoices.group_by("buyer_id").agg(pl.col("amount").sum(), pl.len())
    assert per_buyer["len"].max() > 10 * per_buyer["len"].median()  # heavy tailed
    assert set(invoices.join(_read(losses.buyers), on="buyer_id")["terms_days"]) <= {
        "30",
        "45",
        "60",
        "90",
    }
    credit_notes = _read(losses.credit_notes).height / invoices.height
    disputes = _read(losses.disputes).height / invoices.height
    assert 0.01 < credit_notes < 0.03
    assert 0.005 < disputes < 0.03


def test_parquet_holds_the_same_rows_as_csv(small: DemoFiles, tmp_path: Path) -> None:
    spec = DemoSpec(seed=7, buyers=60, years=1.0, as_of=AS_OF, file_format="parquet")
    files = generate(spec, tmp_path)
    assert files.counts == small.counts
    assert files.invoices is not None
    assert files.invoices.suffix == ".parquet"
    for kind in ("invoices", "payments", "financials"):
        parquet = pl.read_parquet(getattr(files, kind))
        assert parquet.equals(_read(getattr(small, kind))), kind


def test_chunks_continue_numbering_and_append(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(generator, "_CHUNK_BUYERS", 25)
    steps: list[tuple[str, int, int]] = []
    files = generate(SMALL, tmp_path, lambda *step: steps.append(step))
    assert steps == [("fx", 1, 1), ("buyers", 25, 60), ("buyers", 50, 60), ("buyers", 60, 60)]
    buyers = _read(files.buyers)
    assert buyers["buyer_id"].to_list() == [f"B{i:06d}" for i in range(1, 61)]
    invoices = _read(files.invoices)
    assert invoices["invoice_id"].to_list() == [
        f"INV{i:08d}" for i in range(1, invoices.height + 1)
    ]
    payments = _read(files.payments)
    assert payments["payment_id"].to_list() == [
        f"PAY{i:08d}" for i in range(1, payments.height + 1)
    ]
    assert files.counts["invoices"] == invoices.height
    events = _read(files.events)
    assert events["event_id"].to_list() == [f"EV{i:08d}" for i in range(1, events.height + 1)]


def test_the_default_company_looks_like_the_issue_asks(tmp_path: Path) -> None:
    files = generate(DemoSpec(as_of=AS_OF), tmp_path)
    assert files.counts["buyers"] == 2000
    assert 150_000 < files.counts["invoices"] < 250_000
    assert 100 < files.counts["orders"] < 1_000
    assert files.counts["write_offs"] > 0
    fx = _read(files.fx).with_columns(pl.col("rate").cast(pl.Float64))
    sales = (
        _read(files.invoices)
        .join(fx, left_on=["issue_date", "currency"], right_on=["date", "currency"], how="left")
        .select("buyer_id", eur=pl.col("amount").cast(pl.Float64) * pl.col("rate").fill_null(1.0))
        .group_by("buyer_id")
        .agg(pl.col("eur").sum())
    )
    largest = sales["eur"].max() / sales["eur"].sum()
    assert isinstance(largest, float)
    assert 0.05 <= largest <= 0.15
    assert (sales["eur"] < sales["eur"].sum() / 2000).mean() > 0.6  # many small buyers


def test_spec_is_checked() -> None:
    with pytest.raises(ValueError, match="buyers"):
        DemoSpec(buyers=0, as_of=AS_OF)
    with pytest.raises(ValueError, match="years"):
        DemoSpec(years=0, as_of=AS_OF)


@pytest.mark.parametrize("spec", [SMALL, WITH_LOSSES], ids=["small", "with-losses"])
def test_the_importer_accepts_every_file(spec: DemoSpec, tmp_path: Path) -> None:
    files = generate(spec, tmp_path / "files")
    engine = get_engine(f"sqlite:///{tmp_path / 't.db'}")
    migrate(engine)
    imported = {}
    with unit_of_work(engine) as session:
        org, _ = create_or_get(session, "Demo", "EUR", "test")
        for kind, path in files.in_import_order():
            try:
                imported[kind] = import_file(session, org, kind, path, "test").inserted
            except ImportRejectedError as error:  # pragma: no cover - shows why
                pytest.fail(f"{kind} refused: {[str(e) for e in error.errors[:20]]}")
    expected = {kind.replace("-", "_"): n for kind, n in imported.items()}
    assert expected == {k: files.counts[k] for k in expected}


def test_batches_hold_exactly_the_rows_of_the_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(generator, "_CHUNK_BUYERS", 25)
    whole = generate(SMALL, tmp_path / "whole")
    parts: dict[str, list[pl.DataFrame]] = {}
    folders = []
    for batch in generator.generate_batches(SMALL, tmp_path / "batches"):
        folders.append(batch.buyers.parent if batch.buyers else None)
        for kind, path in batch.in_import_order():
            parts.setdefault(kind, []).append(_read(path))
        for kind, count in batch.counts.items():
            path = getattr(batch, kind)
            assert (path is None) == (count == 0)
    assert len(folders) == 3
    assert len(parts["fx"]) == 1  # the rates come with the first batch
    assert not any(folder is not None and folder.exists() for folder in folders)  # cleaned up
    for kind, path in whole.in_import_order():
        assert pl.concat(parts[kind]).equals(_read(path)), kind


def test_batched_load_gives_the_same_ledger_as_one_load(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from tradeguard.demo.service import load_demo, load_demo_batches
    from tradeguard.ledger.models import Allocation, Invoice, Payment

    def ledger(db: str) -> tuple[list[tuple[object, ...]], ...]:
        engine = get_engine(f"sqlite:///{tmp_path / db}")
        with engine.connect() as connection:
            return tuple(
                sorted(tuple(r) for r in connection.execute(select(*columns)))
                for columns in (
                    (Invoice.invoice_id, Invoice.buyer_id, Invoice.amount, Invoice.due_date),
                    (Payment.payment_id, Payment.amount, Payment.date),
                    (Allocation.invoice_id, Allocation.source_id, Allocation.amount),
                )
            )

    monkeypatch.setattr(generator, "_CHUNK_BUYERS", 25)
    files = generate(SMALL, tmp_path / "files")
    whole = get_engine(f"sqlite:///{tmp_path / 'whole.db'}")
    migrate(whole)
    with unit_of_work(whole) as session:
        org, _ = create_or_get(session, "Demo", "EUR", "test")
        load_demo(session, org, files, "test")
    batched = get_engine(f"sqlite:///{tmp_path / 'batched.db'}")
    migrate(batched)
    with unit_of_work(batched) as session:
        org, _ = create_or_get(session, "Demo", "EUR", "test")
        counts = load_demo_batches(
            session, org, generator.generate_batches(SMALL, tmp_path / "b"), "test"
        )
    assert counts == files.counts
    assert ledger("batched.db") == ledger("whole.db")
    # allocated once per batch, as if every file had been allocated on import
    from tradeguard.ledger.allocation import reallocate

    with unit_of_work(batched) as session:
        reallocate(session, org.id)
    assert ledger("batched.db") == ledger("whole.db")


# SHA-256 of WITH_LOSSES's files (as CSV, their columns of then) before the events file
# existed: the events draw from a stream of their own, so adding them changed nothing
# else a seed gives. Columns added since (the disputes' outcome, the buyers' contacts,
# derived without a random draw) are left out.
_BEFORE_EVENTS = {
    "buyers": "f3e15d03bb18c9583230b5516bccbca787511e5938fb1e2bbe2c2161b0b509e7",
    "financials": "5e8b7643c11a638774a07fcf27899acbb233639b4e578def529e7c9c6d930724",
    "fx": "7298c679b7b85aca19158ffead97c8fc41b7939bf0f9d1a5491b30849ff9745e",
    "invoices": "ed7ad1b6cbfe57c43a71be42fb7f9001ffaf77fc366ca206d823192485963482",
    "payments": "cc355570dafe0286eb039f06faf9af465ec3bee8a029f9f410095ba93c1456bf",
    "credit_notes": "422b8e29da932f6c5a680ff37047ddc5bcf5a80b3ae37a09b0376d0538720e86",
    "write_offs": "4b54c9a90c35d0b4aae91dda862cb1a5864ebe332afacd78ac5ab1b91edc01c9",
    "disputes": "1c73de2fa9ffbf1ef46c96d9a2d873407935088b5e5f257d417448e81a921518",
    "orders": "378d68621ecd095ce55cf5ea4f5c2c2bed92a73df5aaecb3955f0e8a94a967b8",
}
_COLUMNS_ADDED_SINCE = {
    ("disputes", "outcome"),
    *(("buyers", c) for c in ("email", "phone", "contact_name", "language")),
}


def test_the_events_left_every_other_file_as_it_was(losses: DemoFiles) -> None:
    for kind, digest in _BEFORE_EVENTS.items():
        frame = _read(getattr(losses, kind))
        then = frame.select(c for c in frame.columns if (kind, c) not in _COLUMNS_ADDED_SINCE)
        assert hashlib.sha256(then.write_csv().encode()).hexdigest() == digest, kind


def _events(files: DemoFiles) -> pl.DataFrame:
    return _dates(_read(files.events), "date")


def test_every_event_names_one_known_buyer_by_id_or_registration(losses: DemoFiles) -> None:
    events = _events(losses)
    assert events.columns == [
        "event_id",
        "date",
        "type",
        "buyer_id",
        "registration_number",
        "source",
        "details",
    ]
    assert events.height == losses.counts["events"] == 17
    assert events["event_id"].to_list() == [f"EV{i:08d}" for i in range(1, 18)]
    assert events["date"].is_between(AS_OF - dt.timedelta(days=730), AS_OF).all()
    by_id = events["buyer_id"].is_not_null()
    assert (by_id ^ events["registration_number"].is_not_null()).all()  # exactly one
    assert 0 < (~by_id).sum() < by_id.sum()  # both ways of matching, mostly by id
    buyers = _read(losses.buyers).select("buyer_id", "registration_number")
    matched = events.join(buyers, on="buyer_id", how="left", suffix="_of_id").join(
        buyers, on="registration_number", how="left", suffix="_of_number"
    )
    assert (
        matched.select(
            pl.coalesce("registration_number_of_id", "buyer_id_of_number").null_count()
        ).item()
        == 0
    )
    assert dict(events.group_by("type").len().iter_rows()) == {
        "insolvency": 4,
        "legal_proceedings": 1,
        "management_change": 1,
        "payment_default": 4,
        "rating_downgrade": 7,
    }
    sources = dict(events.select("type", "source").unique().iter_rows())
    assert sources["insolvency"] == "credit bureau"
    assert sources["payment_default"] == "credit insurer"


def _buyer_of_event(files: DemoFiles) -> pl.DataFrame:
    buyers = _read(files.buyers).select("buyer_id", "registration_number")
    return (
        _events(files)
        .join(buyers, on="registration_number", how="left", suffix="_of_number")
        .select(
            "event_id",
            "date",
            "type",
            "details",
            pl.coalesce("buyer_id", "buyer_id_of_number").alias("buyer"),
        )
    )


def test_insolvencies_end_the_trading_and_warnings_come_before(losses: DemoFiles) -> None:
    events = _buyer_of_event(losses)
    insolvent = events.filter(pl.col("type") == "insolvency").select(
        "buyer", insolvent_on=pl.col("date")
    )
    assert insolvent["buyer"].is_unique().all()
    invoices = _dates(_read(losses.invoices), "issue_date").join(
        insolvent, left_on="buyer_id", right_on="buyer"
    )
    # invoicing stops within 45 days of the insolvency
    assert (invoices["issue_date"] <= invoices["insolvent_on"] + dt.timedelta(days=45)).all()
    # nothing is paid from the insolvency on, but the dividend on the write-off day
    write_off_days = _dates(_read(losses.write_offs), "date")["date"].unique().implode()
    paid = _dates(_read(losses.payments), "date").join(
        insolvent, left_on="buyer_id", right_on="buyer"
    )
    after = paid.filter(pl.col("date") >= pl.col("insolvent_on"))
    assert after["date"].is_in(write_off_days).all()
    petitions = events.filter(pl.col("type") == "legal_proceedings").join(insolvent, on="buyer")
    lead = (petitions["insolvent_on"] - petitions["date"]).dt.total_days()
    assert petitions.height == 1
    assert lead.is_between(30, 120).all()
    downgrades = events.filter(pl.col("type") == "rating_downgrade").join(insolvent, on="buyer")
    lead = (downgrades["insolvent_on"] - downgrades["date"]).dt.total_days()
    assert downgrades.height > 0
    assert lead.is_between(30, 200).all()


def test_a_payment_default_notice_names_an_invoice_60_days_overdue_and_unpaid(
    losses: DemoFiles,
) -> None:
    notices = _buyer_of_event(losses).filter(pl.col("type") == "payment_default")
    assert notices.height == 4
    notices = notices.with_columns(
        invoice_id=pl.col("details").str.extract(r"^invoice (INV\d+) unpaid \d+ days"),
        days=pl.col("details").str.extract(r"unpaid (\d+) days").cast(pl.Int64),
    )
    invoices = _with_minor(_dates(_read(losses.invoices), "due_date"))
    paid = (
        _with_minor(_read(losses.payments))
        .filter(pl.col("invoice_id").is_not_null())
        .group_by("invoice_id")
        .agg(paid=pl.col("amount").sum())
    )
    named = notices.join(invoices, on="invoice_id").join(paid, on="invoice_id", how="left")
    assert named.height == 4
    assert (named["buyer_id"] == named["buyer"]).all()
    assert ((named["date"] - named["due_date"]).dt.total_days() == named["days"]).all()
    assert named["days"].is_between(60, 65).all()
    assert (named["paid"].fill_null(0) < named["amount"]).all()  # still unpaid
    assert notices["buyer"].is_unique().all()


def test_only_failing_buyers_get_severe_events_and_noise_is_rare(tmp_path: Path) -> None:
    spec = DemoSpec(seed=7, buyers=1000, years=2.0, as_of=AS_OF)
    files = generate(spec, tmp_path)
    hidden = generator.hidden_behaviour(spec)
    assert dict(hidden.group_by("behaviour").len().iter_rows()) == {
        "good": 875,
        "drift": 91,
        "default": 26,
        "insolvent": 8,
    }
    failing = hidden.filter(pl.col("event_on").is_not_null())
    assert set(failing["behaviour"]) == {"default", "insolvent"}
    assert failing["event_on"].is_between(AS_OF - dt.timedelta(days=730), AS_OF).all()
    events = _buyer_of_event(files).join(hidden, left_on="buyer", right_on="buyer_id")
    kinds = {type_: set(group["behaviour"]) for (type_,), group in events.group_by("type")}
    assert kinds["insolvency"] == {"insolvent"}
    assert kinds["legal_proceedings"] == {"insolvent"}
    assert kinds["payment_default"] == {"default"}
    assert kinds["management_change"] <= {"good", "drift"}
    insolvent = events.filter(pl.col("type") == "insolvency")
    assert (insolvent["date"] == insolvent["event_on"]).all()
    noise = events.filter(pl.col("behaviour").is_in(["good", "drift"]))
    per_year = noise["buyer"].n_unique() / (875 + 91) / 2.0
    assert 0.01 <= per_year <= 0.02  # about 1-2% of the sound buyers a year
