"""A commenter's personal data, exported or erased by email address, as WordPress's
privacy tools do (wp_comments_personal_data_exporter / _eraser)."""

from django.db import transaction
from django.db.models import Q

from .models import Comment

# wp_privacy_anonymize_data(): what stands in for erased fields.
ANONYMOUS_NAME = "Anonymous"
DELETED_TEXT = "This content was deleted by the author."


def by_email(email):
    """Every response written with this email, or by the user account that has it."""
    email = email.strip()
    return Comment.objects.filter(
        Q(author_email__iexact=email) | Q(user__email__iexact=email)
    ).select_related("post")


def export_personal_data(email):
    """The commenter's data as a JSON-ready dict (what WordPress's exporter lists)."""
    return {
        "email": email.strip(),
        "comments": [
            {
                "id": c.pk,
                "type": c.type,
                "status": c.status,
                "author": c.author_name,
                "email": c.author_email,
                "url": c.author_url,
                "ip": c.author_ip,
                "user_agent": c.user_agent,
                "date": c.created_at.isoformat(),
                "content": c.content,
                "post": c.post.title,
                "post_url": c.post.get_absolute_url(),
                "permalink": c.get_absolute_url(),
            }
            for c in by_email(email).order_by("created_at", "id")
        ],
    }


def erase_personal_data(email, *, remove_text=False):
    """Anonymise every response by this email; with remove_text, its words go too.
    Returns how many responses were changed."""
    changes = {
        "author_name": ANONYMOUS_NAME,
        "author_email": "",
        "author_url": "",
        "author_ip": None,
        "user_agent": "",
        "user": None,
    }
    with transaction.atomic():
        comments = list(by_email(email))
        for comment in comments:
            for field, value in changes.items():
                setattr(comment, field, value)
            if remove_text:
                comment.content = DELETED_TEXT
            comment.save()  # re-renders content_html from the new text
    return len(comments)
