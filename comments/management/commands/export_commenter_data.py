"""Print (or write) a commenter's personal data as JSON, found by email address."""

import json

from django.core.management.base import BaseCommand

from comments.privacy import export_personal_data


class Command(BaseCommand):
    help = "Export a commenter's personal data (JSON) by email address."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args, email, output, **options):
        data = json.dumps(export_personal_data(email), indent=2, ensure_ascii=False)
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(data + "\n")
            self.stderr.write(f"Wrote {output}.")
        else:
            self.stdout.write(data)
