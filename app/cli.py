"""The `lyssna` command: serve, migrate, seed, issue tokens, check questionnaires, flush."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlmodel import Session

from app.settings import get_settings


def _engine():  # type: ignore[no-untyped-def]
    from app.storage.engine import make_engine

    return make_engine(get_settings().database_url)


@click.group()
def main() -> None:
    """Lyssna: anonymous survey platform for regional question batteries."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--fd", type=int, default=None,
              help="serve on this already bound and listening socket (an inherited file "
                   "descriptor) instead of binding --host and --port")
def serve(host: str, port: int, workers: int, fd: int | None) -> None:
    """Serve the web app with uvicorn (no client addresses or respondent paths in logs)."""
    import uvicorn

    from app.log_config import log_config

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        fd=fd,
        log_config=log_config(),
        proxy_headers=False,
        server_header=False,
    )


@main.command()
def migrate() -> None:
    """Upgrade the database to the newest schema and publish questionnaire versions."""
    from app.questionnaires.loader import QuestionnaireError, Registry, publish
    from app.storage.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    try:
        registry = Registry.from_directory(settings.questionnaire_dir)
        with Session(_engine()) as session:
            for questionnaire in registry.versions.values():
                publish(session, questionnaire)
            session.commit()
    except QuestionnaireError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"database migrated; {len(registry.versions)} questionnaire version(s) published")


@main.command()
@click.option("--responses", default=0, show_default=True, type=click.IntRange(min=0),
              help="synthetic demo responses to seed in the 12 closed months before this one")
def demo(responses: int) -> None:
    """Seed the demo region (Östergötland's municipalities and interventions) and, with
    --responses N, N synthetic responses marked as demo data."""
    from app.demo import seed_region
    from app.questionnaires.loader import Registry
    from app.reports.demo import seed_responses

    settings = get_settings()
    engine = _engine()
    with Session(engine) as session:
        seed_region(session)
        session.commit()
    click.echo("demo region seeded")
    if responses:
        seeded = seed_responses(engine, registry=Registry.from_directory(
            settings.questionnaire_dir), count=responses, today=_today(settings.timezone),
            k=settings.min_group_size)
        if seeded:
            click.echo(f"{seeded} demo responses seeded in closed periods")
        else:
            click.echo("demo responses not seeded: closed periods already exist")


@main.group()
def tokens() -> None:
    """Issue and manage one-time tokens."""


@tokens.command("issue")
@click.option("--municipality", required=True, help="municipality slug, e.g. linkoping")
@click.option("--intervention", required=True, help="intervention slug, e.g. so")
@click.option("--count", required=True, type=int)
@click.option("--channel", default="peer_ambassador", show_default=True,
              type=click.Choice([c.value for c in __import__("app.models").models.Channel]))
@click.option("--expires", "expires_on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="last day the tokens work (default: settings.token_days_valid from today)")
@click.option("--label", default="")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="also write the printable A4 sheet of QR cards here")
@click.option("--per-page", type=click.Choice(["8", "12"]), default="12", show_default=True)
@click.option("--languages", default="sv,en", show_default=True,
              help="invitation languages on the cards, comma-separated codes")
@click.option("--fold", is_flag=True, help="fold-over cards with the QR code inside")
def issue(municipality: str, intervention: str, count: int, channel: str,
          expires_on: object, label: str, pdf_path: Path | None, per_page: str,
          languages: str, fold: bool) -> None:
    """Print one respondent URL per line (and write the PDF sheet with --pdf)."""
    from app.issuance.service import IssueError, find_intervention, find_municipality, issue_batch
    from app.keys import Keys
    from app.models import Channel

    settings = get_settings()
    chosen = _languages(languages)
    today = date.today() if not settings.timezone else _today(settings.timezone)
    expiry = expires_on.date() if expires_on else today + timedelta(settings.token_days_valid)  # type: ignore[attr-defined]
    try:
        keys = Keys.from_secret(settings.secret_key)
        with Session(_engine()) as session:
            batch, issued = issue_batch(
                session,
                token_key=keys.token_hmac,
                plaintext_key=keys.token_plaintext,
                download_hours=settings.token_download_hours,
                municipality=find_municipality(session, municipality),
                intervention=find_intervention(session, intervention),
                count=count,
                channel=Channel(channel),
                expires_on=expiry,
                today=today,
                label=label,
                languages=[language.code for language in chosen],
            )
            session.commit()
            batch_id = batch.id
    except IssueError as exc:
        raise click.ClickException(str(exc)) from exc
    base = settings.base_url.rstrip("/")
    click.echo("\n".join(f"{base}/r/{t}" for t in issued))
    if pdf_path is not None:
        from app.issuance.sheets import sheet_pdf

        pdf_path.write_bytes(sheet_pdf(
            issued, base_url=settings.base_url, languages=chosen,
            locale_dir=settings.locale_dir, per_page=int(per_page), fold=fold,
            title=" · ".join(filter(None, [municipality, intervention, f"#{batch_id}", label])),
        ))
        click.echo(f"sheet written to {pdf_path}", err=True)


def _languages(codes: str):  # type: ignore[no-untyped-def]
    from app.i18n.locales import LANGUAGES

    chosen = []
    for code in filter(None, (c.strip() for c in codes.split(","))):
        if code not in LANGUAGES:
            raise click.BadParameter(f"unknown language '{code}' (known: {', '.join(LANGUAGES)})",
                                     param_hint="--languages")
        chosen.append(LANGUAGES[code])
    return chosen


@tokens.command("revoke")
@click.argument("batch_id", type=int)
def revoke(batch_id: int) -> None:
    """Revoke a batch: unused codes stop working, answered ones stay counted."""
    from app.auth import audit
    from app.issuance.service import revoke_batch
    from app.models import Batch

    with Session(_engine()) as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise click.ClickException(f"no batch {batch_id}")
        revoke_batch(session, batch)
        audit.record(session, user_id=None, action="batch_revoked",
                     target=f"batch {batch_id} (command line)", now=_now())
        session.commit()
    click.echo(f"batch {batch_id} revoked")


@main.group()
def user() -> None:
    """Staff accounts and roles."""


def _role_args(session: Session, municipality: str | None,
               intervention: str | None) -> tuple[int | None, int | None]:
    from app.issuance.service import IssueError, find_intervention, find_municipality

    try:
        muni = find_municipality(session, municipality).id if municipality else None
        interv = find_intervention(session, intervention).id if intervention else None
    except IssueError as exc:
        raise click.ClickException(str(exc)) from exc
    return muni, interv


_ROLES = ["admin", "ambassador", "analyst", "regional_analyst"]


@user.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(_ROLES), default=None)
@click.option("--municipality", default=None, help="slug; required for ambassador and analyst")
@click.option("--intervention", default=None, help="slug; narrows an ambassador (optional)")
def user_create(email: str, role: str | None, municipality: str | None,
                intervention: str | None) -> None:
    """Create a staff account and print its one-time set-password link (valid 48 hours)."""
    from app.auth import audit
    from app.auth.service import AccountError, create_user, grant_role, new_password_link

    settings = get_settings()
    now = _now()
    with Session(_engine()) as session:
        muni, interv = _role_args(session, municipality, intervention)
        try:
            account = create_user(session, email=email, now=now)
            if role:
                grant_role(session, user=account, role=role, municipality_id=muni,
                           intervention_id=interv)
        except AccountError as exc:
            raise click.ClickException(exc.message % exc.params) from exc
        secret = new_password_link(session, user=account, now=now)
        audit.record(session, user_id=None, action="user_created",
                     target=f"{account.email} (command line)", now=now)
        session.commit()
    click.echo(f"{settings.base_url.rstrip('/')}/staff/set-password/{secret}")


@user.command("grant")
@click.argument("email")
@click.option("--role", type=click.Choice(_ROLES), required=True)
@click.option("--municipality", default=None)
@click.option("--intervention", default=None)
def user_grant(email: str, role: str, municipality: str | None,
               intervention: str | None) -> None:
    """Give an existing account a role (ambassador + analyst for one municipality is refused)."""
    from app.auth import audit
    from app.auth.service import AccountError, describe_role, find_user, grant_role

    with Session(_engine()) as session:
        account = find_user(session, email)
        if account is None:
            raise click.ClickException(f"no account {email}")
        muni, interv = _role_args(session, municipality, intervention)
        try:
            granted = grant_role(session, user=account, role=role, municipality_id=muni,
                                 intervention_id=interv)
        except AccountError as exc:
            raise click.ClickException(exc.message % exc.params) from exc
        audit.record(session, user_id=None, action="role_granted",
                     target=f"{account.email}: {describe_role(session, granted)} (command line)",
                     now=_now())
        session.commit()
    click.echo(f"{email}: {role} granted")


@user.command("link")
@click.argument("email")
def user_link(email: str) -> None:
    """Print a new one-time set-password link (the older one stops working)."""
    from app.auth.service import find_user, new_password_link

    with Session(_engine()) as session:
        account = find_user(session, email)
        if account is None:
            raise click.ClickException(f"no account {email}")
        secret = new_password_link(session, user=account, now=_now())
        session.commit()
    click.echo(f"{get_settings().base_url.rstrip('/')}/staff/set-password/{secret}")


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _today(tz: str) -> date:
    from datetime import datetime

    return datetime.now(ZoneInfo(tz)).date()


@main.group()
def questionnaire() -> None:
    """Work with questionnaire files."""


@questionnaire.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--limit", default=20, show_default=True,
              help="list at most this many missing texts per language (0: all)")
def check(files: tuple[Path, ...], limit: int) -> None:
    """Validate questionnaire files (all of questionnaires/ by default) and list, per language,
    the texts still missing: a language is offered only when none is."""
    from app.i18n.locales import LANGUAGES
    from app.questionnaires.languages import languages_present, missing_texts
    from app.questionnaires.loader import QuestionnaireError, load_file, questionnaire_files
    from app.questionnaires.schema import warnings

    paths = list(files) or questionnaire_files(get_settings().questionnaire_dir)
    failed = False
    for path in paths:
        try:
            q = load_file(path)
        except QuestionnaireError as exc:
            failed = True
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            continue
        click.echo(f"{path}: ok ({q.key}, {len(q.questions())} questions)")
        for advice in warnings(q):
            click.echo(f"{path}: warning: {advice}", err=True)
        present = languages_present(q)
        for lang in LANGUAGES:
            missing = missing_texts(q, lang)
            status = q.review_status(lang)
            if not missing:
                click.echo(f"  {lang}: complete, offered ({status})")
                continue
            if lang not in present:
                click.echo(f"  {lang}: not started ({len(missing)} texts)")
                continue
            click.echo(f"  {lang}: {len(missing)} texts missing, not offered")
            shown = missing if limit <= 0 else missing[:limit]
            for where in shown:
                click.echo(f"    - {where}")
            if len(shown) < len(missing):
                click.echo(f"    … and {len(missing) - len(shown)} more (--limit 0 lists all)")
    sys.exit(1 if failed else 0)


@questionnaire.command("export-xlsx")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--language", "languages", multiple=True,
              help="only these languages besides sv and en (default: all of Lyssna's)")
def export_xlsx(file: Path, out: Path, languages: tuple[str, ...]) -> None:
    """Write an XLSForm-style spreadsheet for translators (label::<lang> columns)."""
    from app.questionnaires.loader import QuestionnaireError, load_file
    from app.questionnaires.xlsx import export_workbook

    try:
        q = load_file(file)
    except QuestionnaireError as exc:
        raise click.ClickException(str(exc)) from exc
    export_workbook(q, out, languages=list(languages) or None)
    click.echo(f"wrote {out}")


@questionnaire.command("import-xlsx")
@click.argument("xlsx", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--into", "into", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="questionnaire file to update (default: questionnaires/<form_id>.yaml)")
@click.option("--status", type=click.Choice(["draft", "reviewed"]), default="draft",
              show_default=True, help="review status recorded for the languages that changed")
@click.option("--dry-run", is_flag=True, help="report the changes without writing")
def import_xlsx(xlsx: Path, into: Path | None, status: str, dry_run: bool) -> None:
    """Write the translations of a spreadsheet back into the questionnaire file and report
    every text that changed. Swedish texts and the structure are never changed from here."""
    from app.questionnaires.xlsx import ImportError_, import_translations

    try:
        report = import_translations(xlsx, into=into,
                                     questionnaire_dir=get_settings().questionnaire_dir,
                                     status=status, write=not dry_run)
    except ImportError_ as exc:
        raise click.ClickException(str(exc)) from exc
    _print_import_report(report)


def _print_import_report(report) -> None:  # type: ignore[no-untyped-def]
    """Every text an import changed; exit 1 if some could not be taken."""
    for line in report.lines():
        click.echo(line)
    if report.problems:
        sys.exit(1)


@questionnaire.command("export-json")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def export_json_command(file: Path, out: Path) -> None:
    """Write every text as JSON, {location: {language: text}}, for translators' tools."""
    from app.questionnaires.loader import QuestionnaireError, load_file
    from app.questionnaires.xlsx import export_json

    try:
        q = load_file(file)
    except QuestionnaireError as exc:
        raise click.ClickException(str(exc)) from exc
    out.write_text(export_json(q), encoding="utf-8")
    click.echo(f"wrote {out}")


@questionnaire.command("import-json")
@click.argument("json_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--into", "into", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--status", type=click.Choice(["draft", "reviewed"]), default="draft",
              show_default=True, help="review status recorded for the languages that changed")
@click.option("--dry-run", is_flag=True, help="report the changes without writing")
def import_json(json_file: Path, into: Path, status: str, dry_run: bool) -> None:
    """Like import-xlsx, from JSON {location: {language: text}} (locations as in
    `questionnaire check`)."""
    from app.questionnaires.xlsx import ImportError_, merge_texts, read_json_texts

    try:
        texts, problems = read_json_texts(json_file)
        report = merge_texts(texts, form_id=None, into=into,
                             questionnaire_dir=get_settings().questionnaire_dir,
                             status=status, write=not dry_run, problems=problems)
    except ImportError_ as exc:
        raise click.ClickException(str(exc)) from exc
    _print_import_report(report)


@questionnaire.command("import-xlsform")
@click.argument("xlsx", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id", "questionnaire_id", default=None, help="questionnaire id (default: form_id)")
def import_xlsform(xlsx: Path, out: Path, questionnaire_id: str | None) -> None:
    """Convert a standard XLSForm (ODK, KoboToolbox) into a Lyssna questionnaire file.

    Prints one line per row that Lyssna cannot take, with its row number, and writes nothing
    if there is any."""
    from app.questionnaires.xlsform import convert_xlsform

    result = convert_xlsform(xlsx, questionnaire_id=questionnaire_id)
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if result.problems:
        raise click.ClickException(f"{len(result.problems)} row(s) could not be imported")
    out.write_text(result.yaml_text, encoding="utf-8")
    click.echo(f"wrote {out} ({result.question_count} questions, "
               f"languages: {', '.join(result.languages)})")


@main.group()
def translations() -> None:
    """Gettext catalogs of the UI (locales/) and review status of translations."""


def _locale_dir() -> Path:
    """Without loading Settings: `translations compile` runs while building the Docker image,
    where the production settings (secret key) are not there yet."""
    import os

    from app.settings import ROOT

    return Path(os.environ.get("LYSSNA_LOCALE_DIR") or ROOT / "locales")


@translations.command("update")
def translations_update() -> None:
    """Merge locales/messages.pot into every language's catalog and locales/staff.pot into the
    staff languages' catalogs (creates missing ones)."""
    from app.i18n.catalogs import update
    from app.i18n.staff import DOMAIN as STAFF
    from app.i18n.staff import STAFF_LANGUAGES

    for line in update(_locale_dir()):
        click.echo(line)
    for line in update(_locale_dir(), STAFF, list(STAFF_LANGUAGES)):
        click.echo(f"{line} ({STAFF})")


@translations.command("compile")
def translations_compile() -> None:
    """Compile every catalog to .mo (drafts included, fuzzy entries left out)."""
    from app.i18n.catalogs import compile_all

    for line in compile_all(_locale_dir()):
        click.echo(line)


@translations.command("check")
@click.option("--language", "languages", multiple=True, help="only these languages")
def translations_check(languages: tuple[str, ...]) -> None:
    """List missing, stale and broken catalog entries; exit 1 if there is any."""
    from app.i18n.catalogs import check as check_catalogs

    bad = False
    for code, findings in check_catalogs(_locale_dir()).items():
        if languages and code not in languages:
            continue
        kinds: dict[str, int] = {}
        for finding in findings:
            kinds[finding.kind] = kinds.get(finding.kind, 0) + 1
        summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "ok"
        click.echo(f"{code}: {summary}")
        for finding in findings:
            if finding.kind != "missing" or languages:
                click.echo(f"  {finding}")
        bad = bad or bool(findings)
    sys.exit(1 if bad else 0)


@translations.command("drafts")
@click.option("--language", "languages", multiple=True, help="only these languages")
def translations_drafts(languages: tuple[str, ...]) -> None:
    """List every translation no native speaker has reviewed yet (catalogs and questionnaire
    files), so a coordinator can send them for review."""
    from app.i18n.catalogs import drafts
    from app.questionnaires.languages import languages_present, text_maps
    from app.questionnaires.loader import load_file, questionnaire_files

    settings = get_settings()
    for draft in drafts(settings.locale_dir):
        if languages and draft.language not in languages:
            continue
        click.echo(f"{draft.language}\tui\t{draft.msgid}")
    for path in questionnaire_files(settings.questionnaire_dir):
        q = load_file(path)
        for lang in languages_present(q):
            if q.review_status(lang) != "draft" or (languages and lang not in languages):
                continue
            count = sum(1 for _, text in text_maps(q) if text.get(lang, "").strip())
            click.echo(f"{lang}\tquestionnaire\t{path.name} ({q.key}): {count} texts, "
                       "not reviewed")


@main.command()
@click.option("--force", is_flag=True, help="flush even below the minimum number of rows")
def flush(force: bool) -> None:
    """Move waiting answers from the inbox into the results, in random order."""
    from app.storage.flush import flush as run_flush

    settings = get_settings()
    moved = run_flush(_engine(), min_rows=settings.flush_min_rows,
                      current_period=_today(settings.timezone).strftime("%Y-%m"), force=force)
    click.echo(f"{moved} response(s) flushed")


@main.command()
def purge() -> None:
    """Destroy the plaintext tokens of batches whose download window has passed, and the
    token rows of expired batches whose every period is published (counts are kept)."""
    from datetime import UTC, datetime

    from app.issuance.plaintext import purge_expired
    from app.issuance.service import purge_spent_tokens

    with Session(_engine()) as session:
        removed = purge_expired(session, datetime.now(UTC))
        spent = purge_spent_tokens(session, now=datetime.now(UTC))
        session.commit()
    click.echo(f"plaintext destroyed for {removed} batch(es)")
    click.echo(f"token rows deleted for {spent} spent batch(es)")


@main.group()
def periods() -> None:
    """Close months so their results are published and frozen."""


@periods.command("close")
@click.argument("period")
def close_period_command(period: str) -> None:
    """Flush waiting answers, then close and freeze every month up to PERIOD (YYYY-MM).
    Answers that arrive later count in the next open month."""
    from app.questionnaires.loader import Registry
    from app.reports.periods import MONTH
    from app.storage.flush import close_and_freeze

    if not MONTH.match(period):
        raise click.BadParameter("use YYYY-MM", param_hint="PERIOD")
    settings = get_settings()
    closed = close_and_freeze(_engine(), period=period,
                              registry=Registry.from_directory(settings.questionnaire_dir),
                              current_period=_today(settings.timezone).strftime("%Y-%m"),
                              k=settings.min_group_size)
    click.echo(f"closed: {', '.join(closed) if closed else 'nothing new'}")


@main.group()
def results() -> None:
    """Published (suppressed) results."""


@results.command("export")
@click.option("--intervention", required=True, help="intervention slug, e.g. so")
@click.option("--by", type=click.Choice(["municipality", "language", "channel", "period",
                                         "intervention"]), default=None)
@click.option("--period", default=None, help="closed month, quarter or year (default: latest)")
@click.option("--version", type=int, default=None, help="questionnaire version")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def export_results(intervention: str, by: str | None, period: str | None, version: int | None,
                   fmt: str, out: Path | None) -> None:
    """Export results as the region sees them (stdout without --out)."""
    from app.i18n.templating import I18n
    from app.questionnaires.loader import Registry
    from app.reports import export
    from app.reports.lattice import LatticeError, parse_query
    from app.reports.service import REGION_VIEWER, publication

    settings = get_settings()
    I18n(settings.locale_dir).activate("en")
    params = [("intervention", intervention)] + [
        (k, str(v)) for k, v in (("by", by), ("period", period), ("version", version)) if v
    ]
    try:
        with Session(_engine()) as session:
            pub = publication(session, registry=Registry.from_directory(
                settings.questionnaire_dir), query=parse_query(params), viewer=REGION_VIEWER,
                k=settings.min_group_size, with_bias=True)
    except LatticeError as exc:
        raise click.ClickException(exc.message) from exc
    data = export.render(pub, fmt)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)
        click.echo(f"wrote {out}")


if __name__ == "__main__":
    main()
