"""What a WordPress export (WXR) holds, as plain records: the parser makes them, the importer
reads them, and the exporter writes them. Values are kept as WordPress wrote them (strings
for dates and statuses); turning them into blogcms's values is the importer's job."""

from dataclasses import dataclass, field

# WordPress writes this for a date it never set (drafts' post_date_gmt).
ZERO_DATE = "0000-00-00 00:00:00"


@dataclass
class Site:
    """The <channel> header."""

    title: str = ""
    link: str = ""
    description: str = ""
    language: str = ""
    wxr_version: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""


@dataclass
class Author:
    """wp:author: a user who wrote something in the export (matched by login)."""

    login: str
    wp_id: int | None = None
    email: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""


@dataclass
class Term:
    """wp:category, wp:tag or wp:term. `parent` is the parent's slug (nicename), as WXR
    writes it; `slug` is as WordPress stores it (non-ASCII percent-encoded)."""

    taxonomy: str  # "category", "post_tag", or another taxonomy (nav_menu, …)
    wp_id: int | None
    slug: str
    name: str
    parent: str = ""
    description: str = ""


@dataclass
class Comment:
    """wp:comment inside an item."""

    wp_id: int
    author: str = ""
    author_email: str = ""
    author_url: str = ""
    author_ip: str = ""
    date: str = ""
    date_gmt: str = ""
    content: str = ""
    approved: str = "1"  # "1", "0" (held), "spam", "trash"
    type: str = ""  # "", "comment", "pingback", "trackback"
    parent: int = 0
    user_id: int = 0
    meta: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ItemTerm:
    """<category domain="…" nicename="…">Name</category> on an item."""

    domain: str
    slug: str
    name: str


@dataclass
class Item:
    """<item>: a post, page, attachment, menu item or block-theme object."""

    wp_id: int
    post_type: str = "post"
    title: str = ""
    link: str = ""
    pub_date: str = ""
    creator: str = ""
    guid: str = ""
    description: str = ""
    content: str = ""
    excerpt: str = ""
    date: str = ""
    date_gmt: str = ""
    modified: str = ""
    modified_gmt: str = ""
    comment_status: str = "open"
    ping_status: str = "open"
    slug: str = ""
    status: str = "publish"
    parent: int = 0
    menu_order: int = 0
    password: str = ""
    sticky: bool = False
    attachment_url: str = ""
    terms: list[ItemTerm] = field(default_factory=list)
    meta: list[tuple[str, str]] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)

    def meta_value(self, key, default=""):
        for name, value in self.meta:
            if name == key:
                return value
        return default

    @property
    def label(self):
        """How the summary and errors name this item."""
        return f'{self.post_type} {self.wp_id} "{self.title[:60]}"'


@dataclass
class BrokenItem:
    """An item the parser could read as XML but not as a WordPress item (no usable
    wp:post_id, …): the importer skips it and says why."""

    label: str
    reason: str


@dataclass
class Note:
    """Something about the file as a whole the summary should say."""

    text: str
