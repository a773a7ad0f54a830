"""How a user is named in public: the byline of their posts, their replies to comments and
the comment form's "Logged in as". Never the login name, which is half of what an attacker
needs (WordPress's "Display name publicly as", without its user_login choice)."""

from django.conf import settings
from django.db import models

# When a user has given no name and no nickname.
UNNAMED = "Anonymous"


class Profile(models.Model):
    class DisplayAs(models.TextChoices):
        NAME = "name", "First and last name"
        NICKNAME = "nickname", "Nickname"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    nickname = models.CharField(max_length=150, blank=True)
    display_as = models.CharField(
        "display name publicly as",
        max_length=10,
        choices=DisplayAs.choices,
        default=DisplayAs.NAME,
        help_text="How your posts and replies are signed. Your login name is never shown.",
    )

    def __str__(self):
        return display_name(self.user)


def display_name(user):
    """The name `user` signs with: their nickname when they chose it, else their first and
    last name, else their nickname, else "Anonymous". Reads user.profile, so listings load
    it with select_related("author__profile")."""
    try:
        profile = user.profile
    except Profile.DoesNotExist:
        profile = None
    nickname = profile.nickname.strip() if profile else ""
    if nickname and profile.display_as == Profile.DisplayAs.NICKNAME:
        return nickname
    return user.get_full_name() or nickname or UNNAMED
