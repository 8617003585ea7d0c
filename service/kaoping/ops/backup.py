"""`kaoping-server backup` and `kaoping-server restore` for a township's SQLite file.

backup uses SQLite's online backup API (`sqlite3.Connection.backup`), which copies a
consistent snapshot while the server goes on serving and writing: the database is in
WAL mode, so the copy holds one read transaction and writers are never blocked. The
copy is written beside the target, checked (`PRAGMA integrity_check`, kaoping's
tables present), switched to a single self-contained file (journal_mode=DELETE),
fsynced, and only then renamed over the target, so a crash leaves either the old
backup or the new one, never half of one.

restore checks the backup the same way, keeps a copy of the database it replaces
(`<db>.before-restore-<UTC time>`), and copies the backup into the database with the
same API, in one transaction. Stop the server first (`systemctl stop kaoping`); the
server brings the schema up to date (migrations) when it starts.

PostgreSQL is backed up with its own tools (pg_dump / pg_basebackup; deploy/README.md).
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REQUIRED_TABLES = ("fact", "ruleset_version", "activation", "official")


class BackupError(Exception):
    pass


def sqlite_path(url: str) -> Path:
    """The file of a sqlite:/// URL; BackupError for anything else."""
    if not url.startswith("sqlite:///"):
        if url.startswith(("postgresql", "postgres")):
            raise BackupError("this is a PostgreSQL database: back it up with pg_dump "
                              "(see deploy/README.md, 'Backup and restore')")
        raise BackupError(f"not a SQLite file URL: {url!r} (expected sqlite:///PATH)")
    path = url[len("sqlite:///"):].split("?", 1)[0]
    if not path or path == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(path)


def check(path: Path) -> dict:
    """Integrity and shape of a kaoping SQLite file; returns a few counts."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            raise BackupError(f"{path}: integrity check failed: {result[:5]}")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if missing:
            raise BackupError(f"{path}: not a kaoping database (no table {', '.join(missing)})")
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in REQUIRED_TABLES}
        revision = None
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        counts["schema"] = revision
        return counts
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a readable SQLite database: {exc}") from exc
    finally:
        conn.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def backup(db_url: str, target: Path) -> dict:
    """Online backup of a running (or stopped) server's SQLite file to `target`."""
    source = sqlite_path(db_url)
    if not source.is_file():
        raise BackupError(f"{source}: no such database file")
    target = Path(target)
    if target.resolve() == source.resolve():
        raise BackupError("the backup must not be the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        # pages=-1: the whole database in one step, inside one read transaction. In WAL
        # mode that blocks no writer, and the copy cannot restart forever under writes.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        dst.commit()
    finally:
        dst.close()
        src.close()
    try:
        counts = check(partial)
        _fsync(partial)
        os.replace(partial, target)
        _fsync_dir(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    counts["seconds"] = round(time.monotonic() - started, 3)
    counts["bytes"] = target.stat().st_size
    return counts


def restore(backup_file: Path, db_url: str, force: bool = False) -> dict:
    """Replaces the database's content with the backup's (one transaction)."""
    backup_file = Path(backup_file)
    check(backup_file)  # refuse a damaged or foreign file before touching anything
    target = sqlite_path(db_url)
    kept = None
    if target.exists() and target.stat().st_size > 0:
        if not force:
            raise BackupError(f"{target} exists; stop the server and pass --force to replace it "
                              f"(a copy of it is kept)")
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        kept = target.with_name(f"{target.name}.before-restore-{stamp}")
        backup(db_url, kept)
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=WAL")  # what the server uses
        dst.commit()
    finally:
        dst.close()
        src.close()
    result = check(target)
    result["kept"] = str(kept) if kept else None
    return result


def backup_to_dir(db_url: str, directory: Path, keep: int = 0) -> tuple[Path, dict, list[Path]]:
    """A backup named by its UTC time in `directory`; with keep > 0, only the newest
    `keep` backups there are kept. Returns (file, counts, removed files)."""
    directory = Path(directory)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = directory / f"{sqlite_path(db_url).stem}-{stamp}.db"
    counts = backup(db_url, target)
    removed: list[Path] = []
    if keep > 0:
        mine = sorted(directory.glob(f"{sqlite_path(db_url).stem}-*Z.db"))
        for old in mine[:-keep]:
            old.unlink(missing_ok=True)
            removed.append(old)
    return target, counts, removed


def main(argv: list[str], command: str) -> int:
    default_db = os.environ.get("KAOPING_DB", "sqlite:///kaoping.db")
    parser = argparse.ArgumentParser(prog=f"kaoping-server {command}", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=default_db, help="sqlite:///PATH of the township database "
                                                         "(default: $KAOPING_DB or ./kaoping.db)")
    if command == "backup":
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--to", type=Path, help="backup file to write")
        where.add_argument("--to-dir", type=Path, help="write <db name>-<UTC time>.db in this folder")
        parser.add_argument("--keep", type=int, default=0,
                            help="with --to-dir: keep only the newest N backups there (0: keep all)")
    else:
        parser.add_argument("--from", dest="source", type=Path, required=True, help="backup file")
        parser.add_argument("--force", action="store_true",
                            help="replace an existing database (a copy of it is kept)")
    args = parser.parse_args(argv)
    try:
        if command == "backup":
            removed: list[Path] = []
            if args.to_dir:
                args.to, counts, removed = backup_to_dir(args.db, args.to_dir, args.keep)
            else:
                counts = backup(args.db, args.to)
            for old in removed:
                print(f"removed old backup {old}")
            print(f"backup {args.to}: {counts['bytes']} bytes in {counts['seconds']}s; "
                  f"{counts['fact']} facts, {counts['ruleset_version']} rule-set versions, "
                  f"{counts['official']} officials; schema {counts['schema'] or '-'}; integrity ok")
        else:
            counts = restore(args.source, args.db, args.force)
            print(f"restored {args.source} into {sqlite_path(args.db)}: {counts['fact']} facts, "
                  f"{counts['ruleset_version']} rule-set versions; integrity ok"
                  + (f"; previous database kept as {counts['kept']}" if counts["kept"] else ""))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
