"""`kaoping-server tokens create|revoke|list`: issue and revoke bearer tokens directly
in the database (run on the server host by an administrator)."""
from __future__ import annotations

import argparse
import getpass
import os
import sys

from kaoping.usecases import audit
from kaoping.domain.errors import DomainError
from kaoping.domain.principal import Principal
from kaoping.storage.store import Store
from kaoping.usecases.tokens import Tokens


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kaoping-server tokens")
    # The database the server uses (kaoping.ops.server resolves it the same way), so a
    # token issued here works there instead of landing in a stray ./kaoping.db.
    from kaoping.ops.server import DEFAULT_DB
    parser.add_argument("--db", default=os.environ.get("KAOPING_DB", DEFAULT_DB),
                        help="SQLAlchemy URL (default: $KAOPING_DB, else ./kaoping.db)")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="issue a token; prints it once")
    create.add_argument("--name", required=True, help="who holds it")
    create.add_argument("--role", required=True,
                        help="admin, main_leader, contact_leader, station, resident_cadre, "
                             "system, village, reader (township-scoped); county_admin, "
                             "county_reader (county-scoped)")
    create.add_argument("--township", default="",
                        help="bind it to this township (empty: the deployment; a scorer's or "
                             "village's token takes its scorer's or village's township)")
    create.add_argument("--county", default="", help="county_admin, county_reader: the county")
    create.add_argument("--scorer", default="", help="scorer id (scorer roles)")
    create.add_argument("--village", default="", help="village id (village role)")
    create.add_argument("--categories", default="", help="comma-separated (system role)")
    create.add_argument("--expires-days", type=int)
    create.add_argument("--quiet", action="store_true", help="print only the token")
    revoke = sub.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("id", type=int)
    listing = sub.add_parser("list", help="list tokens (never their secrets)")
    listing.add_argument("--township", default="", help="only this township's tokens")
    args = parser.parse_args(argv)
    store = Store(args.db)
    tokens = Tokens(store)
    # Run on the server host by whoever holds the database: the audit log names them.
    audit.begin(Principal(f"local:{getpass.getuser()}", "admin"), audit.new_request_id("cli"))
    try:
        if args.command == "create":
            token, row = tokens.create(args.name, args.role, scorer_id=args.scorer,
                                       village_id=args.village,
                                       categories=tuple(c for c in args.categories.split(",") if c),
                                       expires_days=args.expires_days, created_by="kaoping-server tokens",
                                       township_id=args.township, county=args.county)
            if args.quiet:
                print(token)
            else:
                print(f"token {row.id} for {row.name} ({row.role}, {_reach(row)}); shown once, "
                      f"store it safely:")
                print(token)
        elif args.command == "revoke":
            row = tokens.revoke(args.id)
            print(f"token {row.id} ({row.name}) revoked")
        else:
            for row in tokens.list(township_id=args.township):
                state = "revoked" if row.revoked_at else "active"
                scope = row.scorer_id or row.village_id or row.categories
                print(f"{row.id}\t{row.name}\t{row.role}\t{_reach(row)}\t{scope}\t{state}\t"
                      f"created {row.created_at:%Y-%m-%d}")
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0


def _reach(row) -> str:
    if row.township_id:
        return f"township {row.township_id}"
    if row.county:
        return f"county {row.county}"
    return "deployment"
