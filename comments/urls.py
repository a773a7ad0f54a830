from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("wp-comments-post/<int:post_id>/", views.post_comment, name="post"),
    path("comments/approve/<str:token>/", views.approve_from_mail, name="approve"),
    path("avatar/<str:token>.svg", views.avatar, name="avatar"),
]
