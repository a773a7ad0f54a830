"""The mails WordPress sends about new responses (wp_notify_postauthor, wp_notify_moderator).

Called only from the notification task, never from a request: mail is network I/O.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import signing
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from blogcms.addresses import site_url
from blogcms.models import SiteSettings

from .models import Comment
from .moderation import MODERATE_PERMISSION

APPROVE_SALT = "comments.approve-link"
# A moderation mail's one-click approve link stays valid this long (it still needs a login).
APPROVE_LINK_MAX_AGE = 14 * 24 * 3600


def approve_token(comment):
    return signing.dumps(comment.pk, salt=APPROVE_SALT)


def comment_from_token(token):
    """The comment an approve link names, or None when the link is forged or too old."""
    try:
        pk = signing.loads(token, salt=APPROVE_SALT, max_age=APPROVE_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return Comment.objects.select_related("post").filter(pk=pk).first()


def moderators():
    """Active users with an email who may moderate comments."""
    app_label, codename = MODERATE_PERMISSION.split(".")
    perm = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(is_superuser=True) | Q(user_permissions=perm) | Q(groups__permissions=perm))
        .distinct()
    )


def notify(comment):
    site = SiteSettings.load()
    if comment.status == Comment.Status.APPROVED and site.comments_notify:
        notify_post_author(comment, site)
    elif comment.status == Comment.Status.PENDING and site.moderation_notify:
        notify_moderators(comment, site)


def _context(comment, site):
    return {
        "comment": comment,
        "post": comment.post,
        "site": site,
        "post_url": site_url(comment.post.get_absolute_url()),
        "comment_url": site_url(comment.get_absolute_url()),
    }


def notify_post_author(comment, site):
    """wp_notify_postauthor: not when the author commented on their own post."""
    author = comment.post.author
    if not author.email or comment.user_id == author.pk:
        return
    subject = f'[{site.title}] {comment.get_type_display()}: "{comment.post.title}"'
    body = render_to_string("comments/mail/new_response.txt", _context(comment, site))
    send_mail(subject, body, None, [author.email])


def notify_moderators(comment, site):
    """wp_notify_moderator, with a one-click approve link that still needs a login."""
    recipients = [user.email for user in moderators()]
    if not recipients:
        return
    context = _context(comment, site) | {
        "approve_url": site_url(reverse("comments:approve", args=[approve_token(comment)])),
        "admin_url": site_url(reverse("admin:comments_comment_change", args=[comment.pk])),
        "waiting": Comment.objects.filter(status=Comment.Status.PENDING).count(),
    }
    subject = f'[{site.title}] Please moderate: "{comment.post.title}"'
    body = render_to_string("comments/mail/moderate.txt", context)
    send_mail(subject, body, None, recipients)
