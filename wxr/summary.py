"""What an import did: counts per kind, what was skipped and why, and warnings."""

from collections import Counter, defaultdict

from .records import Site


class Summary:
    """What a run did: counts per kind, what was skipped and why, and warnings."""

    EXAMPLES = 5

    def __init__(self):
        self.site = Site()
        self.created = Counter()
        self.existing = Counter()
        self.skipped = Counter()
        self.examples = defaultdict(list)
        self.warnings = []
        self.warned = Counter()

    def skip(self, reason, label):
        self.skipped[reason] += 1
        if len(self.examples[reason]) < self.EXAMPLES:
            self.examples[reason].append(label)

    def warn(self, reason, label):
        """Imported, but not quite as the file had it: counted, with a few examples (a
        broken file may have thousands)."""
        self.warned[reason] += 1
        if len(self.examples[reason]) < self.EXAMPLES:
            self.examples[reason].append(label)

    def lines(self):
        name = self.site.title or self.site.base_blog_url or "the export"
        lines = [f"Imported {name} ({self.site.base_blog_url}), WXR {self.site.wxr_version}:"]
        kinds = ("authors", "categories", "tags", "posts", "pages", "images", "files", "comments")
        for kind in (*kinds, "pingbacks"):
            lines.append(
                f"  {kind}: {self.created[kind]} new, {self.existing[kind]} already imported"
            )
        lines[-1] += " (pingbacks and trackbacks)"
        if self.skipped:
            lines.append("Skipped:")
            for reason, count in self.skipped.most_common():
                lines.append(f"  {count} × {reason}: {', '.join(self.examples[reason])}")
        for reason, count in self.warned.most_common():
            lines.append(f"Warning: {count} × {reason}: {', '.join(self.examples[reason])}")
        lines.extend(f"Warning: {warning}" for warning in self.warnings)
        return lines

    def __str__(self):
        return "\n".join(self.lines())
