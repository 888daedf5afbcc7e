"""Importing the old WordPress blog: WordPress's own Theme Unit Test export, and
small exports written here for the cases it lacks."""

import re
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from PIL import Image

from events.models import Comment, ImportedItem, Recap, RecapPhoto, RecapStatus
from tests.events.import_support import (
    THEME_UNIT_TEST,
    jpeg_with_gps,
    run_wordpress,
    wxr,
    wxr_comment,
    wxr_item,
)

pytestmark = pytest.mark.django_db

# Before the fixture's scheduled post (1 January 2030) goes online.
BEFORE_2030 = "2026-06-01T12:00"


@pytest.fixture
def export() -> bytes:
    return THEME_UNIT_TEST.read_bytes()


@pytest.fixture
def imported(export: bytes):
    report = run_wordpress(export)
    assert report.ok, report.error
    return report


def _state() -> list[tuple]:
    """Everything an import writes, to compare two runs."""
    return [
        *Recap.objects.values_list("pk", "slug", "title", "body", "updated_at"),
        *Comment.objects.values_list("pk", "body", "parent", "created_at"),
        *ImportedItem.objects.values_list("pk", "checksum", "updated_at"),
        *RecapPhoto.objects.values_list("pk", "image"),
    ]


# The Theme Unit Test export ------------------------------------------------------


@pytest.mark.frozen(BEFORE_2030)
def test_fixture_posts_become_recaps_in_their_states(imported) -> None:
    assert imported.count("recap", "created") == 58
    assert Recap.objects.count() == 58
    published = Recap.objects.filter(status=RecapStatus.PUBLISHED)
    # 56 published on the blog, less the password-protected one, plus the
    # scheduled one, which waits for its date.
    assert published.count() == 56
    assert Recap.objects.published().count() == 55
    scheduled = Recap.objects.get(slug="scheduled")
    assert scheduled.published_at == datetime(2030, 1, 1, 19, 0, 18, tzinfo=UTC)
    assert not scheduled.is_published
    drafts = set(
        Recap.objects.filter(status=RecapStatus.DRAFT).values_list("title", flat=True)
    )
    assert drafts == {"Draft", 'Template: Password Protected (the password is "enter")'}
    assert any("password" in note for note in imported.notes)
    # No evening was made up for them.
    assert not Recap.objects.filter(event__isnull=False).exists()
    recap = Recap.objects.get(slug="markup-html-tags-and-formatting")
    assert recap.byline == "Theme Buster"
    assert recap.published_at == datetime(2013, 1, 12, 3, 22, 19, tzinfo=UTC)
    assert Recap.objects.get(slug="markup-title-with-markup").title == (
        "Markup: Title With Markup"
    )


def test_fixture_pages_are_reported_not_imported(imported) -> None:
    assert imported.count("page", "skipped") == 21
    assert not Recap.objects.filter(title="About The Tests").exists()


def test_pages_come_along_as_drafts_when_asked(export) -> None:
    report = run_wordpress(export, pages=True)
    assert report.count("page", "created") == 21
    page = Recap.objects.get(title="About The Tests")
    assert page.status == RecapStatus.DRAFT
    # Their approved comments come too (three), the unapproved ones (two) do not.
    assert report.count("comment", "created") == 23 + 3


def test_fixture_comments_skip_pingbacks_trackbacks_and_unapproved(imported) -> None:
    assert imported.count("comment", "created") == 23
    reasons = {
        reason: n for kind, reason, n in imported.skip_reasons() if kind == "comment"
    }
    assert reasons["pingback"] == 2
    assert reasons["trackback"] == 2
    # One on a post, two on pages (which are not imported at all here).
    assert reasons["not approved"] == 3
    assert Comment.objects.count() == 23
    assert not Comment.objects.filter(body__icontains="this is test comment").exists()


def test_threaded_chain_keeps_parents_dates_and_authors(imported) -> None:
    recap = Recap.objects.get(slug="template-comments")
    chain = []
    comment = recap.comments.get(body="Comment Depth 01")
    while comment is not None:
        chain.append(comment)
        comment = comment.replies.first()
    assert [c.body[:16] for c in chain] == [
        f"Comment Depth {n:02d}" for n in range(1, 11)
    ]
    assert [c.guest_name for c in chain[:4]] == [
        "John Κώστας Doe Τάδε",
        "Jane Bloggs",
        "Fred Bloggs",
        "Fred Bloggs",
    ]
    assert chain[0].created_at == datetime(2013, 3, 14, 14, 57, 1, tzinfo=UTC)
    assert chain[9].created_at == datetime(2013, 3, 14, 15, 14, 47, tzinfo=UTC)
    assert all(c.author is None and c.is_guest for c in chain)


@pytest.mark.frozen(BEFORE_2030)
def test_deep_replies_show_under_their_thread_saying_whom_they_answer(
    client, imported
) -> None:
    recap = Recap.objects.get(slug="template-comments")
    html = client.get(recap.get_absolute_url()).content.decode()
    root = recap.comments.get(body="Comment Depth 01")
    start = html.index(f'id="comment-{root.pk}"')
    thread = html[start:]
    assert "Comment Depth 10" in thread
    # Depth 2 answers the root itself; depth 3 says whom it answers.
    assert "antwortet Jane Bloggs" in thread or "replying to Jane Bloggs" in thread
    assert html.count('<article class="comment') == recap.comments.count()
    assert "Gast" in html or "Guest" in html
    # The guests' addresses are never shown to anyone.
    assert "example@example.org" not in html
    assert "fake@example.com" not in html


@pytest.mark.frozen(BEFORE_2030)
def test_nothing_executable_or_third_party_survives_in_any_page(
    client, imported, organizer
) -> None:
    pages = [reverse("events:recap-list"), reverse("events:recap-feed"), "/"]
    pages += [r.get_absolute_url() for r in Recap.objects.published()]
    pages += [f"{reverse('events:recap-list')}?page={n}" for n in range(2, 7)]
    client.force_login(organizer)  # drafts too
    pages += [r.get_absolute_url() for r in Recap.objects.exclude(status="published")]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for tag in ("iframe", "object", "embed", "video", "audio", "style"):
            assert f"<{tag}" not in html, (url, tag)
        scripts = re.findall(r"<script[^>]*>", html)
        assert all('src="/static/' in s for s in scripts), (url, scripts)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), url
        assert not re.search(r"<[^>]+\sstyle\s*=", html), url
        for src in re.findall(r'<img[^>]+src="([^"]+)"', html):
            assert src.startswith("/"), (url, src)
    for recap in Recap.objects.all():
        assert "<form" not in recap.body_html and "<input" not in recap.body_html
    # The embeds and players became plain links.
    body = Recap.objects.get(slug="post-format-video-youtube").body_html
    assert 'href="https://www.youtube.com/watch?v=SQEQr7c0-dw"' in body


@pytest.mark.frozen(BEFORE_2030)
def test_old_addresses_redirect_to_the_new_recaps(client, imported) -> None:
    recap = Recap.objects.get(slug="markup-html-tags-and-formatting")
    for old in (
        "/2013/01/11/markup-html-tags-and-formatting/",
        "/2013/01/11/markup-html-tags-and-formatting",
        "/?p=1178",
        "/2099/12/31/markup-html-tags-and-formatting/",  # changed permalinks
    ):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == recap.get_absolute_url()
    # A draft's old address leads nowhere; the home page stays the home page.
    assert client.get("/?p=1164").status_code == 200
    assert client.get("/?p=not-a-number").status_code == 200
    assert client.get("/2013/01/11/no-such-post/").status_code == 404
    # The old blog's links between its posts point at the new recaps.
    linked = Recap.objects.get(slug="edge-case-many-tags")
    assert linked.status == RecapStatus.PUBLISHED


def test_second_run_changes_nothing(export, imported) -> None:
    before = _state()
    again = run_wordpress(export)
    assert again.count("recap", "unchanged") == 58
    assert again.count("comment", "unchanged") == 23
    assert again.count("recap", "created") == again.count("recap", "updated") == 0
    assert again.count("comment", "created") == again.count("comment", "updated") == 0
    assert _state() == before


def test_a_post_edited_on_the_old_blog_updates_its_recap(export, imported) -> None:
    recap = Recap.objects.get(slug="template-comments")
    comments = set(recap.comments.values_list("pk", flat=True))
    edited = export.replace(
        b"This post tests comments in the following ways.",
        b"This post tests comments, edited on the old blog.",
    )
    report = run_wordpress(edited)
    assert report.count("recap", "updated") == 1
    assert report.count("recap", "unchanged") == 57
    assert report.count("comment", "unchanged") == 23
    recap.refresh_from_db()
    assert "edited on the old blog" in recap.body
    assert set(recap.comments.values_list("pk", flat=True)) == comments
    assert Recap.objects.count() == 58


def test_dry_run_reports_the_same_and_saves_nothing(export) -> None:
    report = run_wordpress(export, dry_run=True)
    assert report.dry_run
    assert report.count("recap", "created") == 58
    assert report.count("comment", "created") == 23
    assert not Recap.objects.exists()
    assert not Comment.objects.exists()
    assert not ImportedItem.objects.exists()


def test_only_the_chosen_categories_count_as_recaps(export) -> None:
    report = run_wordpress(export, categories=["Block", "codex"])
    imported = set(Recap.objects.values_list("slug", flat=True))
    assert "block-image" in imported
    assert "keyboard-navigation" in imported  # tagged "codex"
    assert "post-format-gallery" not in imported
    assert ("recap", "not in the chosen categories or tags") in {
        (kind, reason) for kind, reason, _n in report.skip_reasons()
    }


@pytest.mark.frozen(BEFORE_2030)
def test_imported_recap_page_costs_the_same_queries_whatever_its_size(
    client, imported, uncached
) -> None:
    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = Recap.objects.get(slug="edge-case-no-content").get_absolute_url()
    big = Recap.objects.get(slug="template-comments").get_absolute_url()
    assert count(small) == count(big) <= 4


@pytest.mark.frozen(BEFORE_2030)
def test_list_feed_sitemap_and_home_show_imported_recaps(client, imported) -> None:
    recap = Recap.objects.get(slug="wp-6-1-font-size-scale")  # the newest
    for url in ("/", reverse("events:recap-list"), reverse("events:recap-feed")):
        assert recap.title in client.get(url).content.decode(), url
    assert recap.get_absolute_url() in client.get("/sitemap.xml").content.decode()
    assert client.get(reverse("events:archive")).status_code == 200


def test_command_prints_the_report(export) -> None:
    out = StringIO()
    call_command("import_wordpress", str(THEME_UNIT_TEST), "--dry-run", stdout=out)
    assert "58" in out.getvalue()
    assert not Recap.objects.exists()
    with pytest.raises(CommandError):
        call_command("import_wordpress", "/no/such/file.xml", stdout=StringIO())


# Pictures from a local copy of wp-content/uploads --------------------------------


def test_pictures_come_from_the_uploads_copy_reencoded_without_metadata(
    export, tmp_path, settings, client
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    uploads = tmp_path / "uploads"
    jpeg_with_gps(uploads / "2008/06/100_5478.jpg")  # the captioned one
    jpeg_with_gps(uploads / "2010/08/triforce-wallpaper.jpg")  # its featured image
    report = run_wordpress(export, uploads=uploads)
    recap = Recap.objects.get(slug="post-format-image-caption")
    photos = list(recap.photos.all())
    assert len(photos) == 2
    assert recap.cover is not None
    assert recap.cover.alt_text == "It’s dangerous to go alone! Take this."
    captioned = next(p for p in photos if p.pk != recap.cover_id)
    assert captioned.in_text
    assert captioned.alt_text == "Bell on Wharf"
    for photo in photos:
        stored = Image.open(photo.image.path)
        assert stored.format == "WEBP"
        assert not stored.getexif()
    html = client.get(recap.get_absolute_url()).content.decode()
    assert f'src="{captioned.display_url}"' in html
    assert "<figcaption>Bell on wharf in San Francisco</figcaption>" in html
    assert "files.wordpress.com" not in html
    # The same picture in another post is that post's own photo.
    assert RecapPhoto.objects.filter(image__endswith=".webp").count() >= 3
    assert any("Picture not in the uploads folder" in n for n in report.notes)

    # Running it again without the folder keeps the photos (nothing to do).
    again = run_wordpress(export)
    assert again.count("recap", "updated") == again.count("photo", "created") == 0
    assert recap.photos.count() == 2


def test_a_path_in_the_export_cannot_leave_the_uploads_folder(tmp_path) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    jpeg_with_gps(tmp_path / "secret.jpg")
    attachment = wxr_item(
        9,
        "secret",
        "",
        kind="attachment",
        status="inherit",
        meta={"_wp_attached_file": "../secret.jpg"},
    )
    post = wxr_item(
        10,
        "Kick-off",
        "<p>Hallo</p>",
        meta={"_thumbnail_id": "9"},
    )
    report = run_wordpress(wxr(attachment, post), uploads=uploads)
    assert report.ok
    assert not RecapPhoto.objects.exists()


def test_pictures_of_other_sites_are_left_out_and_reported() -> None:
    content = (
        '<p>Seht mal: <img src="https://tracker.example/pixel.gif" alt="">'
        '<img src="https://somehblog.example/wp-content/uploads/2016/09/a.jpg"></p>'
        '<iframe src="https://www.youtube.com/embed/xyz"></iframe>'
        '<script>alert(1)</script><p onclick="evil()" style="color:red">Text</p>'
    )
    report = run_wordpress(wxr(wxr_item(1, "Kick-off", content)))
    body = Recap.objects.get().body_html
    assert "tracker.example" not in body
    assert "<img" not in body
    assert 'href="https://www.youtube.com/embed/xyz"' in body
    assert "alert" not in body and "onclick" not in body and "style" not in body
    assert any("tracker.example" in n for n in report.notes)
    assert any("no uploads folder" in n.casefold() for n in report.notes)


# Hand-written exports -------------------------------------------------------------


def test_classic_content_gets_paragraphs_and_shortcodes_are_rendered() -> None:
    content = (
        "Erster Absatz\nmit Zeilenumbruch.\n\nZweiter Absatz.\n\n"
        "[embed]https://www.youtube.com/watch?v=abc[/embed]\n\n"
        '[contact-form-7 id="12"]\n\n[sic] bleibt stehen.\n\n'
        "[note]Notiz im Shortcode[/note]"
    )
    run_wordpress(wxr(wxr_item(1, "Kick-off", content)))
    body = Recap.objects.get().body_html
    assert "<p>Erster Absatz<br>\nmit Zeilenumbruch.</p>" in body
    assert "<p>Zweiter Absatz.</p>" in body
    assert 'href="https://www.youtube.com/watch?v=abc"' in body
    assert "contact-form" not in body
    assert "[sic] bleibt stehen." in body
    assert "Notiz im Shortcode" in body and "[note]" not in body


def test_comments_keep_their_text_as_plain_text_and_skip_what_is_not_approved() -> None:
    comments = (
        wxr_comment(1, "Toller Abend! <a href='https://example.org/x'>Link</a>")
        + wxr_comment(2, "Danke <strong>dir</strong>!", parent=1, author="Nina")
        + wxr_comment(3, "Kauf Pillen", approved="spam")
        + wxr_comment(4, "Antwort auf Spam", parent=3)
        + wxr_comment(5, "Pingback", kind="pingback")
    )
    report = run_wordpress(wxr(wxr_item(1, "Kick-off", "Text", comments=comments)))
    recap = Recap.objects.get()
    first = recap.comments.get(
        guest_name="Gabi Gast", parent=None, body__startswith="Toller"
    )
    assert first.body == "Toller Abend! Link (https://example.org/x)"
    reply = recap.comments.get(guest_name="Nina")
    assert reply.parent == first and reply.body == "Danke dir!"
    # A reply to a comment that was not imported answers the post.
    orphan = recap.comments.get(body="Antwort auf Spam")
    assert orphan.parent is None
    assert report.count("comment", "skipped") == 2
    assert first.guest_email == "gabi@example.org"


def test_one_bad_item_is_reported_and_the_rest_imported(django_db_blocker) -> None:
    data = wxr(
        wxr_item(1, "Gut", "Text", slug="gut", comments=wxr_comment(1, "Hallo")),
        wxr_item(2, "Kaputt", "Text", slug="kaputt", comments=wxr_comment(2, "Hi")),
        wxr_item(3, "Auch gut", "Text", slug="auch-gut"),
    )
    # The database refuses one recap, as a full disk or a constraint would.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION refuse_kaputt() RETURNS trigger AS $$
            BEGIN
              IF NEW.title = 'Kaputt' THEN RAISE EXCEPTION 'refused'; END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_kaputt BEFORE INSERT ON events_recap
              FOR EACH ROW EXECUTE FUNCTION refuse_kaputt();
            """
        )
    report = run_wordpress(data)
    assert report.count("recap", "created") == 2
    assert report.count("recap", "failed") == 1
    assert set(Recap.objects.values_list("slug", flat=True)) == {"gut", "auch-gut"}
    assert Comment.objects.count() == 1
    assert not ImportedItem.objects.filter(external_id="2").exists()
    failed = [e for e in report.entries if e.action == "failed"]
    assert failed[0].label == "Kaputt"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not xml at all", "not valid XML"),
        (b"<rss><channel><title>Feed</title></channel></rss>", "not a WordPress"),
        (b"<html><body>Hallo</body></html>", "not a WordPress"),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><rss>&b;</rss>',
            "refused for safety",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<rss>&x;</rss>",
            "refused for safety",
        ),
    ],
)
def test_a_file_that_is_no_export_imports_nothing(data, message) -> None:
    with translation.override("en"):
        report = run_wordpress(data)
    assert not report.ok
    assert message in report.error
    assert not Recap.objects.exists()


def test_block_gallery_becomes_the_photo_grid(tmp_path, settings) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    uploads = tmp_path / "uploads"
    for name in ("a.jpg", "b.jpg"):
        jpeg_with_gps(uploads / "2016/09" / name)
    base = "https://somehblog.example/wp-content/uploads/2016/09"
    content = (
        '<!-- wp:gallery --><figure class="wp-block-gallery has-nested-images">'
        f'<figure class="wp-block-image"><img src="{base}/a.jpg" alt="Am Tresen"/>'
        "<figcaption>Am Tresen im La Sall</figcaption></figure>"
        f'<figure class="wp-block-image"><img src="{base}/b-300x200.jpg" alt="Runde"/>'
        "</figure></figure><!-- /wp:gallery -->"
    )
    report = run_wordpress(wxr(wxr_item(1, "Kick-off", content)), uploads=uploads)
    recap = Recap.objects.get()
    photos = {p.alt_text: p for p in recap.photos.all()}
    assert report.count("photo", "created") == 2
    assert all(p.in_text for p in photos.values())
    body = recap.body_html
    assert body.startswith('<ul class="gallery"><li><a href=')
    assert f'src="{photos["Am Tresen"].thumbnail_url}"' in body
    assert f'src="{photos["Runde"].thumbnail_url}"' in body
    assert "figcaption" not in body
