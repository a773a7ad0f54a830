"""Anonymise a commenter's responses by email address; --remove-text removes their words."""

from django.core.management.base import BaseCommand

from comments.privacy import erase_personal_data


class Command(BaseCommand):
    help = "Erase a commenter's personal data by email address (anonymise their comments)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--remove-text",
            action="store_true",
            help="Replace the comments' text too (by default it is kept).",
        )

    def handle(self, *args, email, remove_text, **options):
        count = erase_personal_data(email, remove_text=remove_text)
        self.stdout.write(f"Erased the personal data of {count} response(s).")
