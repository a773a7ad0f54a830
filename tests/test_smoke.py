import pytest
from django.core.management import call_command

SEED_URL = "/2011/08/19/ny-rep-serrano-opposes-s-comm-policy/"


@pytest.mark.django_db
def test_demo_post_is_served_at_its_permalink(client):
    """`load_demo` puts the seed post at its WordPress permalink."""
    call_command("load_demo")
    response = client.get(SEED_URL)
    assert response.status_code == 200
    assert "NY Rep. Serrano Opposes S-Comm Policy" in response.text
