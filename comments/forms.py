from django import forms

from .models import MAX_AUTHOR, MAX_CONTENT, MAX_EMAIL, MAX_URL, Comment


class CommentForm(forms.ModelForm):
    """The "Leave a Reply" form, with WordPress's labels and limits."""

    author_name = forms.CharField(label="Name", max_length=MAX_AUTHOR)
    author_email = forms.EmailField(label="Email", max_length=MAX_EMAIL)
    author_url = forms.URLField(
        label="Website", max_length=MAX_URL, required=False, assume_scheme="https"
    )
    content = forms.CharField(
        label="Comment",
        max_length=MAX_CONTENT,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 45}),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    class Meta:
        model = Comment
        fields = ["content", "author_name", "author_email", "author_url"]
