from django.urls import path

from . import webmention, xmlrpc

app_name = "linkbacks"

urlpatterns = [
    # /xmlrpc.php is where WordPress blogs and clients look for pingback.ping.
    path("xmlrpc.php", xmlrpc.endpoint, name="xmlrpc"),
    path("xmlrpc/", xmlrpc.endpoint, name="xmlrpc_slash"),
    path("webmention/", webmention.endpoint, name="webmention"),
]
