"""Plain comment text to HTML: paragraphs, links, and nothing else."""

from somehub.lib.text import plain_text_to_html


def test_paragraphs_and_line_breaks_are_kept() -> None:
    assert plain_text_to_html("Eins\nZwei\r\n\r\n\n Drei ") == (
        "<p>Eins<br>Zwei</p><p>Drei</p>"
    )


def test_urls_become_nofollow_ugc_links() -> None:
    html = plain_text_to_html("Schau: https://example.org/x?a=1&b=2.")
    assert html == (
        '<p>Schau: <a href="https://example.org/x?a=1&amp;b=2" '
        'rel="nofollow ugc noopener">https://example.org/x?a=1&amp;b=2</a>.</p>'
    )


def test_bare_domains_are_linked_too() -> None:
    assert 'href="https://www.example.org"' in plain_text_to_html("www.example.org")


def test_html_is_shown_as_typed() -> None:
    html = plain_text_to_html(
        '<a href="https://x.example" onclick="alert(1)">x</a> <b>b</b>'
    )
    assert "<b>" not in html
    assert "&lt;a href=" in html
    # The only element is the link made from the URL; onclick stays plain text.
    assert html.count("<a ") == 1
    assert '<a href="https://x.example" rel="nofollow ugc noopener">' in html


def test_javascript_urls_are_not_linked() -> None:
    html = plain_text_to_html("javascript:alert(document.cookie)")
    assert "<a" not in html


def test_long_urls_are_shortened_in_the_link_text_only() -> None:
    url = "https://example.org/" + "a" * 100
    html = plain_text_to_html(url)
    assert f'href="{url}"' in html
    assert "…</a>" in html


def test_empty_text_gives_nothing() -> None:
    assert plain_text_to_html("") == ""
    assert plain_text_to_html("  \n\n ") == ""
