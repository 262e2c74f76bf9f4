"""Write (or check) the README's configuration table from ``Settings``: one row per field, from its description.

    python scripts/readme_settings.py          # rewrite the table between the markers
    python scripts/readme_settings.py --check  # exit 1 when the README is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from sightsearch.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default if field.default_factory is None else field.default_factory()
        shown = "" if default is None else str(default)
        description = (field.description or "").replace("|", "\\|")
        rows.append(f"| `SIGHTSEARCH_{name.upper()}` | `{shown}` | {description} |" if shown
                    else f"| `SIGHTSEARCH_{name.upper()}` | | {description} |")
    return "\n".join(rows)


def rendered(text: str) -> str:
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main() -> int:
    text = README.read_text()
    new = rendered(text)
    if "--check" in sys.argv:
        if new != text:
            print("README.md configuration table is out of date: run python scripts/readme_settings.py")
            return 1
        return 0
    README.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
