"""The admin moderation queue and the privacy tools."""

import json
from io import StringIO

import html5lib
import pytest
from django.core.management import call_command
from django.test import Client

from comments.models import Comment
from comments.privacy import DELETED_TEXT
from tests.factories import CommentFactory, PostFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/comments/comment/"


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory(first_name="Mod", last_name="Erator"))
    return client


def test_index_shows_pending_count(staff_client):
    """The admin index says how many comments await moderation and links to them."""
    CommentFactory.create_batch(3, status=Comment.Status.PENDING)
    CommentFactory(status=Comment.Status.APPROVED)
    page = staff_client.get("/admin/")
    assert "<strong>3</strong> comments awaiting moderation" in page.text
    assert f"{CHANGELIST}?status__exact=pending" in page.text


def test_filters_show_counts_and_filter(staff_client):
    """Status, type and post filters narrow the queue; facet counts are shown."""
    post = PostFactory(title="Filtered post")
    CommentFactory(post=post, status=Comment.Status.PENDING, content="held one")
    CommentFactory(status=Comment.Status.SPAM, content="spam one")
    CommentFactory(type=Comment.Type.PINGBACK, content="ping one")
    page = staff_client.get(f"{CHANGELIST}?status__exact=pending")
    assert "held one" in page.text and "spam one" not in page.text
    assert "Pending (1)" in staff_client.get(CHANGELIST).text
    assert "ping one" in staff_client.get(f"{CHANGELIST}?type__exact=pingback").text
    one_post = staff_client.get(f"{CHANGELIST}?post={post.pk}").text
    assert "held one" in one_post and "spam one" not in one_post


def test_each_row_links_to_the_responses_to_its_post(staff_client):
    """ "its responses" in a row lists that post's responses only (WordPress's ?p=ID); a
    post id that is not a number is refused, not a 500."""
    post = PostFactory(title="Busy post")
    CommentFactory(post=post, content="on the busy post")
    CommentFactory(content="elsewhere")
    assert f'href="?post={post.pk}"' in staff_client.get(CHANGELIST).text
    page = staff_client.get(f"{CHANGELIST}?post={post.pk}").text
    assert "on the busy post" in page and "elsewhere" not in page
    assert "Busy post" in page  # the filter names the chosen post
    assert staff_client.get(f"{CHANGELIST}?post=x").status_code == 302  # ?e=1


def test_the_queue_answers_with_thousands_of_commented_posts(staff_client):
    """2,100 posts with a response each: the list answers with its facet counts (a filter
    with one choice per commented post asked for more than PostgreSQL's 1,664 columns)."""
    from posts.models import Post

    author = StaffFactory()
    posts = Post.objects.bulk_create(
        Post(title=f"P{n}", slug=f"p{n}", author=author, body="<p>x</p>", status="publish")
        for n in range(2100)
    )
    Comment.objects.bulk_create(
        Comment(post=post, content="hi", content_html="<p>hi</p>", status="pending")
        for post in posts
    )
    response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    assert "Pending (2100)" in response.text


def test_a_big_queue_is_not_counted_whole(staff_client, monkeypatch):
    """Past COUNT_EXACTLY_UP_TO responses the facet counts are a click away and the
    unfiltered total is PostgreSQL's estimate (exact elsewhere); filtered lists are exact."""
    from blogcms import bigtables

    monkeypatch.setattr(bigtables, "COUNT_EXACTLY_UP_TO", 2)
    CommentFactory.create_batch(3, status=Comment.Status.PENDING)
    CommentFactory(status=Comment.Status.APPROVED)
    page = staff_client.get(CHANGELIST).text
    assert "Pending (3)" not in page and "Show counts" in page
    assert "3 comments" in staff_client.get(f"{CHANGELIST}?status__exact=pending").text
    assert "Pending (3)" in staff_client.get(f"{CHANGELIST}?_facets=True").text


def test_search_finds_by_author_email_ip_and_text(staff_client):
    """Search looks in name, email, URL, IP and text."""
    CommentFactory(author_email="needle@example.com", content="haystack")
    CommentFactory(author_ip="192.0.2.44", content="by ip")
    assert "haystack" in staff_client.get(f"{CHANGELIST}?q=needle").text
    assert "by ip" in staff_client.get(f"{CHANGELIST}?q=192.0.2.44").text


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("mark_approved", Comment.Status.APPROVED),
        ("mark_pending", Comment.Status.PENDING),
        ("mark_spam", Comment.Status.SPAM),
        ("mark_trash", Comment.Status.TRASH),
    ],
)
def test_bulk_status_actions(staff_client, action, status):
    """Bulk approve, unapprove, spam and trash change every selected comment."""
    comments = CommentFactory.create_batch(3, status=Comment.Status.PENDING)
    if status == Comment.Status.PENDING:
        Comment.objects.update(status=Comment.Status.APPROVED)
    response = staff_client.post(
        CHANGELIST, {"action": action, "_selected_action": [c.pk for c in comments[:2]]}
    )
    assert response.status_code == 302
    assert Comment.objects.filter(status=status).count() == 2


def test_bulk_approve_shows_on_page(staff_client):
    """A comment approved in bulk appears at once on the post page (cache invalidated)."""
    comment = CommentFactory(status=Comment.Status.PENDING, content="now visible")
    visitor = Client()
    url = comment.post.get_absolute_url()
    assert "now visible" not in visitor.get(url).text
    staff_client.post(CHANGELIST, {"action": "mark_approved", "_selected_action": [comment.pk]})
    assert "now visible" in visitor.get(url).text


def test_bulk_delete(staff_client):
    """Bulk delete removes the selected comments after confirmation."""
    comments = CommentFactory.create_batch(2)
    staff_client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [c.pk for c in comments], "post": "yes"},
    )
    assert not Comment.objects.exists()


def test_edit_re_renders(staff_client):
    """Editing a comment in the admin re-renders its safe HTML."""
    comment = CommentFactory(content="old")
    url = f"{CHANGELIST}{comment.pk}/change/"
    page = staff_client.get(url)
    assert page.status_code == 200 and "Reply to this comment" in page.text
    data = {
        "status": "approved",
        "post": comment.post.pk,
        "type": "comment",
        "author_name": "Reader",
        "author_email": "r@example.com",
        "content": "new <b>bold</b> <script>x</script>",
        "created_at_0": "2024-01-01",
        "created_at_1": "10:00:00",
    }
    assert staff_client.post(url, data).status_code == 302
    comment.refresh_from_db()
    assert comment.content_html == "<p>new <b>bold</b> x</p>"


def test_reply_from_admin_approves_parent_and_threads(staff_client):
    """Replying to a held comment approves it and publishes the reply under it."""
    parent = CommentFactory(status=Comment.Status.PENDING)
    url = f"{CHANGELIST}{parent.pk}/reply/"
    assert "Approve and Reply" in staff_client.get(url).text
    assert staff_client.post(url, {"comment": "Thanks for writing."}).status_code == 302
    parent.refresh_from_db()
    reply = Comment.objects.get(parent=parent)
    assert parent.status == reply.status == Comment.Status.APPROVED
    assert reply.author_name == "Mod Erator"


def test_queue_needs_permission(client):
    """Staff without the comment permission cannot open the queue or reply."""
    client.force_login(UserFactory(is_staff=True))
    comment = CommentFactory()
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(f"{CHANGELIST}{comment.pk}/reply/").status_code == 403


def make_commenter_history():
    user_post = PostFactory(title="First")
    mine = [
        CommentFactory(post=user_post, author_email="Private@Example.com", author_ip="192.0.2.1"),
        CommentFactory(author_email="private@example.com", user_agent="Browser/1"),
    ]
    other = CommentFactory(author_email="someone@example.com")
    return mine, other


def test_export_from_admin_is_json(staff_client):
    """The admin exports every comment of an email address as JSON."""
    mine, _ = make_commenter_history()
    response = staff_client.post(
        f"{CHANGELIST}privacy/", {"email": "private@example.com", "export": "1"}
    )
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert [c["id"] for c in data["comments"]] == [c.pk for c in mine]
    assert data["comments"][0]["ip"] == "192.0.2.1"


@pytest.mark.parametrize("remove_text", [False, True])
def test_erase_from_admin_anonymises(staff_client, remove_text):
    """Erasing anonymises name, email, URL, IP and agent; text kept or removed as chosen."""
    mine, other = make_commenter_history()
    data = {"email": "private@example.com", "erase": "1"}
    if remove_text:
        data["remove_text"] = "on"
    staff_client.post(f"{CHANGELIST}privacy/", data)
    for comment in mine:
        comment.refresh_from_db()
        assert (comment.author_name, comment.author_email, comment.author_ip) == (
            "Anonymous",
            "",
            None,
        )
        assert comment.user_agent == ""
        assert (comment.content == DELETED_TEXT) is remove_text
        assert (DELETED_TEXT in comment.content_html) is remove_text
    other.refresh_from_db()
    assert other.author_email == "someone@example.com"


def test_privacy_commands(tmp_path):
    """export_commenter_data writes JSON; erase_commenter_data anonymises."""
    mine, _ = make_commenter_history()
    target = tmp_path / "out.json"
    call_command(
        "export_commenter_data", "private@example.com", output=str(target), stderr=StringIO()
    )
    assert len(json.loads(target.read_text())["comments"]) == 2
    out = StringIO()
    call_command("erase_commenter_data", "private@example.com", "--remove-text", stdout=out)
    assert "2 response(s)" in out.getvalue()
    assert not Comment.objects.filter(author_email__iexact="private@example.com").exists()
    assert Comment.objects.filter(content=DELETED_TEXT).count() == 2


def test_each_row_approves_in_one_click(staff_client):
    """A held comment's row has Approve/Spam/Trash buttons; Approve posts and approves it,
    and the queue shows the comment as readers will see it, not its raw source."""
    held = CommentFactory(status=Comment.Status.PENDING, content="<b>Bold</b><script>x()</script>")
    page = staff_client.get(f"{CHANGELIST}?status__exact=pending").text
    moderate = f"{CHANGELIST}{held.pk}/moderate/"
    assert f'formaction="{moderate}" name="status" value="approved"' in page
    assert 'value="pending"' not in page.split(moderate)[1].split("</td>")[0]
    assert "".join(row_link(page, held).itertext()) == "Boldx()"
    assert "&lt;b&gt;" not in page and "&lt;script" not in page
    assert staff_client.get(moderate).status_code == 405  # a link cannot change anything
    response = staff_client.post(moderate, {"status": "approved"}, HTTP_REFERER=CHANGELIST)
    assert response.status_code == 302 and response["Location"] == CHANGELIST
    held.refresh_from_db()
    assert held.status == Comment.Status.APPROVED


def test_row_buttons_need_the_right_to_moderate(client):
    """Staff without the change permission cannot moderate through the row buttons."""
    held = CommentFactory(status=Comment.Status.PENDING)
    client.force_login(UserFactory(is_staff=True))
    response = client.post(f"{CHANGELIST}{held.pk}/moderate/", {"status": "approved"})
    assert response.status_code == 403
    held.refresh_from_db()
    assert held.status == Comment.Status.PENDING


def changelist_rows(page):
    """Each result row of the changelist as a browser's parser builds it, by comment id."""
    document = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    rows = {}
    for row in document.iter("tr"):
        for box in row.iter("input"):
            if box.get("name") == "_selected_action":
                rows[int(box.get("value"))] = row
    return rows


def row_link(page, comment):
    """The link to the comment's edit page that the row's excerpt column is."""
    row = changelist_rows(page)[comment.pk]
    (cell,) = [th for th in row.iter("th") if "field-excerpt" in th.get("class", "")]
    links = list(cell.iter("a"))
    assert links[0].get("href").startswith(f"{CHANGELIST}{comment.pk}/change/")
    return links[0]


def test_excerpt_truncation_never_makes_markup(staff_client):
    """A comment whose escaped text is cut at the excerpt length stays text in the queue:
    Django's HTML truncator hands back such a body decoded (issue 7)."""
    payload = "<b>''</b>&lt;img src=x onerror=alert(1)&gt;" + "a" * 130
    comment = CommentFactory(status=Comment.Status.PENDING, content=payload)
    page = staff_client.get(CHANGELIST).text
    row = changelist_rows(page)[comment.pk]
    assert not list(row.iter("img"))
    link = row_link(page, comment)
    assert list(link.iter())[1:] == []  # no element inside the edit link
    assert "<img src=x onerror=alert(1)>" in "".join(link.itertext())


def test_excerpt_of_a_comment_with_a_link_is_text_in_the_edit_link(staff_client):
    """A comment's own link is not nested in the row's edit link: the link keeps its text
    and nothing in the row leads to the commenter's address (issue 9)."""
    comment = CommentFactory(
        content='see <a href="https://commenter.example/">my site</a> for more\n\nthanks'
    )
    page = staff_client.get(CHANGELIST).text
    link = row_link(page, comment)
    assert "".join(link.itertext()) == "see my site for more thanks"
    assert list(link.iter())[1:] == []  # no element inside the edit link
    row = changelist_rows(page)[comment.pk]
    assert not [a for a in row.iter("a") if "commenter.example" in a.get("href", "")]


def test_excerpt_is_shortened_and_never_empty(staff_client):
    """The excerpt is at most 160 characters of the comment's text; a comment with no text
    left (only a stripped element) still gets a clickable edit link."""
    long = CommentFactory(content="word " * 100)
    empty = CommentFactory(content='<img src="https://example.com/x.png">')
    page = staff_client.get(CHANGELIST).text
    text = "".join(row_link(page, long).itertext())
    assert len(text) == 160 and text.endswith("…") and text.startswith("word word")
    assert "".join(row_link(page, empty).itertext()) == "(no text)"
