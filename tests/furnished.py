"""The demo's Paris 2024 1500 m report furnished with everything an article page can show
(its four embeds come with the demo; a correction, a comment with a reply, a Podium pick and
an edited comment are added): what the HTML and accessibility checks look at."""

from django.core.management import call_command

from corrections.models import Correction
from news import services
from news.models import Article, Comment
from tests.news.factories import CommentFactory

REPORT = "/news/hocker-wins-olympic-1500-m-kerr-silver-in-british-record/"
PROFILE = "/athletes/josh-kerr/"


def furnished_report():
    """Load the demo content and return the Paris report, furnished (comments stay open)."""
    call_command("load_demo", verbosity=0)
    article = Article.objects.get(slug=REPORT.split("/")[2])
    Correction.objects.create(
        article=article,
        text="An earlier version gave Kerr's time as 3:27.80; it was 3:27.79, a British record.",
    )
    first = CommentFactory(article=article, name="Morgan from Glasgow", body="What a final!\nStill shaking.")
    CommentFactory(article=article, parent=first, name="Sam", body="Three men under 3:28 & a British record.")
    CommentFactory(article=article, name="Alex <Leeds>", body="Podium-worthy <b>pick</b>.", is_pick=True)
    edited = CommentFactory(article=article, name="Jo", body="Kerr was second.")
    services.comment_edit(comment=edited, body="Kerr was second, in a British record.")
    assert Comment.objects.get(pk=edited.pk).status == Comment.Status.APPROVED
    return article
