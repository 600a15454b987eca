# Tryton's convention names model classes from the pool in CapWords.
# ruff: noqa: N806
# Tryton is not installed in the project venv that type-checks bench/.
# mypy: disable-error-code="import-not-found"
"""Time Tryton 8.2 account_dunning's create-dunnings wizard on a synthetic ledger.

Peer comparison for issue 12 (the dunning-run benchmark): what Tryton's own
``account.dunning.create`` wizard costs per receivable line, on the same shape
of ledger as ours. This script is NOT part of TradeGuard and does not import it;
it needs its own virtualenv with Tryton, separate from the project venv:

    python3 -m venv /work/tryton-venv
    /work/tryton-venv/bin/pip install 'trytond==8.2.*' \
        'trytond_account_dunning==8.2.*' 'proteus==8.2.*'
    /work/tryton-venv/bin/python -O bench/tryton_dunning.py --parties 1000 --lines-per-party 10

Run it with ``-O``: trytond's record constructor asserts that every id of the
browsed list is an int, which makes browsing n records O(n^2) in a plain run.

Setup follows the module's own scenario (tests/scenario_account_dunning.rst):
module activation, company, chart of accounts and fiscal year through proteus
and the upstream test tools. Parties and posted revenue moves (one per party:
``--lines-per-party`` receivable debit lines, each with a maturity date
overdue by 0..90 days on the run date, and one revenue credit line) are made
through the ORM for the first ``--orm-parties`` parties; the rest are SQL
copies of those rows with new ids, because the ORM needs about 15 ms a line
and setup is not what is measured. The database is SQLite in memory, as in the
upstream tests, but the pool runs in production mode (``Pool.test`` off), so
the extra validation of the test mode is not timed.

Only the create-dunnings step is timed: building the wizard and executing its
``create_`` transition, which calls ``Dunning.generate_dunnings(run_date)`` in
one transaction and commits. It is a first run (no dunning exists), so every
line at least 15 days overdue gets a level-1 dunning; Tryton moves up at most
one level per run. Prints one JSON object.
"""

import argparse
import datetime as dt
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

os.environ.setdefault("TRYTOND_DATABASE_URI", "sqlite://")
os.environ["DB_NAME"] = ":memory:"
DB_NAME = ":memory:"

# The upstream tools import trytond.tests.test_tryton, which switches the pool
# to test mode; it is switched back before any database exists.
from proteus import Model, Wizard  # noqa: E402
from proteus import config as pconfig  # noqa: E402
from trytond.modules.account.tests.tools import (  # noqa: E402
    create_chart,
    create_fiscalyear,
    get_accounts,
)
from trytond.modules.company.tests.tools import create_company  # noqa: E402
from trytond.pool import Pool  # noqa: E402
from trytond.tests.test_tryton import create_db  # noqa: E402
from trytond.transaction import Transaction, TransactionError  # noqa: E402

Pool.test = False
Pool.start()

LEVEL_DAYS = (15, 30, 45)  # reminder, phone call, collection agency
MAX_OVERDUE = 90
CHUNK = 500
PARTY_TABLES = ("party_party_lang", "party_party_account", "party_party_dunning_procedure")


def setup_database() -> Any:
    """Create the database, activate account_dunning, add company and chart."""
    create_db(DB_NAME)
    cfg = pconfig.set_trytond(DB_NAME)
    Module = Model.get("ir.module")
    (module,) = Module.find([("name", "=", "account_dunning")])
    Module.click([module], "activate")
    Wizard("ir.module.activate_upgrade").execute("upgrade")
    create_company(config=cfg)
    create_chart(config=cfg)
    return cfg


def in_transaction(cfg: Any, func: Callable[[], None]) -> None:
    """Run func in a committed transaction, retrying with the locks it asks for.

    Tryton's dispatcher and proteus do the same: a model that needs a table
    lock raises a TransactionError, and the call is replayed holding it.
    """
    extras: dict[str, Any] = {}
    while True:
        with Transaction().start(DB_NAME, cfg.user, context=cfg.context, **extras) as transaction:
            try:
                func()
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)
                continue
            transaction.commit()
            return


def setup_orm(cfg: Any, run_date: dt.date, parties: int, per_party: int) -> None:
    """Build the procedure, then parties and posted moves through the ORM."""
    fiscalyear = create_fiscalyear(today=run_date)
    fiscalyear.click("create_period")
    accounts = get_accounts()
    Procedure = Model.get("account.dunning.procedure")
    procedure = Procedure(name="Ladder")
    for sequence, days in enumerate(LEVEL_DAYS, start=1):
        level = procedure.levels.new()
        level.sequence = sequence
        level.overdue = dt.timedelta(days)
    procedure.save()
    (journal,) = Model.get("account.journal").find([("code", "=", "REV")])
    receivable, revenue = accounts["receivable"].id, accounts["revenue"].id
    move_date = run_date - dt.timedelta(MAX_OVERDUE + 5)

    def move(party: int, first: int, period: int) -> dict[str, Any]:
        """A revenue move for one party; line serials from first on."""
        lines: list[dict[str, Any]] = []
        for serial in range(first, first + per_party):
            lines.append(
                {
                    "account": receivable,
                    "party": party,
                    "debit": Decimal(100 + serial % 900) + Decimal("0.25"),
                    "credit": Decimal(0),
                    "maturity_date": run_date - dt.timedelta(serial % (MAX_OVERDUE + 1)),
                }
            )
        total = sum((line["debit"] for line in lines), Decimal(0))
        lines.append({"account": revenue, "debit": Decimal(0), "credit": total})
        return {
            "period": period,
            "journal": journal.id,
            "date": move_date,
            "lines": [("create", lines)],
        }

    for start in range(0, parties, CHUNK):
        size = min(CHUNK, parties - start)

        def build(start: int = start, size: int = size) -> None:
            """Create one chunk of parties and their posted moves."""
            pool = Pool()
            Party, Move, Period = (
                pool.get(name) for name in ("party.party", "account.move", "account.period")
            )
            period = Period.find(Transaction().context["company"], date=move_date).id
            buyers = Party.create(
                [
                    {"name": f"Buyer {start + i}", "dunning_procedure": procedure.id}
                    for i in range(size)
                ]
            )
            Move.post(
                Move.create(
                    [
                        move(buyer.id, (start + i) * per_party, period)
                        for i, buyer in enumerate(buyers)
                    ]
                )
            )

        in_transaction(cfg, build)


def clone_parties(cfg: Any, template: int, parties: int) -> None:
    """Copy the first `template` buyers, their rows and moves, up to `parties`.

    Each copy gets new ids (foreign keys to party and move shifted alike), a new
    name, party code and move number, so the rows are those the ORM would write.
    """

    def clone() -> None:
        cursor = Transaction().connection.cursor()

        def scalar(sql: str, params: dict[str, Any]) -> int:
            cursor.execute(sql, params)
            return int(cursor.fetchone()[0])

        def copy(table: str, where: str, shifts: dict[str, str], params: dict[str, Any]) -> None:
            cursor.execute(f'PRAGMA table_info("{table}")')
            cols = [row[1] for row in cursor.fetchall() if row[1] != "id"]
            names = ", ".join(f'"{col}"' for col in cols)
            exprs = ", ".join(shifts.get(col, f'"{col}"') for col in cols)
            cursor.execute(
                f'INSERT INTO "{table}" (id, {names}) '
                f'SELECT id + :id_shift, {exprs} FROM "{table}" WHERE {where}',
                params,
            )

        moves = "SELECT move FROM account_move_line WHERE party BETWEEN :first AND :last"
        first = scalar("SELECT MIN(id) FROM party_party WHERE name LIKE 'Buyer %'", {})
        done = template
        while done < parties:
            size = min(template, parties - done)
            params: dict[str, Any] = {"first": first, "last": first + size - 1, "done": done}
            params["party_shift"] = scalar("SELECT MAX(id) FROM party_party", {}) + 1 - first
            params["move_shift"] = (
                scalar("SELECT MAX(id) FROM account_move", {})
                + 1
                - scalar(f"SELECT MIN(move) FROM ({moves})", params)
            )
            party_code = "CAST(id + :party_shift AS TEXT)"
            plan = [
                (
                    "party_party",
                    "id BETWEEN :first AND :last",
                    {
                        "name": "'Buyer ' || (id - :first + :done)",
                        "code": party_code,
                        "code_alnum": party_code,
                        "code_digit": "id + :party_shift",
                    },
                ),
                *(
                    (table, "party BETWEEN :first AND :last", {"party": "party + :party_shift"})
                    for table in PARTY_TABLES
                ),
                ("account_move", f"id IN ({moves})", {"number": "CAST(id + :move_shift AS TEXT)"}),
                (
                    "account_move_line",
                    f"move IN ({moves})",
                    {"move": "move + :move_shift", "party": "party + :party_shift"},
                ),
            ]
            for table, where, shifts in plan:
                if table == "party_party":
                    id_shift = params["party_shift"]
                elif table == "account_move":
                    id_shift = params["move_shift"]
                else:
                    id_shift = (
                        scalar(f'SELECT MAX(id) FROM "{table}"', {})
                        + 1
                        - scalar(f'SELECT MIN(id) FROM "{table}" WHERE {where}', params)
                    )
                copy(table, where, shifts, {**params, "id_shift": id_shift})
            done += size

    in_transaction(cfg, clone)


def count_lines(cfg: Any, run_date: dt.date) -> dict[str, int]:
    """Count receivable lines by how overdue they are on the run date."""
    result: dict[str, int] = {}

    def count() -> None:
        cursor = Transaction().connection.cursor()
        cursor.execute(
            "SELECT COUNT(*),"
            " SUM(l.maturity_date <= :run), SUM(l.maturity_date < :run),"
            " SUM(l.maturity_date <= :level_1), COUNT(DISTINCT l.party)"
            " FROM account_move_line l JOIN account_move m ON m.id = l.move"
            " WHERE l.party IS NOT NULL AND l.debit > 0 AND m.state = 'posted'",
            {
                "run": run_date.isoformat(),
                "level_1": (run_date - dt.timedelta(LEVEL_DAYS[0])).isoformat(),
            },
        )
        lines, scanned, overdue, dunnable, parties = cursor.fetchone()
        result.update(
            parties=parties,
            lines=lines,
            scanned_lines=scanned,
            overdue_lines=overdue,
            dunnable_lines=dunnable,
        )

    in_transaction(cfg, count)
    return result


def count_dunnings(cfg: Any) -> dict[str, int]:
    """Count the dunnings the run created, by level and state."""
    result: dict[str, int] = {}

    def count() -> None:
        Dunning = Pool().get("account.dunning")
        dunnings = Dunning.search([])
        result["dunnings_created"] = len(dunnings)
        for dunning in dunnings:
            key = f"level_{dunning.level.sequence}_{dunning.state}"
            result[key] = result.get(key, 0) + 1

    in_transaction(cfg, count)
    return result


def main() -> None:
    """Parse sizes, build the ledger, time one create-dunnings run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parties", type=int, default=1000)
    parser.add_argument("--lines-per-party", type=int, default=10)
    parser.add_argument(
        "--orm-parties",
        type=int,
        default=1000,
        help="parties built through the ORM; the rest are SQL copies of them",
    )
    args = parser.parse_args()
    run_date = dt.date.today()

    started = time.perf_counter()
    cfg = setup_database()
    template = min(args.parties, args.orm_parties)
    setup_orm(cfg, run_date, template, args.lines_per_party)
    clone_parties(cfg, template, args.parties)
    counts = count_lines(cfg, run_date)
    setup_seconds = time.perf_counter() - started

    started, cpu_started = time.perf_counter(), time.process_time()
    create_dunning = Wizard("account.dunning.create", config=cfg)
    create_dunning.form.date = run_date
    create_dunning.execute("create_")
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started

    result = {
        **counts,
        **count_dunnings(cfg),
        "seconds": round(seconds, 3),
        "lines_per_second": round(counts["lines"] / seconds, 1),
        "cpu_seconds": round(cpu_seconds, 3),
        "lines_per_cpu_second": round(counts["lines"] / cpu_seconds, 1),
        "setup_seconds": round(setup_seconds, 1),
        "orm_parties": template,
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "run_date": run_date.isoformat(),
        "python": sys.version.split()[0],
        "asserts": __debug__,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
