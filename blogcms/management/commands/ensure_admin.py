"""On first run, create an admin account and say how to log in; later runs only remind, and
never with a password that no longer works."""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from blogcms.addresses import site_url


class Command(BaseCommand):
    help = "Create the first admin account if there is none, and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--url", help="The admin's address (default: BLOGCMS_SITE_URL/admin/).")
        # Moderation and new-comment mail go to this address, as to WordPress's admin_email.
        parser.add_argument("--email", default=os.environ.get("ADMIN_EMAIL", "admin@localhost"))

    def handle(self, *args, username, url, email, **options):
        User = get_user_model()
        url = url or site_url("/admin/")
        note = settings.VAR_DIR / "admin-login.txt"
        if not User.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email=email, password=password)
            note.write_text(f"username: {username}\npassword: {password}\nemail: {email}\n")
            note.chmod(0o600)
            self.stdout.write(self.style.SUCCESS("Created the admin account."))
        elif note.exists() and not self.still_works(note):
            # The generated password was changed (or its account is gone): the note could
            # only mislead, and a password, even an old one, does not belong on disk.
            note.unlink()
            self.stdout.write(
                f"The admin password generated on the first run has been changed since; "
                f"{note} is deleted. Log in at {url} with the password you chose."
            )
            return
        if note.exists():
            self.stdout.write(f"Log in to the admin at {url} with\n{note.read_text()}")
            self.stdout.write(f"(kept in {note}; change the password in the admin)")
        else:
            self.stdout.write(f"Log in to the admin at {url} with your superuser account.")
        # Wrong passwords lock a login for a while (django-axes, see settings.py).
        self.stdout.write(
            f"Locked out after wrong passwords? python manage.py axes_reset_username {username}"
        )

    @staticmethod
    def still_works(note):
        """Whether the username and password in the note still log in."""
        fields = dict(line.split(": ", 1) for line in note.read_text().splitlines() if ": " in line)
        user = get_user_model().objects.filter(username=fields.get("username")).first()
        return bool(user and user.is_active and user.check_password(fields.get("password")))
