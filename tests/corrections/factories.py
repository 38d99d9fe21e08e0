import datetime

import factory
from factory.django import DjangoModelFactory

from corrections.models import Correction, ErrorReport
from tests.news.factories import ArticleFactory


class CorrectionFactory(DjangoModelFactory):
    class Meta:
        model = Correction

    article = factory.SubFactory(ArticleFactory)
    text = "An earlier version gave the wrong winning time."
    date = datetime.date(2024, 3, 3)


class ErrorReportFactory(DjangoModelFactory):
    class Meta:
        model = ErrorReport

    article = factory.SubFactory(ArticleFactory)
    description = "The winning time in the third paragraph is wrong."
    email = "reader@example.com"
