"""The "Leave a Reply" form: WordPress's fields, labels, limits and messages
(comment_form() and wp_handle_comment_submission()), plus two bot traps WordPress lacks."""

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.validators import URLValidator

from profiles.models import display_name

from .models import MAX_AUTHOR, MAX_CONTENT, MAX_EMAIL, MAX_URL, Comment

# Messages of wp_handle_comment_submission(), shown after "Error: ".
REQUIRED_FIELDS = "Please fill the required fields."
EMPTY_TEXT = "Please type your comment text."
INVALID_EMAIL = "Please enter a valid email address."
INVALID_URL = "Please enter a valid website address (http:// or https://)."
TOO_LONG = {
    "author": "Your name is too long.",
    "email": "Your email address is too long.",
    "url": "Your URL is too long.",
    "comment": "Your comment is too long.",
}
INVALID_PARENT = "Sorry, replies to unapproved comments are not allowed."
CONSENT_LABEL = "Save my name, email, and website in this browser for the next time I comment."

# The honeypot: a field people never see (hidden by the template), that bots fill in.
HONEYPOT_FIELD = "homepage"
CONSENT_FIELD = "wp-comment-cookies-consent"
TIMESTAMP_SALT = "comments.form-shown-at"


def min_submit_seconds():
    """A form sent back sooner than this after it was shown came from a bot."""
    return getattr(settings, "BLOGCMS_COMMENT_MIN_SECONDS", 3)


def form_timestamp(now=None):
    """The signed time the form was shown; a visitor cannot make it older."""
    return signing.dumps(int(now if now is not None else time.time()), salt=TIMESTAMP_SALT)


def _seconds_since_shown(token):
    try:
        return time.time() - int(signing.loads(token, salt=TIMESTAMP_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def _messages(required, too_long, **more):
    return {"required": required, "max_length": too_long, **more}


class CommentForm(forms.Form):
    """Fields in WordPress's order and with its names (so autofill and habits carry over);
    a logged-in user gives no name, email or website."""

    comment = forms.CharField(
        label="Comment",
        max_length=MAX_CONTENT,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 45, "maxlength": MAX_CONTENT}),
        error_messages=_messages(EMPTY_TEXT, TOO_LONG["comment"]),
    )
    author = forms.CharField(
        label="Name",
        max_length=MAX_AUTHOR,
        widget=forms.TextInput(attrs={"size": 30, "maxlength": MAX_AUTHOR, "autocomplete": "name"}),
        error_messages=_messages(REQUIRED_FIELDS, TOO_LONG["author"]),
    )
    email = forms.EmailField(
        label="Email",
        max_length=MAX_EMAIL,
        widget=forms.EmailInput(
            attrs={
                "size": 30,
                "maxlength": MAX_EMAIL,
                "autocomplete": "email",
                "aria-describedby": "email-notes",
            }
        ),
        error_messages=_messages(REQUIRED_FIELDS, TOO_LONG["email"], invalid=INVALID_EMAIL),
    )
    url = forms.URLField(
        label="Website",
        max_length=MAX_URL,
        required=False,
        # "myblog.example.com" becomes http://myblog.example.com, as WordPress's esc_url().
        assume_scheme="http",
        validators=[URLValidator(schemes=["http", "https"], message=INVALID_URL)],
        widget=forms.URLInput(attrs={"size": 30, "maxlength": MAX_URL, "autocomplete": "url"}),
        error_messages=_messages(REQUIRED_FIELDS, TOO_LONG["url"], invalid=INVALID_URL),
    )
    comment_parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    shown_at = forms.CharField(required=False, widget=forms.HiddenInput)
    homepage = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, post, user=None, site, **kwargs):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", "%s")  # WordPress's ids: #comment, #author, #email, …
        super().__init__(*args, **kwargs)
        self.post = post
        self.user = user if user is not None and user.is_authenticated else None
        if self.user is not None:
            # Logged-in users comment under their own name (comment_form's logged_in_as).
            for name in ("author", "email", "url"):
                del self.fields[name]
        else:
            if not site.require_name_email:
                self.fields["author"].required = False
                self.fields["email"].required = False
            if site.show_comments_cookies_opt_in:
                # WordPress's name has a hyphen, so it cannot be a class attribute.
                self.fields[CONSENT_FIELD] = forms.BooleanField(label=CONSENT_LABEL, required=False)
        if not self.is_bound and "shown_at" not in self.initial:
            self.initial["shown_at"] = form_timestamp()

    @property
    def honeypot(self):
        return self[HONEYPOT_FIELD]

    def visible_fields(self):
        return [f for f in super().visible_fields() if f.name != HONEYPOT_FIELD]

    @property
    def consents(self):
        """The commenter ticked "Save my name, email, and website in this browser…"."""
        return bool(self.cleaned_data.get(CONSENT_FIELD))

    def clean_comment(self):
        content = self.cleaned_data["comment"]
        if not content.strip():
            raise forms.ValidationError(EMPTY_TEXT)
        return content

    def clean_comment_parent(self):
        """A reply answers an approved comment of the same post (wp_handle_comment_submission)."""
        parent_id = self.cleaned_data.get("comment_parent")
        if not parent_id:
            return None
        parent = Comment.objects.filter(pk=parent_id, post=self.post).first()
        if parent is None or parent.status != Comment.Status.APPROVED:
            raise forms.ValidationError(INVALID_PARENT)
        return parent

    def error_messages_in_order(self):
        """The errors as WordPress words them, each once, required fields first."""
        ordered = []
        for name in ("author", "email", "comment", "url", "comment_parent"):
            for message in self.errors.get(name, []):
                if message not in ordered:
                    ordered.append(message)
        return ordered

    def looks_automated(self):
        """The honeypot was filled, or the form came back too fast or without its stamp."""
        if self.cleaned_data.get(HONEYPOT_FIELD):
            return True
        elapsed = _seconds_since_shown(self.cleaned_data.get("shown_at"))
        return elapsed is None or elapsed < min_submit_seconds()

    def signed_as(self):
        """The logged-in user's public name ("Logged in as …"), never their login."""
        return display_name(self.user)

    def build_comment(self):
        """The unsaved Comment this form describes; moderation.submit() decides the rest."""
        data = self.cleaned_data
        comment = Comment(
            post=self.post, parent=data.get("comment_parent"), content=data["comment"]
        )
        if self.user is not None:
            comment.user = self.user
            comment.author_name = self.signed_as()
            comment.author_email = self.user.email
        else:
            comment.author_name = data.get("author", "").strip()
            comment.author_email = data.get("email", "")
            comment.author_url = data.get("url", "")
        if self.looks_automated():
            comment.status = Comment.Status.SPAM
        return comment
