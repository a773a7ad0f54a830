"""A side-by-side, line-by-line comparison of two revisions, as WordPress's revision screen
shows it (wp_text_diff): text only, the body's HTML shown as its source."""

import difflib
import re
from dataclasses import dataclass

# Stored bodies are one long line of HTML: break it after each block so a change shows as
# the paragraph it is in, not as the whole post.
_BLOCK_END = re.compile(r"(</(?:p|h[1-6]|li|ul|ol|blockquote|pre|table|tr|figure)>|<hr\s*/?>)")


@dataclass
class Row:
    """One line of the comparison: `kind` is "equal", "removed", "added" or "changed"."""

    old: str | None
    new: str | None
    kind: str


@dataclass
class FieldDiff:
    label: str
    rows: list

    @property
    def changed(self):
        return any(row.kind != "equal" for row in self.rows)


def lines(text):
    text = _BLOCK_END.sub(r"\1\n", text or "")
    return [line for line in text.splitlines() if line.strip()]


def side_by_side(old_text, new_text):
    """Rows pairing the lines of `old_text` with those of `new_text`."""
    old, new = lines(old_text), lines(new_text)
    rows = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [Row(line, line, "equal") for line in old[i1:i2]]
            continue
        left, right = old[i1:i2], new[j1:j2]
        for k in range(max(len(left), len(right))):
            a = left[k] if k < len(left) else None
            b = right[k] if k < len(right) else None
            rows.append(
                Row(
                    a,
                    b,
                    "changed"
                    if a is not None and b is not None
                    else ("removed" if a is not None else "added"),
                )
            )
    return rows


def compare(old, new):
    """Per field (title, excerpt, body) of two revisions (or a revision and the post)."""
    return [
        FieldDiff(label, side_by_side(getattr(old, name), getattr(new, name)))
        for name, label in (("title", "Title"), ("excerpt", "Excerpt"), ("body", "Content"))
    ]
