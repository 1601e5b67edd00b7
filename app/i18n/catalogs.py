"""Keep the gettext catalogs in step with the template (.pot), compile them, and check them.

pybabel extracts the template (`make messages`); this module does the rest itself because
`pybabel init/update` cannot take tags CLDR does not know (prs, kmr, sv-x-easy) and would write
the wrong Plural-Forms for some languages. Used by `lyssna translations …` and the Makefile.

Review status lives in each entry's flags: `#, draft` marks a translation no native speaker has
reviewed. Drafts are compiled and shown like reviewed entries (only `fuzzy` ones are left out),
and `lyssna translations drafts` lists them for review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from app.i18n.locales import DOMAIN, LANGUAGES, SOURCE_CATALOG, catalog_path

DRAFT = "draft"
PLACEHOLDER = re.compile(r"%(?:\(([^)]+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")
PROJECT = "lyssna"


def template_path(locale_dir: Path, domain: str = DOMAIN) -> Path:
    return locale_dir / f"{domain}.pot"


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, domain=path.stem)


def write_catalog(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=100, ignore_obsolete=True, include_previous=False)


def _ids(catalog: Catalog) -> set[object]:
    return {m.id for m in catalog if m.id}


def update(locale_dir: Path, domain: str = DOMAIN, codes: list[str] | None = None) -> list[str]:
    """Create missing catalogs and merge the template into every catalog.

    New msgids arrive untranslated, removed ones are dropped, nothing becomes fuzzy (no guessing
    from similar strings), and every catalog gets its language's Plural-Forms.
    """
    with template_path(locale_dir, domain).open("rb") as f:
        template = read_po(f, domain=domain)
    report = []
    for code in codes or list(LANGUAGES):
        lang = LANGUAGES[code]
        path = catalog_path(locale_dir, code, domain)
        if path.exists():
            catalog = read_catalog(path)
            catalog.mime_headers = [("Plural-Forms", lang.plural_forms)]
            before = _ids(catalog)
            catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
            action = "updated"
        else:
            catalog = Catalog(locale=None, domain=domain, project=PROJECT,
                              header_comment=f"# {lang.english_name} ({code}) translations of "
                              "Lyssna's respondent pages.\n# See docs/translating.md.")
            catalog.mime_headers = [("Plural-Forms", lang.plural_forms)]
            before = set()
            catalog.update(template, no_fuzzy_matching=True)
            action = "created"
        # The Language header: the tag, unless Babel cannot parse it (sv-x-easy: then "sv").
        catalog._locale_identifier = lang.babel if "-x-" in code else code
        after = _ids(catalog)
        write_catalog(path, catalog)
        added, removed = len(after - before), len(before - after)
        report.append(f"{code}: {action} ({added} new, {removed} removed)")
    return report


def compile_all(locale_dir: Path, domain: str = DOMAIN) -> list[str]:
    """Write .mo files beside the catalogs (the Docker image; the app also compiles in memory)."""
    report = []
    for code in LANGUAGES:
        path = catalog_path(locale_dir, code, domain)
        if not path.exists():
            continue
        catalog = read_catalog(path)
        with path.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        done = sum(1 for m in catalog if m.id and is_translated(m))
        report.append(f"{code}: {done} of {len(_ids(catalog))} translated")
    return report


def is_translated(message: Message) -> bool:
    if isinstance(message.string, (list, tuple)):
        return all(s.strip() for s in message.string)
    return bool(message.string and message.string.strip())


def placeholders(text: str) -> list[str]:
    """Format placeholders in a string, sorted: `%(name)s` as 'name', `%s` as '%s'."""
    found = []
    for name, kind in PLACEHOLDER.findall(text):
        if kind == "%":
            continue
        found.append(name or f"%{kind}")
    return sorted(found)


@dataclass(frozen=True)
class Finding:
    language: str
    kind: str  # missing | stale | placeholders | plural | header | fuzzy | source
    msgid: str
    detail: str = ""

    def __str__(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.language}: {self.kind}: {self.msgid!r}{extra}"


def _msgid(message: Message) -> str:
    return message.id[0] if isinstance(message.id, (list, tuple)) else str(message.id)


def check_catalog(code: str, catalog: Catalog, template: Catalog) -> list[Finding]:
    """Everything wrong with one catalog against the template."""
    lang = LANGUAGES[code]
    found: list[Finding] = []
    expected_n = int(re.search(r"nplurals=(\d+)", lang.plural_forms).group(1))  # type: ignore[union-attr]
    if catalog.num_plurals != expected_n or catalog.plural_expr.replace(" ", "") != (
        lang.plural_forms.split("plural=", 1)[1].rstrip(";").replace(" ", "")
    ):
        found.append(Finding(code, "header", "", f"Plural-Forms must be {lang.plural_forms}"))
    wanted = {m.id: m for m in template if m.id}
    for message in catalog:
        if not message.id:
            continue
        msgid = _msgid(message)
        if message.id not in wanted:
            found.append(Finding(code, "stale", msgid, "not in the template any more"))
            continue
        if message.fuzzy:
            found.append(Finding(code, "fuzzy", msgid, "fuzzy entries are not shown; use draft"))
        if code == SOURCE_CATALOG:
            if is_translated(message) or (
                isinstance(message.string, (list, tuple)) and any(message.string)
            ):
                found.append(Finding(code, "source", msgid, "the msgids are the English text; "
                                     "change them in the code instead"))
            continue
        if isinstance(message.id, (list, tuple)):
            strings = list(message.string) if isinstance(message.string, (list, tuple)) else []
            if len(strings) != expected_n:
                found.append(Finding(code, "plural", msgid,
                                     f"{len(strings)} forms, Plural-Forms says {expected_n}"))
            allowed = set(placeholders(message.id[0])) | set(placeholders(message.id[1]))
            if any(s.strip() for s in strings) and not all(s.strip() for s in strings):
                found.append(Finding(code, "plural", msgid, "some plural forms are empty"))
            for s in strings:
                extra = set(placeholders(s)) - allowed
                if s.strip() and extra:
                    found.append(Finding(code, "placeholders", msgid, f"unknown {sorted(extra)}"))
            if not any(s.strip() for s in strings):
                found.append(Finding(code, "missing", msgid))
            continue
        if not is_translated(message):
            found.append(Finding(code, "missing", msgid))
        elif placeholders(str(message.string)) != placeholders(msgid):
            found.append(Finding(code, "placeholders", msgid,
                                 f"{placeholders(msgid)} != {placeholders(str(message.string))}"))
    have = {m.id for m in catalog if m.id}
    for mid, message in wanted.items():
        if mid not in have and code != SOURCE_CATALOG:
            found.append(Finding(code, "missing", _msgid(message), "no entry (run make messages)"))
    return found


def check(locale_dir: Path, domain: str = DOMAIN) -> dict[str, list[Finding]]:
    """Findings per language; a language without a catalog gets one 'missing' finding."""
    with template_path(locale_dir, domain).open("rb") as f:
        template = read_po(f, domain=domain)
    results: dict[str, list[Finding]] = {}
    for code in LANGUAGES:
        path = catalog_path(locale_dir, code, domain)
        if not path.exists():
            results[code] = [Finding(code, "missing", "", f"no catalog at {path}")]
            continue
        results[code] = check_catalog(code, read_catalog(path), template)
    return results


@dataclass(frozen=True)
class Draft:
    language: str
    msgid: str
    locations: tuple[str, ...]


def drafts(locale_dir: Path, domain: str = DOMAIN) -> list[Draft]:
    """Catalog entries flagged `draft`: translated, shown, but not reviewed by a native speaker."""
    found = []
    for code in LANGUAGES:
        path = catalog_path(locale_dir, code, domain)
        if not path.exists():
            continue
        for message in read_catalog(path):
            if message.id and DRAFT in message.flags and is_translated(message):
                found.append(Draft(code, _msgid(message),
                                   tuple(f"{f}:{n}" for f, n in message.locations)))
    return found
