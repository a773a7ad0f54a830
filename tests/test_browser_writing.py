"""In Chromium: staff edit a post and see its revisions side by side and restore one;
preview unsaved edits of a published post in a new tab while the public page stays as it
was; the open editor autosaves, warns before leaving unsaved, and offers the autosave back."""

import pytest
from playwright.sync_api import expect

from posts.models import Post
from revisions.models import Revision
from tests.factories import PostFactory, StaffFactory
from tests.test_browser_comments import PASSWORD, chromium  # noqa: F401  (the fixture)


def logged_in(chromium, live_server, next_url):  # noqa: F811
    context = chromium.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")
    return context, page, errors


def type_in_editor(page, text):
    editor = page.locator(".ProseMirror[contenteditable=true]")
    editor.wait_for(timeout=10_000)
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


@pytest.mark.browser
def test_staff_compare_revisions_and_restore_one(
    live_server,
    transactional_db,
    chromium,  # noqa: F811
):
    """Two saves in the editor are two revisions; the Revisions screen shows what changed
    side by side, and "Restore this revision" brings the first text back as a new one."""
    StaffFactory(username="editor", password=PASSWORD)
    post = PostFactory(title="First title", body="<p>First body.</p>")
    change = f"/admin/posts/post/{post.pk}/change/"
    _, page, errors = logged_in(chromium, live_server, change)
    page.fill("#id_title", "Second title")
    type_in_editor(page, " More words.")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist")

    page.click("#revisions-link")
    page.wait_for_selector("#diff-title")
    title_diff = page.inner_text("#diff-title")
    assert "First title" in page.inner_text("#diff-title del")
    assert "Second title" in page.inner_text("#diff-title ins")
    assert "More words." in page.inner_text("#diff-content ins")
    assert "First title" in title_diff

    first = post.revisions.last()
    page.click(f"#revision-{first.pk} button")
    page.wait_for_url(f"**{change}")
    assert "restored to the revision of" in page.inner_text(".messagelist")
    assert page.input_value("#id_title") == "First title"
    post.refresh_from_db()
    assert (post.title, post.body) == ("First title", "<p>First body.</p>")
    assert post.revisions.saved().count() == 3
    assert errors == []


@pytest.mark.browser
def test_preview_shows_unsaved_edits_of_a_published_post(
    live_server,
    transactional_db,
    chromium,  # noqa: F811
):
    """Preview opens the post with the form's edits in a new tab; the public page and the
    stored post stay as they were."""
    StaffFactory(username="editor", password=PASSWORD)
    post = PostFactory(title="Live title", body="<p>Live body.</p>")
    change = f"/admin/posts/post/{post.pk}/change/"
    context, page, errors = logged_in(chromium, live_server, change)
    page.fill("#id_title", "Edited title")
    type_in_editor(page, " Unsaved sentence.")
    with context.expect_page() as opened:
        page.click("#preview-button")
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.inner_text("h1.entry-title") == "Edited title"
    assert "Unsaved sentence." in preview.inner_text(".entry-content")

    visitor = chromium.new_context().new_page()
    visitor.goto(live_server.url + post.get_absolute_url())
    assert visitor.inner_text("h1.entry-title") == "Live title"
    assert "Unsaved sentence." not in visitor.inner_text("main")
    post.refresh_from_db()
    assert (post.title, post.status) == ("Live title", Post.Status.PUBLISHED)
    # The editor still holds the edits, unsaved.
    assert page.input_value("#id_title") == "Edited title"
    assert errors == []


@pytest.mark.browser
def test_autosave_warns_before_leaving_and_is_offered_back(
    live_server,
    transactional_db,
    chromium,  # noqa: F811
    settings,
):
    """Typing is autosaved within the interval; leaving the page then asks first; reopening
    the editor offers the autosave, and restoring it puts the text back into the post."""
    settings.BLOGCMS_AUTOSAVE_SECONDS = 1
    StaffFactory(username="editor", password=PASSWORD)
    post = PostFactory(title="Stored title", body="<p>Stored body.</p>")
    change = f"/admin/posts/post/{post.pk}/change/"
    _, page, errors = logged_in(chromium, live_server, change)
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.fill("#id_title", "Typed title")
    type_in_editor(page, " Typed but never saved.")
    expect(page.locator("#autosave-status")).to_contain_text("Autosaved at", timeout=5_000)
    # The title may have gone in an earlier round than the last keystrokes: wait for both.
    for _ in range(50):
        autosave = Revision.objects.filter(post=post, is_autosave=True).first()
        if autosave and "Typed but never saved." in autosave.body:
            break
        page.wait_for_timeout(200)
    assert autosave.title == "Typed title" and "Typed but never saved." in autosave.body
    post.refresh_from_db()
    assert post.title == "Stored title"

    # Leaving asks first; dismissing keeps the edits on the page.
    with page.expect_event("dialog"):
        page.evaluate("window.location.href = '/admin/'")
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(change) and page.input_value("#id_title") == "Typed title"

    # Leave anyway (the tab is closed with its edits): reopening offers the autosave.
    page.remove_listener("dialog", answer)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live_server.url + change)
    notice = page.locator("#autosave-notice")
    assert "There is an autosave of this post that is more recent than the version below." in (
        notice.inner_text()
    )
    assert page.input_value("#id_title") == "Stored title"
    notice.locator("a").click()
    page.click("#restore-shown")
    page.wait_for_url(f"**{change}")
    assert page.input_value("#id_title") == "Typed title"
    assert page.locator("#autosave-notice").count() == 0
    post.refresh_from_db()
    assert "Typed but never saved." in post.body
    assert not Revision.objects.filter(is_autosave=True).exists()

    # Saving is no reason to ask: the form leaves without a prompt.
    dialogs.clear()
    page.on("dialog", lambda dialog: dialogs.append(dialog.type))
    page.fill("#id_title", "Saved title")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/posts/post/")
    assert dialogs == []
    assert errors == []


@pytest.mark.browser
def test_editor_height_links_and_heading_menu(
    live_server,
    transactional_db,
    chromium,  # noqa: F811
):
    """The editor opens at a comfortable height and grows with its content; text typed
    right after a link is not part of the link; the heading menu's arrow is drawn, not a
    character the fonts may lack."""
    StaffFactory(username="editor", password=PASSWORD)
    post = PostFactory(body='<p>See <a href="https://example.com/">this link</a></p>')
    change = f"/admin/posts/post/{post.pk}/change/"
    _, page, errors = logged_in(chromium, live_server, change)
    editor = page.locator(".ProseMirror[contenteditable=true]")
    editor.wait_for(timeout=10_000)
    opened = editor.bounding_box()["height"]
    assert opened >= 300  # WordPress's editor opens about 300px tall

    editor.locator("a").click()
    page.keyboard.press("End")
    page.keyboard.type(" and more")
    assert editor.locator("a").inner_text() == "this link"
    assert " and more" in editor.inner_text()

    page.keyboard.press("Enter")
    for n in range(30):
        page.keyboard.type(f"Line {n}")
        page.keyboard.press("Enter")
    assert editor.bounding_box()["height"] > opened  # grown, not scrolling inside

    arrow = page.evaluate(
        "getComputedStyle(document.querySelector('.prose-menubar__selected'), '::after').content"
    )
    assert "⏷" not in arrow  # U+23F7: no glyph in Debian's default fonts
    assert errors == []


@pytest.mark.browser
def test_dashboard_quick_draft_one_click_approval_and_quick_edit(
    live_server,
    transactional_db,
    chromium,  # noqa: F811
):
    """From the dashboard staff approve a held comment in one click and save a Quick Draft;
    from the post list they Quick edit that draft's title and status."""
    from comments.models import Comment
    from tests.factories import CommentFactory

    StaffFactory(username="editor", password=PASSWORD)
    held = CommentFactory(status=Comment.Status.PENDING, content="Hold me")
    _, page, errors = logged_in(chromium, live_server, "/admin/")
    assert "1 in moderation" in page.inner_text("#at-a-glance")
    page.locator(f"#held-{held.pk} button[value=approved]").click()
    page.wait_for_selector(".messagelist")
    assert page.url == live_server.url + "/admin/"
    held.refresh_from_db()
    assert held.status == Comment.Status.APPROVED

    page.fill("#quick-draft-title", "Thoughts on owls")
    page.fill("#quick-draft-content", "They hoot.")
    page.click("#quick-draft-save")
    page.wait_for_selector(".messagelist")
    draft = Post.objects.get(title="Thoughts on owls")
    assert draft.status == Post.Status.DRAFT and draft.body == "<p>They hoot.</p>"
    assert "Thoughts on owls" in page.inner_text("#quick-draft")

    page.goto(live_server.url + "/admin/posts/post/")
    page.locator("#result_list tr", has_text="Thoughts on owls").locator("a.quick-edit").click()
    page.fill("#id_title", "Thoughts on owls, revised")
    page.select_option("#id_status", "publish")
    page.click("#quick-edit-form input[type=submit]")
    page.wait_for_url("**/admin/posts/post/")
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("Thoughts on owls, revised", Post.Status.PUBLISHED)
    assert errors == []
