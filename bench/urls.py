from django.urls import path

from bench import views

app_name = "bench"

urlpatterns = [
    path("hello/", views.hello, name="hello"),
    path("fortunes/", views.fortunes, name="fortunes"),
]
