"""On first run, create an admin account and say how to log in; later runs only remind."""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the first admin account if there is none, and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/")
        # Moderation and new-comment mail go to this address, as to WordPress's admin_email.
        parser.add_argument("--email", default=os.environ.get("ADMIN_EMAIL", "admin@localhost"))

    def handle(self, *args, username, url, email, **options):
        User = get_user_model()
        note = settings.VAR_DIR / "admin-login.txt"
        if not User.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email=email, password=password)
            note.write_text(f"username: {username}\npassword: {password}\nemail: {email}\n")
            note.chmod(0o600)
            self.stdout.write(self.style.SUCCESS("Created the admin account."))
        if note.exists():
            self.stdout.write(f"Log in to the admin at {url} with\n{note.read_text()}")
            self.stdout.write(f"(kept in {note}; change the password in the admin)")
        else:
            self.stdout.write(f"Log in to the admin at {url} with your superuser account.")
        # Wrong passwords lock a login for a while (django-axes, see settings.py).
        self.stdout.write(
            f"Locked out after wrong passwords? python manage.py axes_reset_username {username}"
        )
