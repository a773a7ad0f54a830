from django.urls import path

from . import views

app_name = "federation"

urlpatterns = [
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path(".well-known/host-meta", views.host_meta, name="host_meta"),
    path(".well-known/nodeinfo", views.nodeinfo_links, name="nodeinfo_links"),
    path("nodeinfo/2.1", views.nodeinfo, name="nodeinfo"),
    path("activitypub/blog/", views.actor, name="actor"),
    path("activitypub/blog/inbox/", views.inbox, name="inbox"),
    path("activitypub/inbox/", views.inbox, name="shared_inbox"),
    path("activitypub/blog/outbox/", views.outbox, name="outbox"),
    path("activitypub/blog/followers/", views.followers, name="followers"),
    path("activitypub/blog/following/", views.following, name="following"),
    path("activitypub/notes/<int:pk>/", views.note, name="note"),
]
