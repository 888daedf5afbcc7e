"""The site's URLs with the benchmark's baseline, as SOMEHUB_BENCH=1 mounts it."""

from django.urls import include, path

from somehub.urls import urlpatterns as site_urlpatterns

urlpatterns = [*site_urlpatterns, path("bench/", include("bench.urls"))]
