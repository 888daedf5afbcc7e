"""The site's URLs, and the benchmark's baseline under /bench/."""

from django.urls import include, path

from scripts.benchsite import views
from somehub.urls import handler500 as handler500
from somehub.urls import urlpatterns as site_urlpatterns

bench = (
    [
        path("hello/", views.hello, name="hello"),
        path("fortunes/", views.fortunes, name="fortunes"),
        path("member/", views.member, name="member"),
        path("member-layout/", views.member_layout, name="member-layout"),
    ],
    "bench",
)

urlpatterns = [*site_urlpatterns, path("bench/", include(bench))]
