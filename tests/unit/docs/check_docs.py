#!/usr/bin/env python3
"""Keeps the documentation honest where that is cheap to check.

Fails (exit 1, one line per problem) when
- README.md is longer than 350 lines (it is the tour; the reference is docs/);
- a relative link in README.md, docs/*.md or dashboards/README.md names a file
  that does not exist, or an anchor that is not a heading of its target;
- a reference written as [page.md](page.md) "Section" names a section that
  page does not have, or a page refers to the README's sections by name;
- a page of docs/ is missing from the README's documentation table;
- a metric the code registers ("slamon_..." string literals in the sources)
  is not listed in docs/metrics.md;
- an alert's runbook_url is not built from the runbook_base_url external
  label, or points at a section dashboards/README.md does not have;
- the documentation mentions ../shared or an issue number.

Usage: check_docs.py [--root DIR] (default: the repository this file is in).
"""
import argparse
import pathlib
import re
import sys

README_MAX_LINES = 350
LINK = re.compile(r"(?<!!)\[([^\]\n]*)\]\(([^)\s]+)\)")
SECTION_REF = re.compile(r"\]\(([^)#\s]+\.md)\)\s*\"([^\"]+)\"")
README_SECTION_REF = re.compile(r"README[,]?\s+\(?\"[A-Z]")
METRIC_LITERAL = re.compile(r"\"(slamon_[a-z0-9_]+)\"")
RUNBOOK = re.compile(r"runbook_url:\s*['\"]?([^'\"\n]+)")
RUNBOOK_PREFIX = "{{ $externalLabels.runbook_base_url }}/dashboards/README.md#"
FORBIDDEN = [(re.compile(r"\.\./shared"), "mentions ../shared"),
             (re.compile(r"\bissue\s*#?\d+", re.IGNORECASE), "mentions an issue number")]


def prose_lines(text):
    """(line number, line) for every line: inline code blanked, fenced code blocks empty."""
    fenced = False
    for number, line in enumerate(text.split("\n"), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            yield number, ""
        elif fenced:
            yield number, ""
        else:
            yield number, re.sub(r"`[^`]*`", lambda m: " " * len(m.group(0)), line)


def slug(heading):
    """GitHub's anchor for a heading text."""
    text = re.sub(r"`|\*\*|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading.strip()).lower()
    text = re.sub(r"[\x00-\x1f!-,./:-@\[-^`{-~]", "", text)
    return text.replace(" ", "-")


def headings(path):
    """Heading texts and their anchors (GitHub numbers repeated anchors -1, -2, …)."""
    texts, anchors, seen = [], set(), {}
    fenced = False
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if fenced or not m:
            continue
        text = m.group(2)
        texts.append(re.sub(r"`", "", text))
        base = slug(text)
        n = seen.get(base, 0)
        seen[base] = n + 1
        anchors.add(base if n == 0 else f"{base}-{n}")
    return texts, anchors


def section_exists(texts, name):
    # "Extensions" names "Extensions: calendar overrides, …"; "Output record" names itself.
    return any(t == name or t.startswith(name + ":") or t.startswith(name + " (") for t in texts)


def check_page(root, page, problems, heading_cache):
    def cached(path):
        if path not in heading_cache:
            heading_cache[path] = headings(path)
        return heading_cache[path]

    rel = page.relative_to(root)
    text = page.read_text(encoding="utf-8")
    for number, line in prose_lines(text):
        where = f"{rel}:{number}"
        for pattern, why in FORBIDDEN:
            if pattern.search(line):
                problems.append(f"{where}: {why}")
        if page.name != "README.md" or page.parent != root:
            if README_SECTION_REF.search(line):
                problems.append(f"{where}: refers to a README section by name; link the page that has it")
        for _, target in LINK.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue  # http:, https:, mailto:, file:
            path_part, _, anchor = target.partition("#")
            dest = (page.parent / path_part).resolve() if path_part else page
            if not dest.exists():
                problems.append(f"{where}: link {target}: no such file")
                continue
            if anchor and dest.suffix == ".md" and anchor not in cached(dest)[1]:
                problems.append(f"{where}: link {target}: {dest.relative_to(root)} has no heading #{anchor}")


    # References may wrap: [page.md](page.md) "Reloading the
    # configuration", so they are matched over the whole prose.
    prose = "\n".join(line for _, line in prose_lines(text))
    for m in SECTION_REF.finditer(prose):
        target, section = m.group(1), " ".join(m.group(2).split())
        dest = (page.parent / target).resolve()
        if dest.exists() and not section_exists(cached(dest)[0], section):
            number = prose.count("\n", 0, m.start()) + 1
            problems.append(f"{rel}:{number}: {target} has no section \"{section}\"")


def check_metrics(root, problems):
    registered = set()
    for source in root.rglob("*"):
        if source.suffix not in (".cc", ".h") or not source.is_file():
            continue
        parts = source.relative_to(root).parts
        if parts[0] in ("tests", ".git") or parts[0].startswith("build"):
            continue
        registered.update(METRIC_LITERAL.findall(source.read_text(encoding="utf-8", errors="replace")))
    listed = (root / "docs" / "metrics.md").read_text(encoding="utf-8")
    if not registered:
        problems.append("no metric names found in the sources: the check itself is broken")
    for name in sorted(registered):
        if f"`{name}`" not in listed:
            problems.append(f"docs/metrics.md: metric {name} (registered in the code) is not listed")


def check_runbooks(root, problems):
    anchors = headings(root / "dashboards" / "README.md")[1]
    rules = sorted((root / "dashboards" / "rules").glob("*.yml"))
    found = 0
    for rule_file in rules:
        for number, line in enumerate(rule_file.read_text(encoding="utf-8").split("\n"), 1):
            m = RUNBOOK.search(line)
            if not m:
                continue
            found += 1
            url = m.group(1).strip()
            where = f"{rule_file.relative_to(root)}:{number}"
            if not url.startswith(RUNBOOK_PREFIX):
                problems.append(f"{where}: runbook_url {url} does not start with {RUNBOOK_PREFIX}")
            elif url[len(RUNBOOK_PREFIX):] not in anchors:
                problems.append(f"{where}: dashboards/README.md has no section #{url[len(RUNBOOK_PREFIX):]}")
    if found == 0:
        problems.append("dashboards/rules: no runbook_url found: the check itself is broken")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=pathlib.Path, default=pathlib.Path(__file__).resolve().parents[3])
    root = parser.parse_args().root.resolve()
    problems = []
    readme = root / "README.md"
    lines = readme.read_text(encoding="utf-8").count("\n")
    if lines > README_MAX_LINES:
        problems.append(f"README.md: {lines} lines, at most {README_MAX_LINES} (move the detail to docs/)")
    pages = [readme] + sorted((root / "docs").glob("*.md")) + [root / "dashboards" / "README.md"]
    cache = {}
    for page in pages:
        check_page(root, page, problems, cache)
    readme_links = {target.partition("#")[0] for _, target in LINK.findall(readme.read_text(encoding="utf-8"))}
    for doc in sorted((root / "docs").glob("*.md")):
        if f"docs/{doc.name}" not in readme_links:
            problems.append(f"README.md: docs/{doc.name} is missing from the documentation table")
    check_metrics(root, problems)
    check_runbooks(root, problems)
    for p in problems:
        print(p)
    print(f"check_docs: {len(pages)} pages, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
