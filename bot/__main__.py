"""The command line: `python -m bot serve | worker | jobs | console | ask | baseline import | baseline show |
track-record | decisions export | roles set | roles list | experts settings | workshop export | workspace
list | export | delete | rekey` (also `scenario-bot`), and `teams-manifest` (the Teams app package).

Owns parsing arguments and turning every expected failure (bad settings, a database behind its migrations,
an unreadable baseline file) into a clear message on stderr and an exit code: 0 done, 1 nothing to show (or a
CSV preview stored nothing: re-run with --yes), 2 bad input or configuration. The commands themselves live in bot/cli/*.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import CommandError
from bot.cli import ask as ask_command
from bot.cli import baselines as baseline_commands
from bot.cli import csv_import as csv_commands
from bot.cli import decisions as decision_commands
from bot.cli import experts as expert_commands
from bot.cli import run as run_commands
from bot.cli import track_record as track_commands
from bot.cli import workshop as workshop_commands
from bot.cli import workspaces as workspace_commands

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Sales scenario bot: answers what-if questions about reaching the target."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the web server (Slack, Teams, /healthz)")
    serve.add_argument("--host", help="interface to listen on (default: HOST or 0.0.0.0)")
    serve.add_argument("--port", type=int, help="port to listen on (default: PORT or 3000)")

    worker = sub.add_parser("worker", help="run jobs, schedules and sends (until SIGTERM, or --once)")
    worker.add_argument("--once", action="store_true", help="run everything due now (or at --now), then exit")
    worker.add_argument("--now", metavar="ISO-8601", help="with --once: the instant to run at, e.g. 2026-11-30T09:00Z")

    jobs = sub.add_parser("jobs", help="the job queue: counts, newest jobs, dead ones with their error")
    jobs.add_argument("--status", choices=("queued", "running", "done", "dead"), help="only jobs in this state")
    jobs.add_argument("--db", metavar="URL", help=DB_HELP)

    console = sub.add_parser("console", help="chat with the bot in this terminal, on sample data")
    console.add_argument("--db", metavar="URL", help="database URL (default: sqlite file ./console.db)")
    console.add_argument("--show", choices=("slack", "teams"), help="also print each card as platform JSON")

    ask = sub.add_parser("ask", help="answer one question and exit (no database)")
    ask.add_argument("question", help='e.g. "what if win rate drops to 20%%"')
    source = ask.add_mutually_exclusive_group()
    source.add_argument("--baseline", metavar="FILE.json", help="baseline JSON (default: the shipped sample team)")
    source.add_argument(
        "--csv",
        metavar="FILE.csv",
        help="a CRM export: its pipeline and fitted drivers on the sample team, today to the end of the quarter",
    )
    ask.add_argument("--json", action="store_true", help="print intent, changes and forecasts as JSON")
    ask.add_argument("--as-of", type=csv_commands.as_of_arg, metavar="DATE|file", help=csv_commands.AS_OF_HELP)

    teams = sub.add_parser("teams-manifest", help="write the Microsoft Teams app package (manifest.json + icons)")
    teams.add_argument("--app-id", required=True, metavar="ID", help="the bot's Microsoft App ID (a GUID)")
    teams.add_argument("--host", required=True, help="public host serving the bot, e.g. scenario.example.com")
    teams.add_argument("--out", default="scenario-teams.zip", metavar="FILE.zip", help="default: scenario-teams.zip")

    baseline = sub.add_parser("baseline", help="import or show a channel's baseline")
    bsub = baseline.add_subparsers(dest="baseline_command", required=True, metavar="ACTION")
    imp = bsub.add_parser("import", help="store FILE.json (or a CRM export FILE.csv) as the channel's new version")
    imp.add_argument("file", metavar="FILE.json|FILE.csv")
    imp.add_argument("--yes", action="store_true", help="FILE.csv: store it after the preview (without: preview only)")
    imp.add_argument(
        "--window-weeks",
        type=csv_commands.window_arg,
        metavar="N",
        help="FILE.csv: fit the drivers over the last N weeks of history (4 to 260, default 52)",
    )
    imp.add_argument(
        "--keep",
        action="append",
        type=csv_commands.driver_arg,
        metavar="DRIVER",
        help="FILE.csv: keep the current value of DRIVER (win_rate, deal_size, cycle_weeks, "
        "new_opps_per_rep_week, reps); repeatable",
    )
    imp.add_argument(
        "--use-fitted",
        action="append",
        type=csv_commands.driver_arg,
        metavar="DRIVER",
        help="FILE.csv: use the fitted value of DRIVER even when its sample is small; repeatable",
    )
    imp.add_argument("--as-of", type=csv_commands.as_of_arg, metavar="DATE|file", help=csv_commands.AS_OF_HELP)
    show = bsub.add_parser("show", help="print the channel's latest baseline")
    show.add_argument("--json", action="store_true", help="print the baseline JSON (DESIGN section 6)")
    for p in (imp, show):
        _where(p, channel=True)
    track = sub.add_parser("track-record", help="a channel's published forecasts against the periods' outcomes")
    _where(track, channel=True)
    track.add_argument("--json", action="store_true", help="print forecasts by week, periods, Brier score, reliability")
    track.add_argument("--chart", metavar="FILE.png", help="also write the chart of P(reach target) by week")
    _decision_parsers(sub)
    experts = sub.add_parser("experts", help="a workspace's limits for expert invitations")
    esub = experts.add_subparsers(dest="experts_command", required=True, metavar="ACTION")
    limits = esub.add_parser("settings", help="show or change the depth cap, per-card limit and expiry")
    _where(limits)
    limits.add_argument("--max-depth", type=expert_commands.bounded("max_depth"), metavar="N", help="default 3")
    limits.add_argument("--max-per-card", type=expert_commands.bounded("max_per_card"), metavar="N", help="default 50")
    limits.add_argument("--expiry-days", type=expert_commands.bounded("expiry_days"), metavar="N", help="default 7")
    limits.add_argument("--default", action="store_true", help="back to the defaults")
    limits.add_argument("--json", action="store_true", help="print the limits as JSON")
    workshop = sub.add_parser("workshop", help="workshops planned in chat: export a survey's answers")
    wsub = workshop.add_subparsers(dest="workshop_command", required=True, metavar="ACTION")
    wexport = wsub.add_parser("export", help="a workshop survey's answers as CSV (anonymous when the survey was)")
    _where(wexport)
    wexport.add_argument("--workshop", required=True, type=int, metavar="ID", help="the workshop's number")
    wexport.add_argument("--out", metavar="FILE.csv", help="write to FILE.csv (default: stdout)")
    _workspace_parser(sub)
    return parser


DB_HELP = "database URL (default: DATABASE_URL)"


def _where(parser: argparse.ArgumentParser, *, channel: bool = False) -> None:
    """The options that name one workspace (and channel) of one platform, and the database it is in: every operator
    command that reads or changes a tenant's data takes the same ones."""
    parser.add_argument("--platform", required=True, choices=("slack", "teams", "console"))
    parser.add_argument(
        "--workspace", required=True, metavar="ID", help="Slack team (or enterprise) id, or Teams tenant id"
    )
    if channel:
        parser.add_argument("--channel", required=True, metavar="ID", help="channel id")
    parser.add_argument("--db", metavar="URL", help=DB_HELP)


def _decision_parsers(sub: argparse._SubParsersAction) -> None:
    decisions = sub.add_parser("decisions", help="a channel's decision log")
    dsub = decisions.add_subparsers(dest="decisions_command", required=True, metavar="ACTION")
    exp = dsub.add_parser("export", help="print the channel's decisions as CSV (formula-safe), newest first")
    _where(exp, channel=True)
    exp.add_argument("--out", metavar="FILE.csv", help="write the CSV to FILE.csv instead of printing it")
    roles = sub.add_parser("roles", help="who has the manager role (may decide on any scenario card)")
    rsub = roles.add_subparsers(dest="roles_command", required=True, metavar="ACTION")
    rset = rsub.add_parser("set", help="give (--role manager) or take away (--role none) the manager role")
    rset.add_argument("--user", required=True, metavar="ID", help="Slack member id or Teams Entra object id")
    rset.add_argument("--role", required=True, choices=("manager", "none"))
    rset.add_argument("--channel", metavar="ID", help="only in this channel (default: every channel)")
    rlist = rsub.add_parser("list", help="every role in the workspace")
    for p in (rset, rlist):
        _where(p)


def _workspace_parser(sub: argparse._SubParsersAction) -> None:
    workspace = sub.add_parser("workspace", help="list, export or delete a workspace's data (data-protection requests)")
    wsub = workspace.add_subparsers(dest="workspace_command", required=True, metavar="ACTION")
    listing = wsub.add_parser("list", help="every workspace, where the app is installed there")
    listing.add_argument("--json", action="store_true", help="print the list as JSON")
    export = wsub.add_parser("export", help="all of a workspace's data as JSON on stdout (no tokens)")
    delete = wsub.add_parser("delete", help="delete all of a workspace's data, in one transaction")
    delete.add_argument("--yes", action="store_true", help="really delete (without: say what would be deleted)")
    for p in (export, delete):
        _where(p)
    rekey = wsub.add_parser("rekey", help="seal every stored token again with the first SECRET_KEY key")
    for p in (listing, rekey):
        p.add_argument("--db", metavar="URL", help=DB_HELP)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return run_commands.serve(host=args.host, port=args.port)
        if args.command == "worker":
            return run_commands.worker(once=args.once, now=args.now)
        if args.command == "jobs":
            return run_commands.jobs(status=args.status, db_url=args.db)
        if args.command == "console":
            return run_commands.console(db_url=args.db, show=args.show)
        if args.command == "ask":
            if args.as_of is not None and not args.csv:
                raise CommandError("--as-of applies to a CSV export (--csv FILE.csv) only")
            return ask_command.ask(
                args.question, baseline_file=args.baseline, csv_file=args.csv, as_json=args.json, as_of=args.as_of
            )
        if args.command == "track-record":
            return track_commands.track_record(
                platform=args.platform,
                workspace=args.workspace,
                channel=args.channel,
                db_url=args.db,
                as_json=args.json,
                chart=args.chart,
            )
        if args.command == "decisions":
            return decision_commands.export(
                platform=args.platform, workspace=args.workspace, channel=args.channel, db_url=args.db, out=args.out
            )
        if args.command == "roles" and args.roles_command == "set":
            return decision_commands.set_role(
                platform=args.platform,
                workspace=args.workspace,
                user=args.user,
                role=args.role,
                channel=args.channel,
                db_url=args.db,
            )
        if args.command == "roles":
            return decision_commands.list_roles(platform=args.platform, workspace=args.workspace, db_url=args.db)
        if args.command == "experts":
            changes = {"max_depth": args.max_depth, "max_per_card": args.max_per_card, "expiry_days": args.expiry_days}
            return expert_commands.settings(
                platform=args.platform,
                workspace=args.workspace,
                changes=changes,
                reset=args.default,
                db_url=args.db,
                as_json=args.json,
            )
        if args.command == "workshop":
            return workshop_commands.export(
                platform=args.platform,
                workspace=args.workspace,
                workshop_id=args.workshop,
                db_url=args.db,
                out=args.out,
            )
        if args.command == "workspace":
            return _workspace(args)
        if args.command == "teams-manifest":
            return _teams_manifest(args.app_id, args.host, args.out)
        if args.baseline_command == "import" and args.file.lower().endswith(".csv"):
            return csv_commands.import_csv(
                args.file,
                platform=args.platform,
                workspace=args.workspace,
                channel=args.channel,
                db_url=args.db,
                yes=args.yes,
                window_weeks=args.window_weeks,
                choices=csv_commands.driver_choices(args.keep, args.use_fitted),
                as_of=args.as_of,
            )
        if args.baseline_command == "import" and (args.window_weeks or args.keep or args.use_fitted or args.as_of):
            raise CommandError("--window-weeks, --keep, --use-fitted and --as-of apply to a CSV import (FILE.csv) only")
        if args.baseline_command == "import":
            return baseline_commands.import_file(
                args.file, platform=args.platform, workspace=args.workspace, channel=args.channel, db_url=args.db
            )
        return baseline_commands.show(
            platform=args.platform, workspace=args.workspace, channel=args.channel, db_url=args.db, as_json=args.json
        )
    except KeyboardInterrupt:
        return 130
    except CommandError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code


def _workspace(args: argparse.Namespace) -> int:
    if args.workspace_command == "list":
        return workspace_commands.list_workspaces(db_url=args.db, as_json=args.json)
    if args.workspace_command == "export":
        return workspace_commands.export(platform=args.platform, workspace=args.workspace, db_url=args.db)
    if args.workspace_command == "delete":
        return workspace_commands.delete(platform=args.platform, workspace=args.workspace, yes=args.yes, db_url=args.db)
    return workspace_commands.rekey(db_url=args.db)


def _teams_manifest(app_id: str, host: str, out: str) -> int:
    from bot.teams.manifest import ManifestError, write_package  # lazy: botbuilder only loads for this command

    try:
        path = write_package(app_id, host, out)
    except ManifestError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"--out: cannot write {out}: {exc.strerror}") from None
    print(f"wrote {path}: upload it in Teams (Apps > Manage your apps > Upload an app)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
